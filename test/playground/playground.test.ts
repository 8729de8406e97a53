/**
 * The playground (`playground/`), built by its documented command (`npm run playground -- --outdir
 * DIR`) and used in Debian's headless chromium (driven by playwright-core, which downloads no
 * browser) from a static server this test starts on 127.0.0.1: typing an error shows the checker's
 * diagnostic, the same code and message as `checkSource` gives in Node; the fixed spec shows its
 * summary and its graph; a forward pass and a few training steps run on tfjs's wasm backend; and
 * the share link reopens the same spec in a new page. Every wait has a time limit, so a browser
 * that misbehaves fails the test instead of hanging it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkSource } from '../../src/pipeline/check-spec.js';
import { docBlocks } from '../helpers/markdown.js';

const ROOT = join(import.meta.dirname, '../..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// Generous: the whole suite shares 2 cores; a hang still ends in a clear failure.
const STEP_MS = 30_000;
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.wasm': 'application/wasm', '.map': 'application/json' };

/** The README's commands (Playground): `npm run playground` builds, `… -- --serve` builds and serves. */
const [BUILD, SERVE] = docBlocks(join(ROOT, 'README.md'), 'Playground', 'sh')[0]
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => l.replace(/\s+#.*$/, '').split(/\s+/));

const GPT = readFileSync(join(ROOT, 'playground/examples/tiny-gpt.tfm'), 'utf8');
/** The tiny GPT with 5 heads, which do not divide d_model = 32. */
const BROKEN = GPT.replace('heads   = 4', 'heads   = 5');

let dir: string;
let server: Server;
let base: string;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

function watch(p: Page): Page {
  p.setDefaultTimeout(STEP_MS);
  p.on('pageerror', (e) => pageErrors.push(e.message));
  p.on('console', (m) => {
    if (m.type() === 'error') pageErrors.push(m.text());
  });
  return p;
}

/** Replaces the editor's text the way a user pastes: focus, select all, insert. */
async function typeSpec(p: Page, text: string): Promise<void> {
  await p.locator('.cm-content').click();
  await p.keyboard.press('Control+A');
  await p.keyboard.insertText(text);
  expect(await editorText(p)).toBe(text);
}

function editorText(p: Page): Promise<string> {
  return p.evaluate(() => (window as unknown as { playground: { spec(): string } }).playground.spec());
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`this test needs chromium at ${CHROMIUM} (Debian package \`chromium\`; npm test installs it: scripts/system-packages.sh)`);
  dir = mkdtempSync(join(tmpdir(), 'tfmc-playground-'));
  expect(BUILD).toEqual(['npm', 'run', 'playground']);
  const build = spawnSync(BUILD[0], [...BUILD.slice(1), '--', '--outdir', dir], { cwd: ROOT, encoding: 'utf8', timeout: 4 * STEP_MS });
  expect(build.status, `${build.stdout}\n${build.stderr}`).toBe(0);
  expect(build.stdout).toContain(`→ ${dir}`);

  server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const file = normalize(join(dir, path === '/' ? 'index.html' : path));
    if (!file.startsWith(dir + '/') || !existsSync(file)) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    res.end(readFileSync(file));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'], timeout: STEP_MS });
  page = watch(await browser.newPage());
  await page.goto(base);
  // The first example, checked: its summary is on the page.
  await page.locator('table.summary').waitFor();
}, 8 * STEP_MS);

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the playground in headless chromium', () => {
  it('built a page, its bundle and the wasm files, and the bundle holds no Node module', () => {
    for (const f of ['index.html', 'playground.js', 'style.css', 'tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm']) expect(existsSync(join(dir, f)), f).toBe(true);
    expect(readFileSync(join(dir, 'playground.js'), 'utf8')).not.toMatch(/["']node:/);
  });

  it('shows the diagnostic of an error as it is typed: the code and message the checker gives in Node', async () => {
    const expected = checkSource(BROKEN, '/playground/spec.tfm', { workspaceRoot: '/playground' }).diagnostics.filter((d) => d.severity === 'error');
    expect(expected.length).toBeGreaterThan(0);
    await typeSpec(page, BROKEN);
    const item = page.locator('#diagnostics li.error').first();
    await item.waitFor();
    expect(await item.locator('code').textContent()).toBe(expected[0].code);
    expect(await item.textContent()).toContain(expected[0].message);
    expect(await page.locator('#diagnostics li.error').count()).toBe(expected.length);
    // The report as `tfmc check` prints it, and the error marked in the editor.
    expect(await page.locator('#report').textContent()).toContain(`error[${expected[0].code}]: ${expected[0].message}`);
    await page.locator('.cm-lintRange-error').first().waitFor();
    expect(await page.locator('#summary').textContent()).toContain('Fix the errors');
  });

  it('shows the summary and the graph once the error is fixed', async () => {
    await typeSpec(page, GPT);
    await page.locator('#report:not(.has-errors)').waitFor();
    expect(await page.locator('#report').textContent()).toContain('no problems');
    expect(await page.locator('#diagnostics li').count()).toBe(0);
    const rows = await page.locator('table.summary tbody tr').allTextContents();
    expect(rows.some((r) => r.includes('wte') && r.includes('Embedding') && r.includes('1,024'))).toBe(true); // 32 × 32
    expect(await page.locator('.totals').textContent()).toContain('Total params: 27,008');
    await page.locator('#graph svg g.node').first().waitFor();
    const labels = await page.locator('#graph svg g.node text').allTextContents();
    expect(labels).toContain('ids');
    expect(labels).toContain('logits');
  });

  it('runs a forward pass on the wasm backend and shows the output shape and numbers', async () => {
    await page.locator('#forward').click();
    const output = page.locator('#run-output');
    await output.getByText('output logits').waitFor();
    const text = (await output.textContent())!;
    expect(text).toContain('backend: wasm');
    const line = /output logits: float32 \[2, 8, 32\]\s+(.*), …/.exec(text);
    expect(line, text).not.toBeNull();
    const values = line![1].split(', ').map(Number);
    expect(values).toHaveLength(6);
    for (const v of values) expect(Number.isFinite(v) && v !== 0, text).toBe(true);
    expect(pageErrors).toEqual([]);
  });

  it('trains a few steps on the wasm backend, and the loss goes down', async () => {
    await page.locator('#train').click();
    const output = page.locator('#run-output');
    await output.getByText('→').waitFor();
    const text = (await output.textContent())!;
    expect(text).toContain('backend: wasm');
    const losses = [...text.matchAll(/^step \d+ {2}loss (\S+)$/gm)].map((m) => Number(m[1]));
    expect(losses, text).toHaveLength(8);
    for (const l of losses) expect(Number.isFinite(l) && l > 0, text).toBe(true);
    expect(losses[7], text).toBeLessThan(losses[0] - 0.1);
    expect(pageErrors).toEqual([]);
  });

  it('puts the spec in the link, and the link opens the same spec in a new page', async () => {
    const edited = GPT.replace('layers  = 2', 'layers  = 1');
    await typeSpec(page, edited);
    await page.locator('.totals').getByText('Total params: 14,304').waitFor(); // one decoder layer fewer
    await page.locator('#share').click();
    const link = await page.locator('#share-url').inputValue();
    expect(link).toMatch(/#spec=/);
    expect(link).toBe(page.url());
    const other = watch(await browser.newPage());
    try {
      await other.goto(link);
      await other.locator('table.summary').waitFor();
      expect(await editorText(other)).toBe(edited);
      expect(await other.locator('.cm-content').textContent()).toContain('layers  = 1');
      expect(await other.locator('.totals').textContent()).toContain('Total params: 14,304');
      expect(await other.locator('#example').inputValue()).toBe('custom');
    } finally {
      await other.close();
    }
    expect(pageErrors).toEqual([]);
  });

  it('is served by the documented `--serve` (esbuild), .wasm files with their media type', async () => {
    expect(SERVE).toEqual(['npm', 'run', 'playground', '--', '--serve']);
    const out = mkdtempSync(join(tmpdir(), 'tfmc-playground-serve-'));
    const child = spawn(SERVE[0], [...SERVE.slice(1), '0', '--outdir', out], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    try {
      let printed = '';
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no address printed within ${STEP_MS / 1000} s: ${printed}`)), STEP_MS);
        const read = (chunk: Buffer) => {
          printed += chunk.toString();
          const m = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(printed);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]);
          }
        };
        child.stdout.on('data', read);
        child.stderr.on('data', read);
        child.once('exit', (code) => reject(new Error(`exited (${code}) before serving: ${printed}`)));
      });
      const pageRes = await fetch(url);
      expect(pageRes.status).toBe(200);
      expect(await pageRes.text()).toContain('<title>tfmc playground</title>');
      const wasm = await fetch(`${url}tfjs-backend-wasm-simd.wasm`);
      expect(wasm.status).toBe(200);
      expect(wasm.headers.get('content-type')).toBe('application/wasm');
    } finally {
      // npm runs the script in a child of its own: end the whole group this test started.
      if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, 'SIGTERM');
      rmSync(out, { recursive: true, force: true });
    }
  });
});
