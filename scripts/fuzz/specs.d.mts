// Types of scripts/fuzz/specs.mjs, for the name fuzzer (test/backends/generated/names.test.ts).
export const HOSTILE_NAMES: readonly string[];
export function rng(seed: number): () => number;
export function nameSpecs(seed: number, count: number): Array<{ id: string; source: string }>;
export function nameSpec(seed: number): string;
export function mutate(source: string, seed: number): { source: string; edits: string[] };
