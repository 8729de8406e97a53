/**
 * How large a model tfmc agrees to build (docs/limits.md). The graph holds every layer of every
 * stack, so an absurd size would exhaust memory (or take minutes) instead of failing; these
 * bounds turn it into a diagnostic. Each can be raised with an environment variable.
 */

import { envVar } from '../util/env.js';
import type { SourceRef } from './source-ref.js';

function fromEnv(name: string, fallback: number): number {
  const raw = envVar(name);
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw.replace(/_/g, ''));
  return Number.isSafeInteger(n) && n > 0 ? n : fallback;
}

/** Layers one `repeat` may stack, and stacks nested inside one another in all (their counts multiplied). */
export function maxLayers(): number {
  return fromEnv('TFMC_MAX_LAYERS', 10_000);
}

/** Operations (IR nodes) one model's graph may hold once every stack is expanded. */
export function maxGraphNodes(): number {
  return fromEnv('TFMC_MAX_GRAPH_NODES', 1_000_000);
}

/** Thrown by the graph builder when a model passes `maxGraphNodes()`; lowering turns it into TFM4010. */
export class GraphTooLarge extends Error {
  /** The outermost stack being expanded when the budget ran out, if any (set while unwinding). */
  at?: SourceRef;

  constructor(readonly nodes: number, readonly limit: number) {
    super(`the graph passed ${limit} nodes`);
  }
}
