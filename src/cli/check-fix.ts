/** The `--fix` rounds of `tfmc check`: plan the fixes, write the specs, re-check (see apply-fixes.ts). */
import { STD_DIR } from '../ir/workspace.js';
import type { CheckResult } from '../pipeline/check-spec.js';
import { displayPath } from '../render/paths.js';
import { planFixes } from './apply-fixes.js';
import type { CliContext } from './context.js';
import { specWriteProblem, writeSpec } from './spec-write.js';

type Results = { file: string; result: CheckResult }[];

const ROUNDS = 4;

export function fixAll(ctx: CliContext, first: Results, recheck: () => Results): { results: Results; failed: boolean } {
  let results = first;
  const refused = new Set<string>();
  // Only the user's own specs are edited: never the standard library, never a file that cannot be written.
  const editable = (file: string) => !file.startsWith(STD_DIR) && !refused.has(file);
  let total = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const sources = new Map<string, string>();
    for (const { result } of results) for (const [k, v] of result.sources) sources.set(k, v);
    const plan = planFixes(results.flatMap((r) => r.result.diagnostics), sources, editable);
    if (plan.texts.size === 0) break;
    for (const [file, text] of plan.texts) {
      const shown = displayPath(file, ctx.cwd);
      const problem = specWriteProblem(file);
      if (problem) {
        ctx.err(`error[TFM6003]: cannot apply fixes to '${shown}': ${problem}; it was left as it was\n`);
        refused.add(file);
        continue;
      }
      try {
        writeSpec(file, text);
      } catch (e) {
        ctx.err(`error[TFM6003]: cannot write '${shown}': ${(e as Error).message}; it was left as it was\n`);
        return { results, failed: true };
      }
      const fixed = plan.fixed.get(file) ?? [];
      total += fixed.length;
      for (const d of fixed) ctx.err(`fixed ${d.code} in ${shown}:${d.primary.span.start.line}: ${d.help!.message}\n`);
    }
    results = recheck();
  }
  if (total > 0) ctx.err(`applied ${total} ${total === 1 ? 'fix' : 'fixes'}\n`);
  return { results, failed: false };
}
