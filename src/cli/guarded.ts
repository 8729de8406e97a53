/**
 * Runs a command whose failures may be the user's (a bad weight file, a missing checkpoint): those
 * `reportRunFailure` knows become one coded line and their exit code; anything else is rethrown.
 * The reporter is loaded only when something failed, to keep start-up light.
 */
import type { CliContext } from './context.js';

export async function guarded(ctx: CliContext, run: () => Promise<number>): Promise<number> {
  try {
    return await run();
  } catch (e) {
    const { reportRunFailure } = await import('./train/errors.js');
    const code = reportRunFailure(ctx, e);
    if (code === undefined) throw e;
    return code;
  }
}
