/** The contract between `tfmc compile` and each of its targets (tfjs, ts, pytorch, onnx). */
import type { ModelIR } from '../ir/types.js';

/** What a target gets: the checked model and the flags. */
export interface TargetJob {
  ir: ModelIR;
  /** Absolute path of the spec. */
  spec: string;
  overrides: Record<string, string>;
  /** The files the check read (absolute path → text), for rendering a target's diagnostics. */
  sources?: ReadonlyMap<string, string>;
  seed?: number;
  standalone: boolean;
  /** tfjs: bytes the model may need (`--max-memory`), checked before allocating. */
  maxMemory?: number;
}

export interface TargetWriter {
  /** One line for `--help`. */
  describe: string;
  /** The output directory when `-o` is not given (relative to the working directory). */
  defaultDir(ir: ModelIR): string;
  /** Whether a non-empty directory is an earlier output of this target (then it is replaced without `--force`). */
  isEarlierOutput(dir: string, job: TargetJob): boolean;
  /** Writes the output into `staging` (a path that does not exist yet); returns the files written, relative. */
  write(job: TargetJob, staging: string): Promise<string[]>;
}
