/**
 * `GraphBuilder.freeze` turns the graph into plain data: every bound shape variable replaced by its
 * binding, every size's origin (kept for error labels) dropped. Values share shape arrays (an
 * elementwise op's output has its input's, a copied stack layer its first layer's), and freezing
 * does each shared array once: every value must still end up with the frozen shape.
 */
import { describe, expect, it } from 'vitest';
import { constDim, dimOp, freshVar, type Dim } from '../../../src/ir/dims.js';
import { GraphBuilder } from '../../../src/ir/lower/graph.js';

const at = { file: 'x.tfm', span: { start: { offset: 0, line: 1, column: 1 }, end: { offset: 1, line: 1, column: 2 } } };

describe('freezing the graph', () => {
  it('gives every value that shares a shape array the frozen shape', () => {
    const g = new GraphBuilder();
    const B = freshVar('B');
    const shared: Dim[] = [B, dimOp('*', B, constDim(4)), constDim(64, { ...at, what: '`d_model`' })];
    const x = g.input('x', 'float32', shared, at);
    const [y] = g.emit('relu', [x], [{ dtype: 'float32', shape: shared }], {}, {}, 'm', at);
    const [z] = g.emit('relu', [y], [{ dtype: 'float32', shape: shared }], {}, {}, 'm', at);
    B.ref.binding = { kind: 'sym', name: 'batch' };
    g.freeze();
    const plain = [{ kind: 'sym', name: 'batch' }, { kind: 'expr', op: '*', left: { kind: 'sym', name: 'batch' }, right: { kind: 'const', value: 4 } }, { kind: 'const', value: 64 }];
    for (const v of [x, y, z]) expect(JSON.parse(JSON.stringify(v.shape))).toEqual(plain);
  });

  it('keeps a shape that needs no change as it is', () => {
    const g = new GraphBuilder();
    const shape: Dim[] = [{ kind: 'sym', name: 'batch' }, constDim(8)];
    const x = g.input('x', 'float32', shape, at);
    g.freeze();
    expect(x.shape).toBe(shape);
  });

  it('freezes module output shapes too', () => {
    const g = new GraphBuilder();
    const T = freshVar('T');
    g.module({ path: 'm', kind: 'Block', depth: 0, source: at, outputShape: [T, constDim(3, { ...at, what: '`n`' })] });
    T.ref.binding = constDim(5);
    g.freeze();
    expect(JSON.parse(JSON.stringify(g.modules.get('m')!.outputShape))).toEqual([{ kind: 'const', value: 5 }, { kind: 'const', value: 3 }]);
  });
});
