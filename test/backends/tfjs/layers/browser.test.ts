/**
 * A saved tfjs-layers model reloads in a real browser: Debian's headless chromium (driven by
 * playwright-core, which downloads no browser) loads an esbuild bundle of tfmc's browser runtime
 * (`src/backends/tfjs/layers/browser.ts`), fetches the model over http from a server this test
 * starts on 127.0.0.1, runs it on tfjs's `cpu` backend, and its outputs equal Node's (≤ 1e-5).
 * Every wait has a time limit, so a browser that misbehaves fails the test instead of hanging it.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import * as esbuild from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile, saveLayersModel, selectBackend } from '../../../../src/tfjs.js';
import { maxAbsDiff, ROOT } from '../helpers.js';
import { randomInputs } from '../random-inputs.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// Generous: the whole suite shares 2 cores; a hang still ends in a clear failure.
const STEP_MS = 60_000;

/** One model per kind of interface: one input and output; several inputs; several outputs; float input. */
const CASES = [
  { spec: 'specs/gpt2.tfm', model: 'Gpt2Tiny' },
  { spec: 'specs/transformer.tfm', model: 'TransformerTiny' },
  { spec: 'specs/bert.tfm', model: 'BertTiny' },
  { spec: 'specs/vit.tfm', model: 'VitTiny' },
];

interface Encoded {
  dtype: 'int32' | 'float32';
  shape: number[];
  data: number[];
}

let dir: string;
let server: Server;
let base: string;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];
const expected = new Map<string, { inputs: Record<string, Encoded>; outputs: Record<string, Encoded> }>();

/** Rejects with a clear message when `p` takes longer than `ms`. */
async function within<T>(what: string, ms: number, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms / 1000} s${pageErrors.length ? `; the page reported: ${pageErrors.join(' | ')}` : ''}`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function encode(t: tf.Tensor): Encoded {
  return { dtype: t.dtype as Encoded['dtype'], shape: [...t.shape], data: Array.from(t.dataSync()) };
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`this test needs chromium at ${CHROMIUM} (Debian package \`chromium\`; npm test installs it: scripts/system-packages.sh)`);
  await selectBackend('cpu');
  dir = mkdtempSync(join(tmpdir(), 'tfmc-browser-'));
  for (const c of CASES) {
    const model = await compile(join(ROOT, c.spec), { model: c.model, seed: 5 });
    const inputs = randomInputs(model.ir, { sizes: { batch: 2 }, fallback: 6, seed: 9 });
    const outputs = model.predict(inputs);
    expected.set(c.model, {
      inputs: Object.fromEntries(Object.entries(inputs).map(([n, t]) => [n, encode(t)])),
      outputs: Object.fromEntries(Object.entries(outputs).map(([n, t]) => [n, encode(t)])),
    });
    await saveLayersModel(model, join(dir, c.model));
    tf.dispose([...Object.values(inputs), ...Object.values(outputs)]);
    model.dispose();
  }

  const bundle = await esbuild.build({
    entryPoints: [join(ROOT, 'src/backends/tfjs/layers/browser.ts')],
    bundle: true,
    format: 'iife',
    globalName: 'tfmc',
    platform: 'browser',
    write: false,
    logLevel: 'silent',
  });
  const script = bundle.outputFiles[0].contents;
  const page_ = '<!doctype html><meta charset="utf-8"><title>tfmc</title><link rel="icon" href="data:,"><script src="/tfmc.js"></script>';

  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const send = (status: number, type: string, body: string | Uint8Array) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    if (url.pathname === '/') return send(200, 'text/html', page_);
    if (url.pathname === '/tfmc.js') return send(200, 'text/javascript', script);
    const m = /^\/models\/(\w+)\/([\w.]+)$/.exec(url.pathname);
    const file = m ? normalize(join(dir, m[1], m[2])) : undefined;
    if (file && file.startsWith(dir) && existsSync(file)) return send(200, file.endsWith('.json') ? 'application/json' : 'application/octet-stream', readFileSync(file));
    send(404, 'text/plain', 'not found');
  });
  await within('starting the http server', STEP_MS, new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  }));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  // playwright's own launch timeout fires first and kills a half-started browser.
  browser = await within('launching chromium', STEP_MS + 10_000, chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'], timeout: STEP_MS }));
  page = await browser.newPage();
  page.setDefaultTimeout(STEP_MS);
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') pageErrors.push(m.text());
  });
  await within('loading the page', STEP_MS, page.goto(`${base}/`));
  const backend = await within('selecting the cpu backend', STEP_MS, page.evaluate(async () => {
    const w = window as unknown as { tfmc: typeof import('../../../../src/backends/tfjs/layers/browser.js') };
    await w.tfmc.tf.setBackend('cpu');
    return w.tfmc.tf.getBackend();
  }));
  expect(backend).toBe('cpu');
}, 5 * STEP_MS);

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('tfjs-layers: reload in a browser (headless chromium, cpu backend)', () => {
  for (const c of CASES) {
    it(`${c.model}: tf.loadLayersModel over http, predict, outputs equal Node's (≤ 1e-5)`, async () => {
      const { inputs, outputs } = expected.get(c.model)!;
      const got = await within(`running ${c.model} in the browser`, STEP_MS, page.evaluate(
        async ({ url, inputs }) => {
          const { tf, predictByName, tfmcLayerOf } = (window as unknown as { tfmc: typeof import('../../../../src/backends/tfjs/layers/browser.js') }).tfmc;
          const model = await tf.loadLayersModel(url);
          const feeds: Record<string, import('@tensorflow/tfjs').Tensor> = {};
          for (const [name, t] of Object.entries(inputs)) feeds[name] = tf.tensor(t.data, t.shape, t.dtype);
          const out = predictByName(model, feeds);
          const result: Record<string, { shape: number[]; data: number[] }> = {};
          for (const [name, t] of Object.entries(out)) result[name] = { shape: t.shape, data: Array.from(await t.data()) };
          const layer = tfmcLayerOf(model);
          const info = { layer: layer.getClassName(), model: layer.ir.name, backend: tf.getBackend() };
          tf.dispose([...Object.values(feeds), ...Object.values(out)]);
          model.dispose();
          return { result, info };
        },
        { url: `${base}/models/${c.model}/model.json`, inputs },
      ));
      expect(pageErrors).toEqual([]);
      expect(got.info).toEqual({ layer: 'TfmcModel', model: c.model, backend: 'cpu' });
      expect(Object.keys(got.result).sort()).toEqual(Object.keys(outputs).sort());
      for (const [name, want] of Object.entries(outputs)) {
        expect(got.result[name].shape, name).toEqual(want.shape);
        // Same ops on the same backend; the tolerance covers a different JS engine's float math.
        expect(maxAbsDiff(got.result[name].data, want.data), name).toBeLessThanOrEqual(1e-5);
      }
    }, 2 * STEP_MS);
  }
});
