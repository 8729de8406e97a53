/**
 * Checkpoint directories: everything needed to rebuild a compiled model without the original
 * files or any network access.
 *
 * ```text
 * <dir>/
 *   manifest.json     format, version, model name, overrides, resolved config, tensor index, checksums
 *   spec/…            the spec file and every (non-std) file it imports, at their relative paths
 *   weights.bin       the parameters: float32, little-endian, row-major, concatenated
 *   optimizer.bin     (optional) Adam's moments m and v, same layout
 * ```
 *
 * `manifest.weights.tensors[i]` = `{ name, shape, offset, length }`: the tensor's `length`
 * elements start at byte `offset` of `weights.bin` (offsets are multiples of 4, tensors are
 * contiguous in manifest order). `manifest.files` maps every other file of the directory to its
 * size and SHA-256, verified on load.
 *
 * Writing is atomic: the checkpoint is written into a fresh sibling directory
 * (`<dir>.tmp-…`), flushed, and renamed to `<dir>`; an existing checkpoint at `<dir>` is renamed
 * aside first and removed after the swap. A directory that exists but is not a tfmc checkpoint is
 * never replaced.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { CheckpointError, CheckpointMismatchError } from './api-errors.js';
import { syncDirectory, writeFileSynced } from '../../util/atomic-write.js';

export const CHECKPOINT_FORMAT = 'tfmc-checkpoint';
export const CHECKPOINT_VERSION = 1;
export const MANIFEST = 'manifest.json';
export const WEIGHTS_FILE = 'weights.bin';
export const OPTIMIZER_FILE = 'optimizer.bin';

export interface TensorEntry {
  name: string;
  shape: number[];
  /** Byte offset in the binary file. */
  offset: number;
  /** Number of float32 elements. */
  length: number;
}

export interface BinaryIndex {
  file: string;
  dtype: 'float32';
  byteOrder: 'little-endian';
  tensors: TensorEntry[];
}

export interface Manifest {
  format: typeof CHECKPOINT_FORMAT;
  version: number;
  /** The tfmc version that wrote it. */
  tfmc: string;
  createdAt: string;
  model: string;
  spec: {
    /** The entry file, relative to the checkpoint directory (`spec/…`). */
    entry: string;
    files: string[];
  };
  /** The config overrides the model was compiled with (as `--set` strings). */
  overrides: Record<string, string>;
  /** The resolved config of the model (every entry, after overrides). */
  config: Record<string, number | boolean | string>;
  /** The backend in use when it was saved (information only). */
  backend: string;
  seed?: number;
  /** Optimizer steps taken when it was saved. */
  step: number;
  /** What was measured at this step, when the saver recorded it (e.g. `validationLoss` of a best checkpoint). */
  metrics?: Record<string, number>;
  weights: BinaryIndex;
  optimizer?: BinaryIndex & { kind: 'adam'; step: number };
  /** Every file besides the manifest: size in bytes and SHA-256 (hex). */
  files: Record<string, { bytes: number; sha256: string }>;
}

export interface NamedArray {
  name: string;
  shape: number[];
  data: Float32Array;
}

export interface CheckpointInput {
  model: string;
  /** Absolute path of the spec's entry file. */
  entry: string;
  /** Spec files to store (absolute path → text), the entry among them. */
  sources: ReadonlyMap<string, string>;
  overrides: Record<string, string>;
  config: Record<string, number | boolean | string>;
  backend: string;
  seed?: number;
  step: number;
  metrics?: Record<string, number>;
  weights: NamedArray[];
  optimizer?: { step: number; m: NamedArray[]; v: NamedArray[] };
}

export interface CheckpointContents {
  dir: string;
  manifest: Manifest;
  weights: Map<string, NamedArray>;
  optimizer?: { step: number; m: Map<string, NamedArray>; v: Map<string, NamedArray> };
  /** Absolute path of the stored entry spec file. */
  entryPath: string;
  /** The folder holding the stored spec files (the workspace root for re-checking them). */
  specRoot: string;
}

let version: string | undefined;
export function tfmcVersion(): string {
  if (version === undefined) {
    try {
      version = String(JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')).version ?? 'unknown');
    } catch {
      version = 'unknown';
    }
  }
  return version;
}

/** Writes a checkpoint directory atomically (see the module comment). */
export async function writeCheckpoint(dir: string, input: CheckpointInput): Promise<Manifest> {
  const target = resolve(dir);
  await mkdir(dirname(target), { recursive: true });
  await refuseForeign(target);
  const tmp = `${target}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  await mkdir(tmp);
  try {
    const files: Manifest['files'] = {};
    const write = async (rel: string, data: Uint8Array | string) => {
      const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      const path = join(tmp, rel);
      await mkdir(dirname(path), { recursive: true });
      await writeFileSynced(path, bytes);
      if (rel !== MANIFEST) files[rel] = { bytes: bytes.byteLength, sha256: sha256(bytes) };
    };

    // Spec files at their paths relative to the folder that holds them all.
    const paths = [...input.sources.keys()];
    const root = commonDir(paths);
    const specFiles: string[] = [];
    for (const p of paths.sort()) {
      const rel = ['spec', ...relative(root, p).split(sep)].join('/');
      specFiles.push(rel);
      await write(rel, input.sources.get(p)!);
    }
    const entry = ['spec', ...relative(root, input.entry).split(sep)].join('/');

    const weights = pack(input.weights);
    await write(WEIGHTS_FILE, weights.bytes);
    let optimizer: Manifest['optimizer'];
    if (input.optimizer) {
      const named = [...input.optimizer.m.map((t) => ({ ...t, name: `m/${t.name}` })), ...input.optimizer.v.map((t) => ({ ...t, name: `v/${t.name}` }))];
      const packed = pack(named);
      await write(OPTIMIZER_FILE, packed.bytes);
      optimizer = { kind: 'adam', step: input.optimizer.step, file: OPTIMIZER_FILE, dtype: 'float32', byteOrder: 'little-endian', tensors: packed.index };
    }
    const manifest: Manifest = {
      format: CHECKPOINT_FORMAT,
      version: CHECKPOINT_VERSION,
      tfmc: tfmcVersion(),
      createdAt: new Date().toISOString(),
      model: input.model,
      spec: { entry, files: specFiles },
      overrides: input.overrides,
      config: input.config,
      backend: input.backend,
      ...(input.seed !== undefined ? { seed: input.seed } : {}),
      step: input.step,
      ...(input.metrics ? { metrics: { ...input.metrics } } : {}),
      weights: { file: WEIGHTS_FILE, dtype: 'float32', byteOrder: 'little-endian', tensors: weights.index },
      ...(optimizer ? { optimizer } : {}),
      files,
    };
    await write(MANIFEST, JSON.stringify(manifest, null, 2) + '\n');
    syncDirectory(tmp);
    await swapInto(tmp, target);
    return manifest;
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    if (e instanceof CheckpointError) throw e;
    throw new CheckpointError(target, `could not be written: ${(e as Error).message}`);
  }
}

/** A directory that exists, is not empty and has no tfmc manifest is not ours to replace. */
async function refuseForeign(target: string): Promise<void> {
  await refuseForeignDir(
    target,
    (entries) => entries.includes(MANIFEST) && isOurManifest(join(target, MANIFEST)),
    'exists and is not a tfmc checkpoint (no tfmc manifest.json); refusing to replace it',
    (message) => new CheckpointError(target, message),
  );
}

/**
 * Before an atomic write replaces `target`: a file there, or a non-empty directory that `isOurs`
 * does not recognise (by its entries), is refused with `fail(...)`; a missing or empty one is fine.
 */
export async function refuseForeignDir(
  target: string,
  isOurs: (entries: string[]) => boolean,
  foreign: string,
  fail: (message: string) => Error,
): Promise<void> {
  let entries: string[];
  try {
    const s = await stat(target);
    if (!s.isDirectory()) throw fail('exists and is not a directory; refusing to replace it');
    entries = await readdir(target);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  if (entries.length > 0 && !isOurs(entries)) throw fail(foreign);
}

function isOurManifest(path: string): boolean {
  try {
    return JSON.parse(readFileSync(path, 'utf8')).format === CHECKPOINT_FORMAT;
  } catch {
    return false;
  }
}

/** Replaces `target` with the directory `tmp` (renames; the previous `target` is deleted after the swap, or put back if it fails). */
export async function swapInto(tmp: string, target: string): Promise<void> {
  if (!existsSync(target)) {
    await rename(tmp, target);
    syncDirectory(dirname(target));
    return;
  }
  const aside = `${target}.old-${process.pid}-${randomBytes(4).toString('hex')}`;
  await rename(target, aside);
  try {
    await rename(tmp, target);
  } catch (e) {
    await rename(aside, target); // put the previous checkpoint back
    throw e;
  }
  syncDirectory(dirname(target));
  await rm(aside, { recursive: true, force: true });
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Float32Array([1]).buffer)[3] === 0x3f;

function pack(tensors: NamedArray[]): { bytes: Uint8Array; index: TensorEntry[] } {
  const index: TensorEntry[] = [];
  let offset = 0;
  for (const t of tensors) {
    const length = t.shape.reduce((a, b) => a * b, 1);
    if (length !== t.data.length) throw new Error(`tensor \`${t.name}\` has ${t.data.length} values for shape [${t.shape.join(', ')}]`);
    index.push({ name: t.name, shape: [...t.shape], offset, length });
    offset += length * 4;
  }
  const buf = new ArrayBuffer(offset);
  const view = new DataView(buf);
  tensors.forEach((t, i) => {
    const at = index[i].offset;
    if (LITTLE_ENDIAN_HOST) new Float32Array(buf, at, t.data.length).set(t.data);
    else for (let j = 0; j < t.data.length; j++) view.setFloat32(at + j * 4, t.data[j], true);
  });
  return { bytes: new Uint8Array(buf), index };
}

function unpack(dir: string, file: string, bytes: Buffer, index: TensorEntry[]): Map<string, NamedArray> {
  const out = new Map<string, NamedArray>();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const e of index) {
    const expected = e.shape.reduce((a, b) => a * b, 1);
    if (!Number.isInteger(e.offset) || e.offset < 0 || e.offset % 4 !== 0 || e.length !== expected || e.offset + e.length * 4 > bytes.byteLength) {
      throw new CheckpointError(dir, `${file}: the entry for \`${e.name}\` (offset ${e.offset}, ${e.length} values, shape [${e.shape.join(', ')}]) does not fit the file of ${bytes.byteLength} bytes`, 'TFM6005');
    }
    let data: Float32Array;
    if (LITTLE_ENDIAN_HOST) {
      data = new Float32Array(bytes.buffer.slice(bytes.byteOffset + e.offset, bytes.byteOffset + e.offset + e.length * 4));
    } else {
      data = new Float32Array(e.length);
      for (let j = 0; j < e.length; j++) data[j] = view.getFloat32(e.offset + j * 4, true);
    }
    out.set(e.name, { name: e.name, shape: e.shape, data });
  }
  return out;
}

/** A manifest larger than this is refused before it is read (a real one indexes its tensors in well under a megabyte). */
export const MAX_MANIFEST_BYTES = 16 * 1024 * 1024;

/** Reads and verifies a checkpoint directory (format, version, the manifest's shape, every checksum). */
export async function readCheckpoint(dir: string): Promise<CheckpointContents> {
  const root = resolve(dir);
  const malformed = (message: string) => new CheckpointError(root, message, 'TFM6005');
  let text: string;
  try {
    const size = (await stat(join(root, MANIFEST))).size;
    if (size > MAX_MANIFEST_BYTES) throw malformed(`${MANIFEST} has ${size} bytes, more than the ${MAX_MANIFEST_BYTES} a checkpoint manifest may have (docs/limits.md)`);
    text = await readFile(join(root, MANIFEST), 'utf8');
  } catch (e) {
    if (e instanceof CheckpointError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new CheckpointError(root, code === 'ENOENT' ? `there is no ${MANIFEST} (is this a tfmc checkpoint directory?)` : `cannot read ${MANIFEST}: ${(e as Error).message}`);
  }
  let manifest: Manifest;
  try {
    manifest = JSON.parse(text) as Manifest;
  } catch (e) {
    throw malformed(`${MANIFEST} is not valid JSON (${(e as Error).message})`);
  }
  if (typeof manifest !== 'object' || manifest === null || manifest.format !== CHECKPOINT_FORMAT) {
    throw new CheckpointError(root, `${MANIFEST} is not a tfmc checkpoint manifest (format ${JSON.stringify(manifest?.format)})`);
  }
  if (manifest.version !== CHECKPOINT_VERSION) {
    throw new CheckpointError(root, `checkpoint format version ${manifest.version} is not supported by this tfmc (${tfmcVersion()} reads version ${CHECKPOINT_VERSION})`);
  }
  for (const key of ['model', 'spec', 'weights', 'files'] as const) {
    if (manifest[key] === undefined) throw new CheckpointError(root, `${MANIFEST} has no \`${key}\``, 'TFM6005');
  }
  const problem = manifestProblem(manifest);
  if (problem) throw malformed(`${MANIFEST} is malformed: ${problem}`);
  const blobs = new Map<string, Buffer>();
  for (const [rel, meta] of Object.entries(manifest.files)) {
    const path = resolve(root, rel);
    if (!isInside(root, path)) throw malformed(`${MANIFEST} lists a file outside the checkpoint: ${rel}`);
    let bytes: Buffer;
    try {
      // The size is compared before the file is read, so a swapped-in huge file costs no memory.
      const size = (await stat(path)).size;
      if (size !== meta.bytes) throw new CheckpointError(root, `${rel} is corrupt or was modified: it has ${size} bytes, the manifest records ${meta.bytes}`, 'TFM6004');
      bytes = await readFile(path);
    } catch (e) {
      if (e instanceof CheckpointError) throw e;
      throw new CheckpointError(root, `${rel} is missing`, 'TFM6004');
    }
    const sum = sha256(bytes);
    if (bytes.byteLength !== meta.bytes || sum !== meta.sha256) {
      throw new CheckpointError(root, `${rel} is corrupt or was modified: its SHA-256 is ${sum} (${bytes.byteLength} bytes), the manifest records ${meta.sha256} (${meta.bytes} bytes)`, 'TFM6004');
    }
    blobs.set(rel, bytes);
  }
  const need = (rel: string): Buffer => {
    const b = blobs.get(rel);
    if (!b) throw new CheckpointError(root, `${rel} is not listed with a checksum in ${MANIFEST}`, 'TFM6004');
    return b;
  };
  const weights = unpack(root, manifest.weights.file, need(manifest.weights.file), manifest.weights.tensors);
  let optimizer: CheckpointContents['optimizer'];
  if (manifest.optimizer) {
    const all = unpack(root, manifest.optimizer.file, need(manifest.optimizer.file), manifest.optimizer.tensors);
    const m = new Map<string, NamedArray>();
    const v = new Map<string, NamedArray>();
    for (const [name, t] of all) {
      const key = name.slice(2);
      if (name.startsWith('m/')) m.set(key, { ...t, name: key });
      else if (name.startsWith('v/')) v.set(key, { ...t, name: key });
    }
    optimizer = { step: manifest.optimizer.step, m, v };
  }
  need(manifest.spec.entry);
  return { dir: root, manifest, weights, optimizer, entryPath: resolve(root, manifest.spec.entry), specRoot: join(root, 'spec') };
}

/**
 * What is wrong with the shape of a parsed manifest (types, not contents), or undefined: a crafted
 * or damaged manifest is a clear error, never a TypeError deep in the loader.
 */
function manifestProblem(m: Manifest): string | undefined {
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  const count = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;
  if (typeof m.model !== 'string') return '`model` is not a string';
  if (!isObject(m.spec) || typeof m.spec.entry !== 'string' || !Array.isArray(m.spec.files) || !m.spec.files.every((f) => typeof f === 'string')) return '`spec` is not { entry, files } with file names';
  if (!isObject(m.files)) return '`files` is not an object';
  for (const [name, meta] of Object.entries(m.files)) {
    if (!isObject(meta) || !count(meta.bytes) || typeof meta.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(meta.sha256)) return `\`files\` entry \`${name}\` is not { bytes, sha256 }`;
  }
  if (m.step !== undefined && !count(m.step)) return '`step` is not a whole number';
  for (const [key, index] of [['weights', m.weights], ['optimizer', m.optimizer]] as const) {
    if (key === 'optimizer' && index === undefined) continue;
    if (!isObject(index) || typeof index.file !== 'string' || !Array.isArray(index.tensors)) return `\`${key}\` is not { file, tensors }`;
    for (const t of index.tensors as unknown[]) {
      if (!isObject(t) || typeof t.name !== 'string' || !Array.isArray(t.shape) || !t.shape.every(count) || !count(t.offset) || !count(t.length)) {
        return `a tensor entry of \`${key}\` is not { name, shape, offset, length } with whole numbers: ${JSON.stringify(t).slice(0, 200)}`;
      }
    }
  }
  if (m.optimizer !== undefined && !count(m.optimizer.step)) return '`optimizer.step` is not a whole number';
  return undefined;
}

/** Throws a {@link CheckpointMismatchError} unless the checkpoint has exactly the model's parameters with their shapes. */
export function checkCompatible(contents: CheckpointContents, model: string, params: ReadonlyArray<{ name: string; shape: readonly number[] }>): void {
  const missing: string[] = [];
  const shapeMismatches: Array<{ name: string; model: number[]; checkpoint: number[] }> = [];
  const names = new Set<string>();
  for (const p of params) {
    names.add(p.name);
    const t = contents.weights.get(p.name);
    if (!t) missing.push(p.name);
    else if (t.shape.length !== p.shape.length || t.shape.some((d, i) => d !== p.shape[i])) shapeMismatches.push({ name: p.name, model: [...p.shape], checkpoint: [...t.shape] });
  }
  const unexpected = [...contents.weights.keys()].filter((n) => !names.has(n));
  if (missing.length || unexpected.length || shapeMismatches.length) {
    throw new CheckpointMismatchError(contents.dir, missing, unexpected, shapeMismatches, { model, checkpoint: contents.manifest.model });
  }
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

/** The deepest folder containing every path. */
function commonDir(paths: string[]): string {
  if (paths.length === 0) return '/';
  let parts = dirname(paths[0]).split(sep);
  for (const p of paths.slice(1)) {
    const q = dirname(p).split(sep);
    let i = 0;
    while (i < parts.length && i < q.length && parts[i] === q[i]) i++;
    parts = parts.slice(0, i);
  }
  return parts.join(sep) || sep;
}

