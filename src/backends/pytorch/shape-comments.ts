/** The `  # [batch, seq, 64]` comments after generated statements: the shapes tfmc inferred. */
import { renderShape } from '../../ir/dims.js';
import type { ModelIR } from '../../ir/types.js';

export function shapeComment(ir: ModelIR, values: number[]): string {
  const shapes = values.map((v) => ir.values[v]).filter((t) => t.dtype !== 'mask').map((t) => renderShape(t.shape));
  return shapes.length ? `  # ${shapes.join(', ')}` : '';
}

export function stripComment(line: string): string {
  const i = line.indexOf('  # ');
  return i < 0 ? line : line.slice(0, i);
}
