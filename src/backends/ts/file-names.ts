/** File names of generated code (no heavy imports: the CLI checks output folders with it before generating). */
import type { ModelIR } from '../../ir/types.js';

/** A model name in kebab case (`Gpt2Tiny` → `gpt2-tiny`). */
export function kebabName(name: string): string {
  return (
    name
      .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
      .replace(/[^A-Za-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .toLowerCase() || 'model'
  );
}

/** The file name of a model's generated module (`gpt2-tiny.ts`). */
export function moduleFileName(ir: ModelIR): string {
  return `${kebabName(ir.name)}.ts`;
}
