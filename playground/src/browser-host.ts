/**
 * The playground's stand-in for `src/ir/default-host.ts` (build.mjs puts it in that module's
 * place): no disk, and the standard library as the text of `src/std/*.tfm`, embedded at build time.
 */
import std from 'tfmc:std';
import { memoryHost } from '../../src/ir/spec-host.js';

export const defaultHost = memoryHost(std);
