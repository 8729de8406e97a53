/**
 * Issue 15, item 12: weight files that are damaged, crafted or hold non-finite values are coded
 * refusals (exit 1, TFM6004/6005/6006) of the real CLI, never an internal error, and the
 * checkpoint being imported into is left as it was.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSafetensors, writeSafetensors } from '../../src/weights/exchange.js';
import { expectNoStackTrace, ROOT, tfmc, type Run } from '../cli/helpers.js';

const SPEC = path.join(ROOT, 'examples/tiny-lm.tfm');
let dir: string;
const run = (args: string[]): Run => tfmc(args, { cwd: dir, timeout: 60_000 });
const file = (rel: string) => path.join(dir, rel);

function expectRefused(r: Run, code: string, ...mentions: string[]): void {
  expect(r.status, r.stderr).toBe(1);
  expect(r.stderr).toMatch(new RegExp(`^error\\[${code}\\]: `));
  for (const m of mentions) expect(r.stderr).toContain(m);
  expectNoStackTrace(r);
}

/** A safetensors file: the 8-byte header length, the header, the data. */
function rawSafetensors(header: unknown, data: Uint8Array = new Uint8Array(0), length?: bigint): Buffer {
  const json = Buffer.from(JSON.stringify(header));
  const head = Buffer.alloc(8);
  head.writeBigUInt64LE(length ?? BigInt(json.length));
  return Buffer.concat([head, json, data]);
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfmc-weight-files-'));
  expect(run(['compile', SPEC, '--target', 'tfjs', '-o', 'ckpt', '--seed', '1']).status).toBe(0);
  expect(run(['weights', 'export', 'ckpt', '-o', 'good.safetensors']).status).toBe(0);
}, 60_000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('non-finite weights', () => {
  it('weights import refuses NaN and infinity, naming the tensor and the element; the checkpoint is unchanged', async () => {
    const good = await readSafetensors(file('good.safetensors'));
    const names = [...good.tensors.keys()];
    const before = fs.readFileSync(file('ckpt/weights.bin'));
    for (const [bad, value] of [['nan.safetensors', NaN], ['inf.safetensors', -Infinity]] as const) {
      const victim = names[names.length - 1];
      const tensors = names.map((n) => {
        const t = good.tensors.get(n)!;
        const data = Float32Array.from(t.data);
        if (n === victim) data[3] = value;
        return [n, { shape: t.shape, data }] as [string, { shape: number[]; data: Float32Array }];
      });
      await writeSafetensors(file(bad), tensors);
      expectRefused(run(['weights', 'import', 'ckpt', bad, '--backend', 'cpu']), 'TFM6006', bad, `\`${victim}\``, `${value}`, 'element 3');
      // From a spec into a new checkpoint: refused before anything is written.
      expectRefused(run(['weights', 'import', SPEC, bad, '--out', 'fresh']), 'TFM6006', `\`${victim}\``);
      expect(fs.existsSync(file('fresh'))).toBe(false);
    }
    expect(fs.readFileSync(file('ckpt/weights.bin'))).toEqual(before);
  });
});

describe('crafted safetensors headers', () => {
  it('are TFM6005 with what is wrong, before any tensor is allocated', () => {
    const cases: Array<[string, Buffer, string]> = [
      ['huge-header.safetensors', rawSafetensors({}, undefined, 2n ** 40n), 'header length 1099511627776'],
      ['past-end.safetensors', rawSafetensors({ w: { dtype: 'F32', shape: [1 << 28], data_offsets: [0, 2 ** 30] } }), 'ends at byte 1073741824'],
      ['bad-shape.safetensors', rawSafetensors({ w: { dtype: 'F32', shape: 'big', data_offsets: [0, 4] } }, new Uint8Array(4)), 'invalid shape'],
      ['deep-shape.safetensors', rawSafetensors({ w: { dtype: 'F32', shape: new Array(40).fill(1), data_offsets: [0, 4] } }, new Uint8Array(4)), 'at most 16'],
      ['not-json.safetensors', Buffer.concat([Buffer.from([5, 0, 0, 0, 0, 0, 0, 0]), Buffer.from('{oops')]), 'not valid JSON'],
    ];
    // 20,000 entries over the same 64 KiB: decoding them one by one would allocate 1.3 GB.
    const overlapping: Record<string, unknown> = {};
    for (let i = 0; i < 20_000; i++) overlapping[`t${i}`] = { dtype: 'F32', shape: [16_384], data_offsets: [0, 65_536] };
    cases.push(['overlap.safetensors', rawSafetensors(overlapping, new Uint8Array(65_536)), 'overlap']);
    for (const [name, bytes, message] of cases) {
      fs.writeFileSync(file(name), bytes);
      const r = run(['weights', 'import', 'ckpt', name, '--backend', 'cpu']);
      expectRefused(r, 'TFM6005', name, 'not a valid safetensors file', message);
    }
  });
});

describe('checkpoint checksums and manifests', () => {
  const copy = (to: string) => {
    fs.rmSync(file(to), { recursive: true, force: true });
    fs.cpSync(file('ckpt'), file(to), { recursive: true });
    return file(to);
  };

  it('a weight file changed after saving is TFM6004 naming the file', () => {
    const ckpt = copy('flipped');
    const bytes = fs.readFileSync(path.join(ckpt, 'weights.bin'));
    bytes[10] ^= 0xff;
    fs.writeFileSync(path.join(ckpt, 'weights.bin'), bytes);
    expectRefused(run(['weights', 'export', 'flipped', '-o', 'x.safetensors']), 'TFM6004', 'weights.bin', 'SHA-256');
    fs.rmSync(path.join(ckpt, 'weights.bin'));
    expectRefused(run(['weights', 'export', 'flipped', '-o', 'x.safetensors']), 'TFM6004', 'weights.bin is missing');
    expect(fs.existsSync(file('x.safetensors'))).toBe(false);
  });

  it('a crafted manifest is TFM6005, not an internal error', () => {
    const edits: Array<[string, (m: Record<string, any>) => void, string]> = [
      ['tensors not a list', (m) => (m.weights.tensors = 'all of them'), '`weights` is not { file, tensors }'],
      ['shape of strings', (m) => (m.weights.tensors[0].shape = ['x']), 'a tensor entry of `weights`'],
      ['entry not a string', (m) => (m.spec.entry = 7), '`spec` is not'],
      ['files entry null', (m) => (m.files['weights.bin'] = null), '`files` entry `weights.bin`'],
      ['outside', (m) => (m.files['../../etc/passwd'] = { bytes: 1, sha256: '0'.repeat(64) }), 'outside the checkpoint'],
      ['extent past the end', (m) => (m.weights.tensors[0].offset = 2 ** 40), 'does not fit the file'],
    ];
    for (const [what, edit, message] of edits) {
      const ckpt = copy('crafted');
      const manifest = JSON.parse(fs.readFileSync(path.join(ckpt, 'manifest.json'), 'utf8'));
      edit(manifest);
      fs.writeFileSync(path.join(ckpt, 'manifest.json'), JSON.stringify(manifest));
      const r = run(['weights', 'export', 'crafted', '-o', 'x.safetensors']);
      expect(r.stderr, what).toContain(message);
      expectRefused(r, 'TFM6005', 'checkpoint ');
    }
    const ckpt = copy('crafted');
    fs.writeFileSync(path.join(ckpt, 'manifest.json'), Buffer.alloc(17 * 1024 * 1024, 0x20));
    expectRefused(run(['weights', 'export', 'crafted', '-o', 'x.safetensors']), 'TFM6005', 'more than the 16777216');
  });
});
