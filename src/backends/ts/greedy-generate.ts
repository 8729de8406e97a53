/**
 * A greedy `generate` when the model extends a token sequence: an int32 input `[b, S]` and a
 * float output `[b, S, V]` with the same `b` and `S` (`logits` preferred).
 */
import type { ModelIR, ModelInput, ModelOutput, TensorValue } from '../../ir/types.js';
import type { ModuleText } from './module-text.js';
import { commentText, numberLiteral, propertyAccess, propertyKey, stringLiteral } from './names.js';

/** Writes nothing when no input and output fit. */
export function generateFunction(text: ModuleText, ir: ModelIR, modelInputs: ModelInput[]): void {
  const symName = (v: TensorValue, axis: number) => {
    const d = v.shape[axis];
    return d && d.kind === 'sym' ? d.name : undefined;
  };
  let found: { input: ModelInput; output: ModelOutput } | undefined;
  const outputs = [...ir.outputs].sort((a, b) => Number(b.name === 'logits') - Number(a.name === 'logits'));
  for (const output of outputs) {
    const o = ir.values[output.value];
    if (o.dtype !== 'float32' || o.shape.length !== 3) continue;
    const input = modelInputs.find((i) => {
      const v = ir.values[i.value];
      return v.dtype === 'int32' && v.shape.length === 2 && symName(v, 0) !== undefined && symName(v, 0) === symName(o, 0) && symName(v, 1) !== undefined && symName(v, 1) === symName(o, 1);
    });
    if (input) {
      found = { input, output };
      break;
    }
  }
  if (!found) return;
  const seqDim = symName(ir.values[found.input.value], 1)!;
  const bound = ir.bounds.find((b) => b.dim === seqDim && b.max !== undefined)?.max;
  const others = modelInputs.filter((i) => i !== found!.input);
  const fixedType = others.length ? `Omit<Inputs, ${stringLiteral(found.input.name)}>` : 'Record<string, never>';
  text.out(
    '/**',
    ` * Greedy decoding without a cache: each step runs \`forward\` on the rows so far (\`${commentText(found.input.name)}\`) and`,
    ` * appends the arg-max token of \`${commentText(found.output.name)}\` at the last position. \`prefix\` rows share one length (at least 1);`,
    ' * the other inputs stay fixed. Returns the rows with the new tokens.',
    ' */',
    `export function generate(params: Params, inputs: ${fixedType}, prefix: readonly (readonly number[])[], maxNewTokens: number): number[][] {`,
    '  const rows = prefix.map((row) => [...row]);',
    `  const maxLength = ${bound !== undefined ? numberLiteral(bound) : 'Infinity'};`,
    '  for (let step = 0; step < maxNewTokens && rows.length > 0 && rows[0].length < maxLength; step++) {',
    '    const next = tf.tidy(() => {',
    `      const sequence = tf.tensor2d(rows, [rows.length, rows[0].length], 'int32');`,
    `      const logits = ${propertyAccess(`forward(params, { ...inputs, ${propertyKey(found.input.name)}: sequence })`, found.output.name)};`,
    '      const [b, t, v] = logits.shape;',
    '      return tf.argMax(tf.reshape(tf.slice(logits, [0, t - 1, 0], [b, 1, v]), [b, v]), -1);',
    '    });',
    '    const ids = next.dataSync();',
    '    next.dispose();',
    '    rows.forEach((row, i) => row.push(ids[i]));',
    '  }',
    '  return rows;',
    '}',
    '',
  );
}
