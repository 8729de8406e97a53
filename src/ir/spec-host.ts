/**
 * What the workspace reads specs and the standard library through. In Node that is the disk
 * (`default-host.ts`); where there is no disk (the browser playground) it is {@link memoryHost},
 * over text embedded at build time. Nothing here imports Node.
 */
import type { SourceRead } from '../util/source-text.js';

export interface StdFile {
  /** The file's name in the std folder, e.g. `attention.tfm`. */
  name: string;
  text: string;
}

export interface SpecHost {
  /** The standard library's folder (absolute): `import "std/x.tfm"` names `${stdDir}/x.tfm`. */
  readonly stdDir: string;
  /** The standard library's `.tfm` files, sorted by name. */
  stdFiles(): StdFile[];
  /** A spec file's text held to the limits; undefined when it cannot be read at all. */
  readSource(path: string): SourceRead | undefined;
  isFile(path: string): boolean;
  exists(path: string): boolean;
  /** The path with symbolic links resolved, or the path itself when it cannot be. */
  realPath(path: string): string;
}

/**
 * A host with no files but the standard library given: specs reach the workspace as text (an
 * editor buffer, `checkSource`), and an import of any other file is reported as not found.
 */
export function memoryHost(std: readonly StdFile[], stdDir = '/tfmc/std'): SpecHost {
  const files = [...std].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return {
    stdDir,
    stdFiles: () => files,
    readSource: () => undefined,
    isFile: () => false,
    exists: () => false,
    realPath: (path) => path,
  };
}
