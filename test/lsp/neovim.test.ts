/**
 * `tfmc lsp` through a real editor: Debian's headless Neovim (0.7 or newer; `npm test` installs
 * it) opens a spec with a shape error using its built-in LSP client. A generated init.lua waits
 * for the diagnostics Neovim received, writes them as JSON, replaces the buffer text with the
 * fixed spec, waits for the list to clear and writes that too. Every wait inside Neovim has a
 * timeout that writes the failure; the process itself is killed after 30 s, so the test cannot hang.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BIN } from './client.js';

const SPEC = `model Tiny {
  config {
    vocab = 100
    d_model = 64
  }
  input ids: int32[batch, seq]
  let emb = Embedding(vocab, d_model)
  let x = emb(ids)
  let y = Linear(32)(x) + x
  output logits = Linear(vocab)(y)
}
`;
const FIXED = SPEC.replace('Linear(32)', 'Linear(d_model)');

// Neovim 0.7 has no vim.lsp.start; start_client + buf_attach_client work from 0.5 on.
const INIT = String.raw`
local out, spec, fixed, root, node, bin = os.getenv('TFMC_OUT'), os.getenv('TFMC_SPEC'), os.getenv('TFMC_FIXED'), os.getenv('TFMC_ROOT'), os.getenv('TFMC_NODE'), os.getenv('TFMC_BIN')
local result = {}
local function finish(err)
  result.error = err
  local f = assert(io.open(out, 'w'))
  f:write(vim.fn.json_encode(result))
  f:close()
  vim.cmd(err and 'cquit!' or 'qall!')
end
local function list(buf)
  local ds = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    table.insert(ds, { code = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code), line = d.lnum, col = d.col, message = d.message, severity = d.severity })
  end
  return ds
end
local ok, err = pcall(function()
  vim.cmd('edit ' .. vim.fn.fnameescape(spec))
  local buf = vim.api.nvim_get_current_buf()
  vim.bo[buf].filetype = 'tfm'
  local id = vim.lsp.start_client({ name = 'tfmc', cmd = { node, bin, 'lsp' }, root_dir = root, flags = { debounce_text_changes = 0 } })
  if not id then return finish('vim.lsp.start_client failed') end
  vim.lsp.buf_attach_client(buf, id)
  if not vim.wait(15000, function() return #vim.diagnostic.get(buf) > 0 end, 10) then return finish('timed out waiting for diagnostics') end
  result.first = list(buf)
  local lines = {}
  for l in io.lines(fixed) do table.insert(lines, l) end
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines)
  if not vim.wait(15000, function() return #vim.diagnostic.get(buf) == 0 end, 10) then return finish('timed out waiting for the diagnostics to clear') end
  result.after = list(buf)
  vim.lsp.stop_client(id)
  finish(nil)
end)
if not ok then finish('init.lua failed: ' .. tostring(err)) end
`;

let dir: string;
let nvim: string | undefined;

beforeAll(() => {
  dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'tfmc-nvim-')));
  fs.writeFileSync(path.join(dir, 'tiny.tfm'), SPEC);
  fs.writeFileSync(path.join(dir, 'fixed.txt'), FIXED);
  fs.writeFileSync(path.join(dir, 'init.lua'), INIT);
  const which = spawnSync('sh', ['-c', 'command -v nvim'], { encoding: 'utf8' });
  nvim = which.status === 0 ? which.stdout.trim() : undefined;
});

afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

it('Neovim receives the shape error (code, line, message) and sees it clear after the fix', () => {
  if (!nvim) throw new Error('nvim is not installed: `apt-get install neovim` (npm test installs it: scripts/system-packages.sh)');
  const out = path.join(dir, 'result.json');
  const run = spawnSync(nvim, ['--headless', '--clean', '-u', path.join(dir, 'init.lua')], {
    cwd: dir,
    env: { ...process.env, TFMC_OUT: out, TFMC_SPEC: path.join(dir, 'tiny.tfm'), TFMC_FIXED: path.join(dir, 'fixed.txt'), TFMC_ROOT: dir, TFMC_NODE: process.execPath, TFMC_BIN: BIN, XDG_STATE_HOME: dir, XDG_CACHE_HOME: dir },
    encoding: 'utf8',
    timeout: 30_000,
    killSignal: 'SIGKILL',
  });
  const written = fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : undefined;
  if (!written) throw new Error(`Neovim wrote no result (status ${run.status}, signal ${run.signal}):\n${run.stdout}\n${run.stderr}`);
  const result = JSON.parse(written) as { error?: string; first?: Array<{ code: string; line: number; col: number; message: string; severity: number }>; after?: unknown[] };
  expect(result.error).toBeUndefined();
  expect(result.first).toHaveLength(1);
  const d = result.first![0];
  const line = SPEC.split('\n').findIndex((l) => l.includes('Linear(32)(x) + x'));
  expect(d).toMatchObject({ code: 'TFM3001', line, col: SPEC.split('\n')[line].indexOf('Linear(32)'), severity: 1 });
  expect(d.message.split('\n')[0]).toBe('cannot add `[batch, seq, 32]` and `[batch, seq, 64]`');
  expect(result.after).toEqual([]);
  expect(run.status).toBe(0);
});
