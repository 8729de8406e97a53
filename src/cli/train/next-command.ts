/** What a run suggests doing next. */
import type { Task } from './task.js';

/** The command to try after a run: `generate` or `predict` on the run, with the input its tokenizer takes. */
export function nextCommand(task: Task, run: string, tokenizer: string, suffix = ''): string {
  if (task.kind === 'classify' || task.kind === 'tag') return `next: tfmc predict ${run} --input "..."${suffix}`;
  if (tokenizer === 'ids') return `next: tfmc generate ${run} --ids 1,2,3${suffix}`;
  return task.kind === 'lm' ? `next: tfmc generate ${run} --prompt "..."${suffix}` : `next: tfmc generate ${run} --source "..."${suffix}`;
}
