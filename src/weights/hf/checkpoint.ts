/**
 * A Hugging Face checkpoint directory: `config.json`, the weights as one `model.safetensors` or as
 * shards listed by `model.safetensors.index.json`, and `tokenizer.json` when there is one. The
 * tensors' names, dtypes and shapes come from the safetensors headers alone, so a checkpoint is
 * checked against a spec before any weight is read.
 */
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { TfmcFileError } from '../../diagnostics/file-error.js';
import { readSafetensors } from '../exchange.js';
import { MAX_HEADER_BYTES } from '../safetensors.js';
import type { HfConfig } from './family.js';
import type { Tensor } from './mapping.js';

export interface HfTensorInfo {
  file: string;
  dtype: string;
  shape: number[];
}

export interface HfCheckpoint {
  dir: string;
  config: HfConfig;
  /** Every tensor of the weights, by name. */
  tensors: Map<string, HfTensorInfo>;
  /** The weight files, in the order they are read. */
  files: string[];
  /** `tokenizer.json`, when the directory has one. */
  tokenizer?: string;
  /** `tokenizer_config.json`, when the directory has one. */
  tokenizerConfig?: string;
}

function fail(message: string): never {
  throw new TfmcFileError('TFM6101', message);
}

/** Reads what a checkpoint directory holds (no weight data); `TFM6101` when it is not a readable checkpoint. */
export function readHfCheckpoint(dir: string, shown = dir): HfCheckpoint {
  const configFile = join(dir, 'config.json');
  if (!existsSync(dir)) fail(`${shown}: no such directory`);
  if (!existsSync(configFile)) fail(`${shown} has no config.json: a Hugging Face checkpoint directory holds config.json and model.safetensors`);
  let config: unknown;
  try {
    config = JSON.parse(readFileSync(configFile, 'utf8'));
  } catch (e) {
    fail(`${shown}/config.json is not valid JSON (${(e as Error).message})`);
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config)) fail(`${shown}/config.json is not a JSON object`);
  const index = join(dir, 'model.safetensors.index.json');
  const single = join(dir, 'model.safetensors');
  const tensors = new Map<string, HfTensorInfo>();
  let files: string[];
  if (existsSync(single)) files = [single];
  else if (existsSync(index)) files = shardsOf(index, shown);
  else {
    const torchFile = ['pytorch_model.bin', 'pytorch_model.bin.index.json'].find((f) => existsSync(join(dir, f)));
    fail(
      `${shown} has no model.safetensors (nor model.safetensors.index.json)` +
        (torchFile ? `: its weights are a pickled ${torchFile}, which tfmc does not read (pickles can run code); convert them to safetensors first` : ''),
    );
  }
  for (const file of files) {
    for (const [name, info] of Object.entries(readHeader(file, `${shown}/${file.slice(dir.length + 1)}`))) {
      if (tensors.has(name)) fail(`${shown}: tensor \`${name}\` is stored twice (in ${tensors.get(name)!.file} and ${file})`);
      tensors.set(name, { file, ...info });
    }
  }
  const tokenizer = join(dir, 'tokenizer.json');
  const tokenizerConfig = join(dir, 'tokenizer_config.json');
  return {
    dir,
    config: config as HfConfig,
    tensors,
    files,
    tokenizer: existsSync(tokenizer) ? tokenizer : undefined,
    tokenizerConfig: existsSync(tokenizerConfig) ? tokenizerConfig : undefined,
  };
}

function shardsOf(index: string, shown: string): string[] {
  let map: unknown;
  try {
    map = (JSON.parse(readFileSync(index, 'utf8')) as { weight_map?: unknown }).weight_map;
  } catch (e) {
    fail(`${shown}/model.safetensors.index.json is not valid JSON (${(e as Error).message})`);
  }
  if (typeof map !== 'object' || map === null) fail(`${shown}/model.safetensors.index.json has no "weight_map" object`);
  const names = [...new Set(Object.values(map as Record<string, unknown>))];
  const dir = index.slice(0, index.length - 'model.safetensors.index.json'.length);
  for (const n of names) {
    // A shard is a file of the checkpoint directory itself, never a path elsewhere.
    if (typeof n !== 'string' || !/^[\w.-]+\.safetensors$/.test(n)) fail(`${shown}/model.safetensors.index.json names ${JSON.stringify(n)}, not a .safetensors file of the directory`);
    if (!existsSync(join(dir, n))) fail(`${shown}/model.safetensors.index.json lists ${n}, which is missing`);
  }
  return names.map((n) => join(dir, n as string));
}

/** The header of a safetensors file: each tensor's dtype and shape (the data is not read). */
function readHeader(file: string, shown: string): Record<string, { dtype: string; shape: number[] }> {
  const malformed = (why: string): never => {
    throw new TfmcFileError('TFM6005', `${shown}: not a valid safetensors file: ${why}`);
  };
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const head = Buffer.alloc(8);
    if (size < 8 || readSync(fd, head, 0, 8, 0) !== 8) malformed(`the file has ${size} bytes, fewer than the 8-byte header length`);
    const n = head.readBigUInt64LE(0);
    if (n > BigInt(Math.min(MAX_HEADER_BYTES, size - 8))) malformed(`the header length ${n} does not fit a file of ${size} bytes`);
    const json = Buffer.alloc(Number(n));
    readSync(fd, json, 0, json.length, 8);
    let header: unknown;
    try {
      header = JSON.parse(json.toString('utf8'));
    } catch (e) {
      malformed(`the header is not valid JSON (${(e as Error).message})`);
    }
    if (typeof header !== 'object' || header === null || Array.isArray(header)) malformed('the header is not a JSON object');
    const out: Record<string, { dtype: string; shape: number[] }> = {};
    for (const [name, entry] of Object.entries(header as Record<string, { dtype?: unknown; shape?: unknown }>)) {
      if (name === '__metadata__') continue;
      if (typeof entry?.dtype !== 'string' || !Array.isArray(entry.shape) || !entry.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) malformed(`the entry of \`${name}\` has no dtype and shape`);
      out[name] = { dtype: entry.dtype as string, shape: entry.shape as number[] };
    }
    return out;
  } finally {
    closeSync(fd);
  }
}

/** Reads the named tensors' data (every file that holds one of them is decoded and checked in full). */
export async function loadHfTensors(ckpt: HfCheckpoint, names: Iterable<string>, shown: (file: string) => string): Promise<Map<string, Tensor>> {
  const wanted = new Set(names);
  const out = new Map<string, Tensor>();
  for (const file of ckpt.files) {
    if (![...wanted].some((n) => ckpt.tensors.get(n)?.file === file)) continue;
    const contents = await readSafetensors(file, shown(file));
    for (const [name, t] of contents.tensors) if (wanted.has(name)) out.set(name, { shape: t.shape, data: t.data });
  }
  return out;
}
