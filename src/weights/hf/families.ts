/** The Hugging Face families tfmc imports and exports, looked up by `config.json`'s `model_type`. */
import type { HfFamily } from './family.js';
import { bert } from './families/bert.js';
import { gpt2 } from './families/gpt2.js';
import { llama } from './families/llama.js';
import { t5 } from './families/t5.js';
import { vit } from './families/vit.js';

export const HF_FAMILIES: readonly HfFamily[] = [gpt2, llama, bert, t5, vit];

export function familyOfModelType(modelType: unknown): HfFamily | undefined {
  return HF_FAMILIES.find((f) => f.modelTypes.includes(modelType as string));
}

/** The family of a model that is (or extends) one of the shipped models a family maps. */
export function familyOfModel(name: string, base: string | undefined): HfFamily | undefined {
  return HF_FAMILIES.find((f) => f.bases.includes(name) || (base !== undefined && f.bases.includes(base)));
}

export function familyById(id: string): HfFamily | undefined {
  return HF_FAMILIES.find((f) => f.id === id);
}

/** The model name an imported checkpoint gets: `Gpt2Imported`, `LlamaImported`. */
export function importedModelName(family: HfFamily): string {
  return `${family.id[0].toUpperCase()}${family.id.slice(1)}Imported`;
}
