/** The spec's config as a frozen dataclass (`Gpt2TinyConfig`), for reading: the modules are generated for its values. */
import type { ModelIR } from '../../ir/types.js';
import { escapeDoc, pyFloat, pyIdent, pyLiteral } from './python-names.js';

export function configClass(ir: ModelIR, name: string): string[] {
  const out = ['@dataclass(frozen=True)', `class ${name}:`, `    """The spec's config of \`${escapeDoc(ir.name)}\`. The modules below are generated for these values; change them in the spec (or with \`--set\`) and recompile."""`];
  const seen = new Set<string>();
  for (const c of ir.config) {
    let id = pyIdent(c.name);
    while (seen.has(id)) id += '_';
    seen.add(id);
    const type = c.type === 'int' ? 'int' : c.type === 'float' ? 'float' : c.type === 'bool' ? 'bool' : 'str';
    const value = c.type === 'float' && typeof c.value === 'number' ? pyFloat(c.value) : pyLiteral(c.value);
    out.push(`    ${id}: ${type} = ${value}`);
  }
  if (ir.config.length === 0) out.push('    pass');
  return out;
}
