/**
 * Helpers for the TypeScript backend tests: the shipped tiny variants, a scratch project folder
 * that resolves `@tensorflow/tfjs` (and `tfmc/runtime`, for the type check) like a user's
 * project, and loading a generated module as real code.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { checkFile, checkSource } from '../../../src/index.js';
import type { ModelIR } from '../../../src/ir/types.js';

export const ROOT = join(import.meta.dirname, '../../..');

export interface TinyCase {
  spec: string;
  model: string;
  ir: ModelIR;
}

/** Every model named `*Tiny` in `specs/*.tfm`, in file order. */
export function tinyCases(): TinyCase[] {
  return readdirSync(join(ROOT, 'specs'))
    .filter((f) => f.endsWith('.tfm'))
    .sort()
    .flatMap((f) => {
      const r = checkFile(join(ROOT, 'specs', f));
      return r.models.filter((m) => m.name.endsWith('Tiny')).map((ir) => ({ spec: `specs/${f}`, model: ir.name, ir }));
    });
}

/**
 * The examples whose ops the shipped specs do not use (rotary positions, grouped key/value heads,
 * SiLU, RMS norm, convolution modules), shrunk with overrides (their parameter `expect`s dropped).
 */
export function exampleCases(): TinyCase[] {
  const cases: Array<[string, string, Record<string, string>]> = [
    ['examples/llama-style.tfm', 'TinyLlama', { vocab: '100', ctx: '64', d_model: '32', heads: '4', kv_heads: '2', layers: '2', d_ff: '64' }],
    ['examples/speech-conformer.tfm', 'ConformerSpeech', { d_model: '32', layers: '1' }],
    // The tensor primitives (tuple results, optional arguments, dtype casts) in generated code.
    ['test/fixtures/parity/primitives.tfm', 'PrimMath', {}],
    ['test/fixtures/parity/primitives.tfm', 'PrimReduce', {}],
    ['test/fixtures/parity/primitives.tfm', 'PrimSelect', {}],
    ['test/fixtures/parity/open-language.tfm', 'OpenReshape', {}],
    ['test/fixtures/parity/open-language.tfm', 'OpenSelect', {}],
    ['test/fixtures/parity/open-language.tfm', 'OpenEinsum', {}],
    ['test/fixtures/parity/open-language.tfm', 'OpenRearrange', {}],
    // The mask constructors and operators.
    ['test/fixtures/parity/masks.tfm', 'MhaWindow', {}],
    ['test/fixtures/parity/masks.tfm', 'MhaPrefix', {}],
    ['test/fixtures/parity/masks.tfm', 'MhaSegments', {}],
    ['test/fixtures/parity/masks.tfm', 'MhaLengths', {}],
    ['test/fixtures/parity/masks.tfm', 'MhaUnion', {}],
    ['test/fixtures/parity/masks.tfm', 'MhaComplement', {}],
    // Convolutions, batch norm (buffers: non-trainable variables updated in place), glu, pooling, CTC.
    ['test/fixtures/parity/layers.tfm', 'LayerConv1d', {}],
    ['test/fixtures/parity/layers.tfm', 'LayerConv2d', {}],
    ['test/fixtures/parity/layers.tfm', 'LayerBatchNorm', {}],
    ['test/fixtures/parity/layers.tfm', 'LayerGluPool', {}],
    ['test/fixtures/parity/layers.tfm', 'LayerCtc', {}],
    // Masks and biases given as inputs, and ALiBi's bias.
    ['test/fixtures/parity/mask-inputs.tfm', 'MhaMaskInput', {}],
    ['test/fixtures/parity/mask-inputs.tfm', 'MhaKeyMaskAndBias', {}],
    ['test/fixtures/parity/mask-inputs.tfm', 'MhaAlibi', {}],
    ['test/fixtures/parity/mask-inputs.tfm', 'AlibiLm', {}],
  ];
  return cases.map(([spec, model, overrides]) => {
    const path = join(ROOT, spec);
    const r = checkSource(readFileSync(path, 'utf8').replace(/^\s*expect params == [\d_]+\s*$/gm, ''), path, { overrides });
    const ir = r.models.find((m) => m.name === model);
    if (!ir) throw new Error(`${spec}: ${r.diagnostics.map((d) => d.message).join('; ')}`);
    return { spec, model, ir };
  });
}

/** A scratch folder whose `node_modules` is the repository's (so `@tensorflow/tfjs` resolves). Remove it with `rmSync`. */
export function scratchProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tfmc-ts-'));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  writeFileSync(join(dir, 'package.json'), '{ "type": "module", "private": true }\n');
  return dir;
}

/**
 * Runs the real `tsc --strict --noEmit` once over `files` (name → source) in `dir`;
 * `tfmc/runtime` maps to the runtime's source. Returns tsc's output ('' when clean).
 */
export function typeCheck(dir: string, files: Record<string, string>): string {
  const src = join(dir, 'src');
  mkdirSync(src, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(src, name), text);
  const tsconfig = {
    compilerOptions: {
      target: 'ES2022',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      types: [],
      paths: { 'tfmc/runtime': [join(ROOT, 'src/runtime/index.ts')] },
    },
    files: Object.keys(files).map((f) => `src/${f}`),
  };
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
  const r = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(dir, 'tsconfig.json')], { encoding: 'utf8', timeout: 120_000 });
  if (r.error) throw r.error;
  return `${r.stdout}${r.stderr}`.trim() + (r.status === 0 ? '' : `\n(tsc exit ${r.status})`);
}

let counter = 0;

/** Transpiles a generated (standalone) module to JavaScript in `dir` and imports it. */
export async function importGenerated<T = Record<string, unknown>>(dir: string, source: string): Promise<T> {
  const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
  const file = join(dir, `generated-${++counter}.mjs`);
  writeFileSync(file, js);
  return (await import(pathToFileURL(file).href)) as T;
}

export function removeScratch(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * A spec whose names are TypeScript keywords, `constructor`, `__proto__`, the generated file's own
 * names and runtime function names, with a config string full of quotes, escapes and invisible
 * characters (`names.test.ts`; type-checked with the others in `generated.test.ts`).
 */
export const HOSTILE_SPEC = String.raw`model Hostile {
  config { class = 8  constructor = 2  __proto__ = 4  tf = 10  forward = 3  note = "it's \"quoted\" \\ ${'$'}{x} ` + '`tick`' + String.raw` */ \n \u{2028} \u{202E} end"  eval = 1.5 }

  input function: int32[batch, seq] where seq <= 16
  let linear = Embedding(tf, class)
  let params = linear(function)
  let await = Linear(class, bias: false)
  let hasOwnProperty = await(params)
  output constructor = Linear(tf)(hasOwnProperty)
  input prototype: int32[batch, seq]
  loss delete = cross_entropy(constructor, prototype)
}
`;
