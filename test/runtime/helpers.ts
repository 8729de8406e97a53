/** Comparing runtime results in the runtime's tests. */
import type * as tf from '@tensorflow/tfjs';

/** The largest |a − b| / max(1, |b|) over the elements: absolute near 0, relative for large values. */
export function maxRelDiff(a: tf.Tensor, b: tf.Tensor): number {
  const x = a.dataSync();
  const y = b.dataSync();
  let worst = 0;
  for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i] - y[i]) / Math.max(1, Math.abs(y[i])));
  return worst;
}
