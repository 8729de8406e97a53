/**
 * The name mapping between a Hugging Face checkpoint and a tfmc spec's parameters, written as a
 * list of rules per family (`families/*.ts`), each read both ways: import (HF → tfmc) and export
 * (tfmc → HF). A rule also gives the HF shape a tfmc shape implies, so a checkpoint is checked
 * against the spec from its safetensors headers alone, before any weight is read.
 */

export interface Tensor {
  shape: readonly number[];
  data: Float32Array;
}

export type Rule =
  /** The same values under another name; `hfShape` when HF keeps extra axes of size 1 (ViT's `[1, N, d]` positions). */
  | { kind: 'copy'; hf: string; tfmc: string; hfShape?: (tfmc: readonly number[]) => number[] }
  /** A 2-D weight stored transposed: GPT-2's `Conv1D` keeps `[in, out]`, tfmc's `Linear` `[out, in]`. */
  | { kind: 'transpose'; hf: string; tfmc: string }
  /**
   * One fused HF tensor holding several tfmc tensors stacked along the output axis (GPT-2's
   * `c_attn`: queries, keys and values); `transpose` when the fused tensor is a `Conv1D` weight.
   */
  | { kind: 'split'; hf: string; tfmc: readonly string[]; transpose: boolean }
  /**
   * An HF tensor that repeats another (a tied head or embedding: `lm_head.weight` = `wte.weight`).
   * It may be absent; when present it must equal `same`, since the spec ties them.
   */
  | { kind: 'tied'; hf: string; same: string };

/** Every tfmc parameter a rule set fills. */
export function tfmcNames(rules: readonly Rule[]): string[] {
  return rules.flatMap((r) => (r.kind === 'split' ? [...r.tfmc] : r.kind === 'tied' ? [] : [r.tfmc]));
}

/** HF name → the shape the spec implies for it (tied tensors take the shape of the tensor they repeat). */
export function expectedHfShapes(rules: readonly Rule[], tfmcShapes: ReadonlyMap<string, readonly number[]>): Map<string, { shape: number[]; optional: boolean }> {
  const shapeOf = (name: string): readonly number[] => {
    const s = tfmcShapes.get(name);
    if (!s) throw new Error(`the Hugging Face mapping names \`${name}\`, which the spec does not have`);
    return s;
  };
  const out = new Map<string, { shape: number[]; optional: boolean }>();
  for (const r of rules) {
    if (r.kind === 'copy') out.set(r.hf, { shape: r.hfShape ? r.hfShape(shapeOf(r.tfmc)) : [...shapeOf(r.tfmc)], optional: false });
    else if (r.kind === 'transpose') out.set(r.hf, { shape: [...shapeOf(r.tfmc)].reverse(), optional: false });
    else if (r.kind === 'split') {
      const parts = r.tfmc.map(shapeOf);
      const stacked = [parts.reduce((a, s) => a + s[0], 0), ...parts[0].slice(1)];
      out.set(r.hf, { shape: r.transpose ? stacked.reverse() : stacked, optional: false });
    }
  }
  for (const r of rules) if (r.kind === 'tied') out.set(r.hf, { shape: out.get(r.same)!.shape, optional: true });
  return out;
}

function transpose2d(t: Tensor): Tensor {
  const [rows, cols] = t.shape;
  const data = new Float32Array(t.data.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) data[j * rows + i] = t.data[i * cols + j];
  return { shape: [cols, rows], data };
}

/** Row blocks of a row-major tensor, split along axis 0 into pieces of the given row counts. */
function splitRows(t: Tensor, rows: readonly number[]): Tensor[] {
  const width = t.shape.slice(1).reduce((a, b) => a * b, 1);
  let at = 0;
  return rows.map((n) => {
    const piece = { shape: [n, ...t.shape.slice(1)], data: t.data.slice(at * width, (at + n) * width) };
    at += n;
    return piece;
  });
}

function stackRows(parts: readonly Tensor[]): Tensor {
  const data = new Float32Array(parts.reduce((a, p) => a + p.data.length, 0));
  let at = 0;
  for (const p of parts) {
    data.set(p.data, at);
    at += p.data.length;
  }
  return { shape: [parts.reduce((a, p) => a + p.shape[0], 0), ...parts[0].shape.slice(1)], data };
}

/** HF tensors (shapes already checked) → tfmc tensors. */
export function toTfmc(rules: readonly Rule[], hf: (name: string) => Tensor, tfmcShapes: ReadonlyMap<string, readonly number[]>): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const r of rules) {
    if (r.kind === 'copy') out.set(r.tfmc, { shape: [...tfmcShapes.get(r.tfmc)!], data: hf(r.hf).data });
    else if (r.kind === 'transpose') out.set(r.tfmc, transpose2d(hf(r.hf)));
    else if (r.kind === 'split') {
      const fused = r.transpose ? transpose2d(hf(r.hf)) : hf(r.hf);
      splitRows(fused, r.tfmc.map((n) => tfmcShapes.get(n)![0])).forEach((t, i) => out.set(r.tfmc[i], t));
    }
  }
  return out;
}

/**
 * tfmc tensors → HF tensors. Tied copies are left out, as Hugging Face's `save_pretrained` does
 * (safetensors stores no shared tensors): its loader ties them again from the config.
 */
export function toHf(rules: readonly Rule[], tfmc: (name: string) => Tensor): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const r of rules) {
    if (r.kind === 'copy') {
      const t = tfmc(r.tfmc);
      out.set(r.hf, { shape: r.hfShape ? r.hfShape(t.shape) : [...t.shape], data: t.data });
    } else if (r.kind === 'transpose') out.set(r.hf, transpose2d(tfmc(r.tfmc)));
    else if (r.kind === 'split') {
      const stacked = stackRows(r.tfmc.map(tfmc));
      out.set(r.hf, r.transpose ? transpose2d(stacked) : stacked);
    }
  }
  return out;
}

/** The tied tensors present in a checkpoint whose values differ from the tensor the spec ties them to. */
export function untiedCopies(rules: readonly Rule[], has: (name: string) => boolean, hf: (name: string) => Tensor): string[] {
  const out: string[] = [];
  for (const r of rules) {
    if (r.kind !== 'tied' || !has(r.hf)) continue;
    const a = hf(r.hf).data;
    const b = hf(r.same).data;
    if (a.length !== b.length || a.some((v, i) => v !== b[i])) out.push(`\`${r.hf}\` differs from \`${r.same}\`, which the spec ties it to`);
  }
  return out;
}

/** A linear layer whose weight and bias are copied as they are (`hf.weight` → `tfmc.weight`, and the bias). */
export const linear = (hf: string, tfmc: string): Rule[] => [
  { kind: 'copy', hf: `${hf}.weight`, tfmc: `${tfmc}.weight` },
  { kind: 'copy', hf: `${hf}.bias`, tfmc: `${tfmc}.bias` },
];
