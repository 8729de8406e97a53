/**
 * The graph builder settles a value's shape (origins dropped, bound variables replaced) when the
 * value is made, and `freeze` reads it; a shape that still has an unbound variable then is left
 * for `freeze`. Module output shapes follow the value they were recorded from, in a copied stack
 * layer too.
 */
import { describe, expect, it } from 'vitest';
import { constDim, freshVar, type Dim } from '../../../src/ir/dims.js';
import { GraphBuilder } from '../../../src/ir/lower/graph.js';

const at = { file: 'x.tfm', span: { start: { offset: 0, line: 1, column: 1 }, end: { offset: 1, line: 1, column: 2 } } };
const batch = { kind: 'sym', name: 'batch' } as const;
const plain = (shape: readonly Dim[] | undefined) => JSON.parse(JSON.stringify(shape));

describe('shapes settled as values are made', () => {
  it('drops origins and bound variables, and an elementwise output shares its input\'s settled shape', () => {
    const g = new GraphBuilder();
    const B = freshVar('B');
    B.ref.binding = batch;
    const shape: Dim[] = [B, constDim(64, { ...at, what: '`d_model`' })];
    const x = g.input('x', 'float32', shape, at);
    const [y] = g.emit('relu', [x], [{ dtype: 'float32', shape }], {}, {}, 'm', at);
    g.freeze();
    expect(plain(x.shape)).toEqual([batch, { kind: 'const', value: 64 }]);
    expect(x.shape[1]).not.toHaveProperty('origin');
    expect(y.shape).toBe(x.shape);
  });

  it('leaves a shape whose variable is bound only later to the final freeze', () => {
    const g = new GraphBuilder();
    const T = freshVar('T');
    const U = freshVar('U');
    T.ref.binding = U; // bound, but to a variable nothing has bound yet
    const x = g.input('x', 'float32', [T, constDim(3)], at);
    U.ref.binding = constDim(7);
    g.freeze();
    expect(plain(x.shape)).toEqual([{ kind: 'const', value: 7 }, { kind: 'const', value: 3 }]);
  });

  it('gives a module, and its copy in a copied stack layer, the settled shape of its output value', () => {
    const g = new GraphBuilder();
    const B = freshVar('B');
    B.ref.binding = batch;
    const x = g.input('x', 'float32', [batch, constDim(8)], at);
    const start = g.mark();
    g.module({ path: 'stack.0.proj', kind: 'Linear', depth: 2, source: at, primitive: true });
    const [h] = g.emit('linear', [x], [{ dtype: 'float32', shape: [B, constDim(8, { ...at, what: 'the output size' })] }], {}, {}, 'stack.0.proj', at);
    g.moduleOutput(g.modules.get('stack.0.proj')!, h);
    const end = g.mark();
    const copy = g.cloneRange(start, end, x.id, h, h, 'stack.0', 'stack.1');
    g.freeze();
    const settled = [batch, { kind: 'const', value: 8 }];
    expect(plain(g.modules.get('stack.0.proj')!.outputShape)).toEqual(settled);
    expect(g.modules.get('stack.1.proj')!.outputShape).toBe(copy.shape);
    expect(plain(copy.shape)).toEqual(settled);
  });
});
