/** The flags of `tfmc train` (defined in `src/cli/train.ts`), as commander hands them over. */
import type { BackendName } from '../../backends/tfjs/backend.js';
import type { ScheduleKind } from '../../backends/tfjs/schedule.js';

export interface TrainFlags {
  data: string;
  model?: string;
  set?: Record<string, string>;
  backend?: BackendName;
  out?: string;
  steps?: number;
  epochs?: number;
  batch?: number;
  seq?: number;
  lr?: number;
  warmup?: number;
  clipNorm?: number;
  evalEvery?: number;
  saveEvery?: number;
  valFraction?: number;
  seed?: number;
  resume?: boolean;
  /** char, bpe, or the path of a Hugging Face tokenizer.json. */
  tokenizer?: string;
  schedule?: ScheduleKind;
  /** Evaluations without improvement before stopping; 0 (`--patience off`): never. */
  patience?: number;
}
