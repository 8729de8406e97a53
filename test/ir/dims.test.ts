import { describe, expect, it } from 'vitest';
import { constDim, dimEquals, dimOp, evalDim, freshVar, renderDim, renderShape, resolve, unify, unifyBroadcast, type Dim } from '../../src/ir/dims.js';

const sym = (name: string): Dim => ({ kind: 'sym', name });

describe('unification', () => {
  it('binds a shape variable to a constant and then holds it', () => {
    const t = freshVar('T');
    expect(unify(t, constDim(5))).toBe(true);
    expect(renderDim(t)).toBe('5');
    expect(unify(t, constDim(6))).toBe(false);
  });

  it('keeps rigid symbols apart', () => {
    expect(unify(sym('src_len'), sym('tgt_len'))).toBe(false);
    expect(unify(sym('seq'), sym('seq'))).toBe(true);
    expect(unify(sym('seq'), constDim(4))).toBe(false);
  });

  it('propagates through chains of variables', () => {
    const a = freshVar('A');
    const b = freshVar('B');
    expect(unify(a, b)).toBe(true);
    expect(unify(b, sym('batch'))).toBe(true);
    expect(renderDim(a)).toBe('batch');
  });

  it('lets an error dim unify with anything (one mistake, one report)', () => {
    expect(unify({ kind: 'error' }, constDim(3))).toBe(true);
    expect(unify(sym('x'), { kind: 'error' })).toBe(true);
  });

  it('broadcasts size 1 without binding it', () => {
    const r = unifyBroadcast(constDim(1), sym('seq'));
    expect(r.ok).toBe(true);
    expect(renderDim(r.result)).toBe('seq');
    expect(unifyBroadcast(constDim(2), constDim(3)).ok).toBe(false);
  });

  it('rejects a variable that would contain itself', () => {
    const t = freshVar('T');
    expect(unify(t, dimOp('+', t, constDim(1)))).toBe(false);
  });
});

describe('derived dims', () => {
  it('folds constants and normalises offsets', () => {
    expect(renderDim(dimOp('+', constDim(196), constDim(1)))).toBe('197');
    const frames = sym('frames');
    // conv with kernel 3, padding 1, stride 1 keeps the length
    const same = dimOp('+', dimOp('floordiv', dimOp('+', frames, constDim(-1)), constDim(1)), constDim(1));
    expect(dimEquals(same, frames)).toBe(true);
    const half = dimOp('+', dimOp('floordiv', dimOp('+', frames, constDim(-1)), constDim(2)), constDim(1));
    expect(renderDim(half)).toBe('(frames - 1) / 2 + 1');
    expect(evalDim(half, () => 3000)).toBe(1500);
  });

  it('compares derived dims structurally', () => {
    const a = dimOp('+', sym('seq'), constDim(1));
    const b = dimOp('+', sym('seq'), constDim(1));
    expect(unify(a, b)).toBe(true);
    expect(unify(a, dimOp('+', sym('seq'), constDim(2)))).toBe(false);
  });

  it('renders shapes', () => {
    const v = freshVar('B');
    unify(v, sym('batch'));
    expect(renderShape([v, sym('seq'), constDim(768)])).toBe('[batch, seq, 768]');
    expect(resolve(v)).toEqual(sym('batch'));
  });
});
