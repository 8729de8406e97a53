/**
 * Hugging Face checkpoints in and out (docs/huggingface.md):
 *
 * - {@link importHf}: a checkpoint directory (`config.json`, `model.safetensors` or shards,
 *   `tokenizer.json`) becomes a spec that extends the matching shipped model with the
 *   checkpoint's config values, the weights renamed to the spec's parameters, and the tokenizer.
 * - {@link exportHf}: a compiled model of one of those families becomes `config.json` and
 *   `model.safetensors` in Hugging Face's names and layouts.
 *
 * Every refusal is a coded `TfmcFileError`: TFM6101 (not a checkpoint tfmc reads), TFM6102 (a
 * config the shipped spec cannot express), TFM6103 (tensors that do not fit the spec: each
 * unknown, missing or misshapen tensor is listed, and nothing is read or written).
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CompiledModel } from '../backends/tfjs/compiled-model.js';
import { TfmcFileError } from '../diagnostics/file-error.js';
import type { ConfigValue, ModelIR } from '../ir/types.js';
import { checkFile, checkSource } from '../pipeline/check-spec.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { requireFit, writeSafetensors } from '../weights/exchange.js';
import { loadHfTensors, readHfCheckpoint } from '../weights/hf/checkpoint.js';
import { HfConfigProblems, type HfFamily, type SpecFacts } from '../weights/hf/family.js';
import { familyById, familyOfModel, familyOfModelType, HF_FAMILIES, importedModelName } from '../weights/hf/families.js';
import { expectedHfShapes, type Tensor, tfmcNames, toHf, toTfmc, untiedCopies } from '../weights/hf/mapping.js';

/** The shipped specs (`specs/`), beside `src/` in the repository and beside `dist/` in the package. */
export const SHIPPED_SPECS = fileURLToPath(new URL('../../specs/', import.meta.url));

export interface HfImportResult {
  family: string;
  /** The model the written spec declares. */
  model: string;
  /** The files written, in `out`. */
  spec: string;
  weights: string;
  tokenizer?: string;
  tensors: number;
  parameters: number;
}

export interface HfImportOptions {
  /** How to name the checkpoint directory and its files in messages (default: the path). */
  shown?: string;
}

/**
 * Reads a checkpoint directory and writes into `out` (created if needed): `model.tfm`, the shipped
 * spec it imports, `model.safetensors` (the spec's parameter names) and `tokenizer.json` (when the
 * checkpoint has one). Everything is checked before anything is written.
 */
export async function importHf(dir: string, out: string, options: HfImportOptions = {}): Promise<HfImportResult> {
  const shown = options.shown ?? dir;
  const shownFile = (file: string) => `${shown}/${relative(dir, file)}`;
  const ckpt = readHfCheckpoint(dir, shown);
  const family = familyOfModelType(ckpt.config.model_type);
  if (!family) {
    const known = HF_FAMILIES.flatMap((f) => f.modelTypes).join(', ');
    throw new TfmcFileError('TFM6101', `${shown}/config.json has model_type ${JSON.stringify(ckpt.config.model_type)}; tfmc imports ${known}`);
  }
  let plan;
  try {
    plan = family.plan(ckpt.config);
  } catch (e) {
    if (!(e instanceof HfConfigProblems)) throw e;
    throw new TfmcFileError('TFM6102', `${shown}/config.json has settings the shipped ${family.specFile} cannot express:\n  ${e.problems.join('\n  ')}`);
  }
  const model = importedModelName(family);
  const text = specText(family, plan, model, ckpt.config);
  // Checked as if it stood beside the shipped specs, so its import resolves before anything is written.
  const checked = checkSource(text, join(SHIPPED_SPECS, `${model}.tfm`), { model });
  const ir = checked.models.find((m) => m.name === model);
  if (!ir) {
    const errors = checked.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.code} ${d.message}`);
    throw new TfmcFileError('TFM6102', `${shown}/config.json gives a spec that does not check:\n  ${errors.join('\n  ')}`);
  }
  const facts = specFacts(ir);
  const rules = family.rules(facts);
  const tfmcShapes = new Map(ir.params.map((p) => [p.name, p.shape]));
  const expected = expectedHfShapes(rules, tfmcShapes);

  // The checkpoint's names, without the prefix some checkpoints add (GPT2LMHeadModel's `transformer.`).
  const prefix = family.optionalPrefix;
  const hfName = new Map<string, string>();
  for (const name of ckpt.tensors.keys()) hfName.set(prefix && name.startsWith(prefix) ? name.slice(prefix.length) : name, name);

  const differences: string[] = [];
  for (const [name, want] of expected) {
    const stored = hfName.get(name);
    const info = stored === undefined ? undefined : ckpt.tensors.get(stored);
    if (!info) {
      if (!want.optional) differences.push(`missing from the checkpoint: \`${name}\` [${want.shape.join(', ')}]`);
    } else if (info.shape.length !== want.shape.length || info.shape.some((d, i) => d !== want.shape[i])) {
      differences.push(`shape differs: \`${stored}\` is [${info.shape.join(', ')}] in the checkpoint, [${want.shape.join(', ')}] for the spec`);
    } else if (!['F32', 'F16', 'BF16', 'F64'].includes(info.dtype)) {
      differences.push(`dtype: \`${stored}\` is ${info.dtype}; weights must be floating point`);
    }
  }
  for (const [name, stored] of hfName) {
    if (!expected.has(name) && !family.ignored.some((re) => re.test(name))) differences.push(`unknown tensor: \`${stored}\` [${ckpt.tensors.get(stored)!.shape.join(', ')}]`);
  }
  if (differences.length) {
    throw new TfmcFileError('TFM6103', `${shown}: the checkpoint's tensors do not fit ${family.specFile}'s ${plan.base} with its config (${differences.length} difference${differences.length === 1 ? '' : 's'}); nothing was written:\n  ${differences.join('\n  ')}`);
  }

  const wanted = [...expected.keys()].filter((n) => hfName.has(n));
  const loaded = await loadHfTensors(ckpt, wanted.map((n) => hfName.get(n)!), shownFile);
  const hf = (name: string): Tensor => loaded.get(hfName.get(name)!)!;
  const untied = untiedCopies(rules, (n) => hfName.has(n), hf);
  if (untied.length) throw new TfmcFileError('TFM6103', `${shown}: ${untied.join('; ')}; nothing was written`);
  const tensors = toTfmc(rules, hf, tfmcShapes);
  const weightsFile = join(out, 'model.safetensors');
  requireFit(weightsFile, model, ir.params, { tensors: new Map([...tensors].map(([k, t]) => [k, { dtype: 'F32' as const, shape: [...t.shape], data: t.data }])), metadata: {} });

  mkdirSync(out, { recursive: true });
  copyFileSync(join(SHIPPED_SPECS, family.specFile), join(out, family.specFile));
  const specFile = join(out, 'model.tfm');
  writeFileAtomic(specFile, text);
  await writeSafetensors(weightsFile, ir.params.map((p) => [p.name, tensors.get(p.name)!] as [string, Tensor]), { format: 'pt', producer: 'tfmc', model, source: 'huggingface' });
  let tokenizer: string | undefined;
  if (ckpt.tokenizer) {
    tokenizer = join(out, 'tokenizer.json');
    copyFileSync(ckpt.tokenizer, tokenizer);
    if (ckpt.tokenizerConfig) copyFileSync(ckpt.tokenizerConfig, join(out, 'tokenizer_config.json'));
  }
  const parameters = ir.params.reduce((a, p) => a + p.shape.reduce((x, y) => x * y, 1), 0);
  return { family: family.id, model, spec: specFile, weights: weightsFile, tokenizer, tensors: ir.params.length, parameters };
}

function specFacts(ir: ModelIR): SpecFacts {
  return { config: new Map<string, ConfigValue>(ir.config.map((c) => [c.name, c.value])) as SpecFacts['config'], params: new Set(ir.params.map((p) => p.name)) };
}

/** The variant's text: the shipped model with the checkpoint's config values. */
function specText(family: HfFamily, plan: ReturnType<HfFamily['plan']>, model: string, config: Record<string, unknown>): string {
  const base = checkFile(join(SHIPPED_SPECS, family.specFile), { model: plan.base }).models.find((m) => m.name === plan.base);
  const floats = new Set(base?.config.filter((c) => c.type === 'float').map((c) => c.name));
  const width = Math.max(...plan.config.map(([k]) => k.length));
  const value = (k: string, v: number) => (floats.has(k) && Number.isInteger(v) ? `${v}.0` : String(v));
  const arch = Array.isArray(config.architectures) ? ` (${config.architectures.join(', ')})` : '';
  return [
    `// Imported by \`tfmc import hf\`: a Hugging Face ${JSON.stringify(config.model_type)} checkpoint${arch}.`,
    `// Its weights are model.safetensors beside this file, named as this spec's parameters.`,
    `import "${family.specFile}"`,
    '',
    `model ${model} extends ${plan.base} {`,
    '  config {',
    ...plan.config.map(([k, v]) => `    ${k.padEnd(width)} = ${value(k, v)}`),
    '  }',
    ...plan.statements.map((s) => `  ${s}`),
    '}',
    '',
  ].join('\n');
}

export interface HfExportResult {
  family: string;
  config: string;
  weights: string;
  tensors: number;
}

/** The family a model exports as: the one of the shipped model it is or extends, or `familyId`; `TFM6102` when there is none. */
export function exportFamily(ir: Pick<ModelIR, 'name' | 'base'>, familyId?: string): HfFamily {
  const family = familyId !== undefined ? familyById(familyId) : familyOfModel(ir.name, ir.base);
  if (family) return family;
  const bases = HF_FAMILIES.flatMap((f) => f.bases).join(', ');
  throw new TfmcFileError(
    'TFM6102',
    familyId !== undefined
      ? `no Hugging Face family \`${familyId}\`; tfmc exports ${HF_FAMILIES.map((f) => f.id).join(', ')}`
      : `model \`${ir.name}\` neither is nor directly extends a shipped model tfmc exports (${bases}); say which family its parameters follow with --family`,
  );
}

/**
 * Writes `config.json` and `model.safetensors` (Hugging Face's names and layouts) into `out`.
 * The family is the one of the shipped model the compiled model is or extends, or `familyId`.
 */
export async function exportHf(model: CompiledModel, out: string, familyId?: string): Promise<HfExportResult> {
  const ir = model.ir;
  const family = exportFamily(ir, familyId);
  const facts = specFacts(ir);
  const rules = family.rules(facts);
  const missing = tfmcNames(rules).filter((n) => !facts.params.has(n));
  const unmapped = [...facts.params].filter((n) => !new Set(tfmcNames(rules)).has(n));
  if (missing.length || unmapped.length) {
    throw new TfmcFileError('TFM6103', `model \`${ir.name}\`'s parameters do not follow the ${family.id} layout:\n  ${[...missing.map((n) => `missing: \`${n}\``), ...unmapped.map((n) => `not in the ${family.id} layout: \`${n}\``)].join('\n  ')}`);
  }
  const weights = model.getWeights();
  const hf = toHf(rules, (name) => ({ shape: weights[name].shape, data: Float32Array.from(weights[name].dataSync()) }));
  mkdirSync(out, { recursive: true });
  const config = join(out, 'config.json');
  writeFileAtomic(config, JSON.stringify(family.hfConfig(facts), null, 2) + '\n');
  const file = join(out, 'model.safetensors');
  await writeSafetensors(file, hf, { format: 'pt', producer: 'tfmc', model: ir.name });
  return { family: family.id, config: basename(config), weights: file, tensors: hf.size };
}
