/**
 * `tfmc lsp` through a real editor, set up exactly as docs/editors.md prints it: each ```lua block
 * of its "Neovim" section becomes, as printed, the `init.lua` of a fresh Neovim configuration
 * (`$XDG_CONFIG_HOME/nvim/init.lua`), `tfmc` on the PATH is this repository's binary, and Debian's
 * headless Neovim (`npm test` installs it) opens a spec with a shape error the way a user does:
 * `nvim tiny.tfm`. A test script run after start-up (`-c luafile`) waits for the diagnostics
 * Neovim received (with the related locations it keeps in `user_data.lsp`), writes them as JSON, replaces the buffer text with the fixed spec, waits for the
 * list to clear and writes that too. Every wait inside Neovim has a timeout that writes the
 * failure; the process itself is killed after 30 s, so the test cannot hang. A block that needs a
 * newer Neovim than the installed one (`vim.lsp.start`: 0.8) is compiled by Neovim's Lua but not run.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docBlocks } from '../helpers/markdown.js';
import { BIN, ROOT } from './client.js';

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

// Runs after init.lua and after Neovim opened tiny.tfm; everything it learns goes to $TFMC_OUT.
const HARNESS = String.raw`
local out, fixed = os.getenv('TFMC_OUT'), os.getenv('TFMC_FIXED')
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
    local lsp = d.user_data and d.user_data.lsp or {}
    table.insert(ds, { code = d.code or lsp.code, line = d.lnum, col = d.col, message = d.message, severity = d.severity, related = lsp.relatedInformation or {} })
  end
  return ds
end
local function clients(buf)
  local names = {}
  for _, c in pairs(vim.lsp.buf_get_clients(buf)) do table.insert(names, c.name) end
  return names
end
local ok, err = pcall(function()
  local buf = vim.api.nvim_get_current_buf()
  result.filetype = vim.bo[buf].filetype
  if not vim.wait(15000, function() return #vim.diagnostic.get(buf) > 0 end, 10) then
    result.clients = clients(buf)
    return finish('timed out waiting for diagnostics (filetype ' .. vim.inspect(vim.bo[buf].filetype) .. ', clients ' .. vim.inspect(result.clients) .. ')')
  end
  result.clients = clients(buf)
  result.first = list(buf)
  local lines = {}
  for l in io.lines(fixed) do table.insert(lines, l) end
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines)
  if not vim.wait(15000, function() return #vim.diagnostic.get(buf) == 0 end, 10) then return finish('timed out waiting for the diagnostics to clear') end
  result.after = list(buf)
  vim.lsp.stop_client(vim.lsp.get_active_clients())
  finish(nil)
end)
if not ok then finish('test script failed: ' .. tostring(err)) end
`;

const SNIPPETS = docBlocks(path.join(ROOT, 'docs/editors.md'), 'Neovim', 'lua');

let dir: string;
// Found when the file loads: which blocks can run is known before the tests are collected.
const which = spawnSync('sh', ['-c', 'command -v nvim'], { encoding: 'utf8' });
const nvim: string | undefined = which.status === 0 ? which.stdout.trim() : undefined;
const versionMatch = nvim ? /NVIM v(\d+)\.(\d+)/.exec(spawnSync(nvim, ['--version'], { encoding: 'utf8' }).stdout) : null;
const version: [number, number] = versionMatch ? [Number(versionMatch[1]), Number(versionMatch[2])] : [0, 0];

beforeAll(() => {
  dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'tfmc-nvim-')));
});

afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** The Neovim version a snippet needs: `vim.lsp.start` came in 0.8. */
const needs = (snippet: string): [number, number] => (/\bvim\.lsp\.start\(/.test(snippet) ? [0, 8] : [0, 7]);
const atLeast = (v: [number, number], min: [number, number]) => v[0] > min[0] || (v[0] === min[0] && v[1] >= min[1]);

it('docs/editors.md has the Neovim set-ups this test runs (0.8+ and 0.7), each valid Lua', () => {
  expect(SNIPPETS.map(needs)).toEqual([
    [0, 8],
    [0, 7],
  ]);
  if (!nvim) throw new Error('nvim is not installed: `apt-get install neovim` (npm test installs it: scripts/system-packages.sh)');
  // Neovim's own Lua compiles each block (also the one the installed Neovim cannot run).
  SNIPPETS.forEach((snippet, i) => fs.writeFileSync(path.join(dir, `syntax-${i}.lua`), snippet));
  const check = `for i = 0, ${SNIPPETS.length - 1} do local f = assert(io.open('${dir}/syntax-' .. i .. '.lua')); local ok, err = loadstring(f:read('*a')); f:close(); if not ok then io.stderr:write(err .. '\\n'); vim.cmd('cquit!') end end`;
  const r = spawnSync(nvim, ['--headless', '--clean', '-c', `lua ${check}`, '-c', 'qall!'], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, XDG_STATE_HOME: dir, XDG_CACHE_HOME: dir } });
  expect(r.status, r.stderr).toBe(0);
});

// Run end to end: every block the installed Neovim can run (a block for a newer Neovim is only
// compiled above; nothing is skipped, and the test below says how many ran).
const RUNNABLE = SNIPPETS.map((snippet, i) => ({ snippet, i })).filter(({ snippet }) => atLeast(version, needs(snippet)));

it('the installed Neovim runs the 0.7 set-up of docs/editors.md at least', () => {
  expect(RUNNABLE.map(({ snippet }) => needs(snippet))).toContainEqual([0, 7]);
});

describe.each(RUNNABLE)('the init.lua of docs/editors.md, block $i', ({ snippet, i }) => {
  it('Neovim receives the shape error (code, line, message) and sees it clear after the fix', () => {
    if (!nvim) throw new Error('nvim is not installed: `apt-get install neovim` (npm test installs it: scripts/system-packages.sh)');
    // A fresh home for Neovim: the snippet is its whole configuration, as printed.
    const home = path.join(dir, `block-${i}`);
    for (const sub of ['config/nvim', 'data', 'state', 'cache', 'bin', 'work']) fs.mkdirSync(path.join(home, sub), { recursive: true });
    fs.writeFileSync(path.join(home, 'config/nvim/init.lua'), snippet);
    // `tfmc` on the PATH, as `npm install -g` makes it: a link to bin/tfmc.js (run by the node that runs vitest).
    fs.symlinkSync(BIN, path.join(home, 'bin/tfmc'));
    const work = path.join(home, 'work');
    fs.writeFileSync(path.join(work, 'tiny.tfm'), SPEC);
    fs.writeFileSync(path.join(home, 'fixed.txt'), FIXED);
    fs.writeFileSync(path.join(home, 'harness.lua'), HARNESS);
    const out = path.join(home, 'result.json');
    const run = spawnSync(nvim, ['--headless', 'tiny.tfm', '-c', `luafile ${path.join(home, 'harness.lua')}`], {
      cwd: work,
      env: {
        ...process.env,
        PATH: [path.join(home, 'bin'), path.dirname(process.execPath), process.env.PATH].join(path.delimiter),
        HOME: home,
        XDG_CONFIG_HOME: path.join(home, 'config'),
        XDG_DATA_HOME: path.join(home, 'data'),
        XDG_STATE_HOME: path.join(home, 'state'),
        XDG_CACHE_HOME: path.join(home, 'cache'),
        TFMC_OUT: out,
        TFMC_FIXED: path.join(home, 'fixed.txt'),
      },
      encoding: 'utf8',
      timeout: 30_000,
      killSignal: 'SIGKILL',
    });
    const written = fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : undefined;
    if (!written) throw new Error(`Neovim wrote no result (status ${run.status}, signal ${run.signal}):\n${run.stdout}\n${run.stderr}`);
    type Related = { message: string; location: { uri: string; range: { start: { line: number; character: number } } } };
    const result = JSON.parse(written) as {
      error?: string;
      filetype?: string;
      clients?: string[];
      first?: Array<{ code: string; line: number; col: number; message: string; severity: number; related: Related[] }>;
      after?: unknown[];
    };
    expect(result.error).toBeUndefined();
    expect(result.filetype).toBe('tfm');
    expect(result.clients).toEqual(['tfmc']);
    expect(result.first).toHaveLength(1);
    const d = result.first![0];
    const line = SPEC.split('\n').findIndex((l) => l.includes('Linear(32)(x) + x'));
    expect(d).toMatchObject({ code: 'TFM3001', line, col: SPEC.split('\n')[line].indexOf('Linear(32)'), severity: 1 });
    const [message, label] = d.message.split('\n');
    expect(message).toBe('cannot add `[batch, seq, 32]` and `[batch, seq, 64]`');
    // The second line is the primary label (what the squiggled range is), and each secondary label
    // arrives as related information with its text and location: here, where the 64 was made.
    expect(label).toBe('the last axis differs: 32 vs 64');
    const xLine = SPEC.split('\n').findIndex((l) => l.includes('let x = emb(ids)'));
    expect(d.related).toContainEqual({
      message: 'this is `[batch, seq, 64]`',
      location: { uri: pathToFileURL(path.join(work, 'tiny.tfm')).href, range: { start: { line: xLine, character: 10 }, end: { line: xLine, character: 18 } } },
    });
    expect(d.related.map((r) => r.message)).toEqual(['this is `[batch, seq, 32]`', 'this is `[batch, seq, 64]`', "32 comes from this `Linear`'s output size", '64 comes from the embedding size']);
    expect(result.after).toEqual([]);
    expect(run.status).toBe(0);
  });
});
