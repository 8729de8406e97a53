/**
 * `tfmc lsp`: the language server over stdin/stdout (docs/editors.md). Editors start it; it runs
 * until the client sends `exit` or closes its input. Nothing but protocol messages goes to
 * stdout; logs go through the protocol's log messages.
 */
import type { Command } from 'commander';
import type { CliContext } from './context.js';
import { UsageError } from './context.js';

export function registerLsp(program: Command, _ctx: CliContext): void {
  program
    .command('lsp')
    .description('run the language server (LSP over stdio) for editors')
    .option('--stdio', 'talk LSP over stdin/stdout (the default and only transport)')
    .option('--debounce <ms>', 'edits closer together than this many ms are checked once, after the last (default 50)', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n > 5000) throw new UsageError(`--debounce must be a whole number of milliseconds from 0 to 5000, not '${v}'`);
      return n;
    })
    .addHelpText(
      'after',
      '\nEditors start this command; see docs/editors.md for VS Code and Neovim.\n' +
        '\nExamples:\n' +
        '  $ tfmc lsp --stdio                 # what an editor runs\n' +
        "  -- Neovim: vim.lsp.start({ name = 'tfmc', cmd = { 'npx', 'tfmc', 'lsp', '--stdio' } })\n",
    )
    .action(async (options: { debounce?: number }) => {
      const { startServer } = await import('../lsp/server.js');
      startServer(process.stdin, process.stdout, { debounceMs: options.debounce });
      // The connection ends the process on `exit` or when stdin closes.
      await new Promise<never>(() => {});
    });
}
