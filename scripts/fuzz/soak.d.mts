// Types of scripts/fuzz/soak.mjs, for test/scripts/fuzz.test.ts.
export interface TargetCounts {
  ts: number;
  pytorch: number;
}
export interface KindStats {
  total: number;
  checked: number;
  refused: number;
  noModel?: number;
  codes?: Record<string, number>;
  compiled: TargetCounts;
  compileRefused: TargetCounts;
  forwardOk: number;
  forwardRefused: number;
  forwardSkipped: number;
}
export interface SoakStats {
  valid: KindStats;
  mutated: KindStats;
  internalErrors: number;
  halfWritten: number;
  failures: Array<{ id: string; dir: string; what: string; message: string; edits: string[] }>;
  refusals: string[];
}
/** tfmc's functions the soak calls (from `dist/` in the script, from `src/` in the test). */
export interface SoakApi {
  checkSource: (...args: never[]) => unknown;
  runCompile: (...args: never[]) => Promise<number>;
  compile: (...args: never[]) => Promise<unknown>;
  evalDim: (...args: never[]) => number | undefined;
  totalParams: (...args: never[]) => number;
  tf: unknown;
  userErrors: Array<abstract new (...args: never[]) => Error>;
}
export function soak(options: { count: number; seed: number; work: string; api: SoakApi; seeds: Array<{ path: string; text: string }>; log?: (line: string) => void }): Promise<SoakStats>;
export function newStats(): SoakStats;
export function runCase(stats: SoakStats, kind: 'valid' | 'mutated', id: string, source: string, work: string, api: SoakApi, edits?: string[]): Promise<void>;
export function report(stats: SoakStats, seconds: number): string;
