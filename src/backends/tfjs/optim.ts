/**
 * Adam with bias correction (Kingma & Ba 2015), as PyTorch's `torch.optim.Adam` (and, with
 * `weightDecay`, the decoupled decay of `AdamW`), and global-norm gradient clipping (tfjs has no
 * `clipByGlobalNorm`).
 *
 * tfjs ships `tf.train.adam`, but its learning rate is fixed at construction; this one takes the
 * learning rate and a gradient scale (the clipping factor) on every step, keeps its moments in
 * named `tf.Variable`s (so a checkpoint can hold them), and creates them lazily for the parameters
 * that receive gradients (a loss that does not reach a head leaves that head untouched, moments
 * included — as PyTorch skips parameters whose `.grad` is None).
 *
 * Update for a parameter w with gradient g at step t (t counts from 1):
 *   m = β1·m + (1 − β1)·g,  v = β2·v + (1 − β2)·g²
 *   w = w − lr · (m / (1 − β1^t)) / (sqrt(v / (1 − β2^t)) + ε) − lr · weightDecay · w
 */
import * as tf from '@tensorflow/tfjs';

export interface AdamOptions {
  /** Default 0.9. */
  beta1?: number;
  /** Default 0.999 (PyTorch's; the Transformer paper used 0.98). */
  beta2?: number;
  /** Default 1e-8 (PyTorch's; the Transformer paper used 1e-9). */
  epsilon?: number;
  /** Decoupled weight decay (AdamW); default 0. */
  weightDecay?: number;
}

export const ADAM_DEFAULTS: Required<AdamOptions> = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0 };

/** The optimizer's state by parameter name, for checkpoints. */
export interface AdamState {
  step: number;
  m: Record<string, tf.Tensor>;
  v: Record<string, tf.Tensor>;
}

export class Adam {
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();
  /** Updates applied so far. */
  step = 0;

  /**
   * One update of every parameter that has a gradient. `gradScale` multiplies the gradients
   * first (the clipping factor). Runs inside `tf.tidy`; the gradients are not disposed.
   */
  apply(
    params: ReadonlyMap<string, tf.Variable>,
    grads: ReadonlyMap<string, tf.Tensor>,
    lr: number,
    options: AdamOptions = {},
    gradScale = 1,
  ): void {
    const { beta1, beta2, epsilon, weightDecay } = { ...ADAM_DEFAULTS, ...options };
    this.step += 1;
    const t = this.step;
    const stepSize = lr / (1 - Math.pow(beta1, t));
    const invSqrtBc2 = 1 / Math.sqrt(1 - Math.pow(beta2, t));
    tf.tidy(() => {
      // Scalars made once per step (not per parameter): op dispatch dominates on small models.
      const b1 = tf.scalar(beta1);
      const c1 = tf.scalar(1 - beta1);
      const b2 = tf.scalar(beta2);
      const c2 = tf.scalar(1 - beta2);
      const bc2 = tf.scalar(invSqrtBc2);
      const eps = tf.scalar(epsilon);
      const size = tf.scalar(-stepSize);
      const decay = tf.scalar(1 - lr * weightDecay);
      const scale = tf.scalar(gradScale);
      // The native backend's one-pass update (src/backends/tfjs/native/fused.ts), when it is active.
      const fused = tf.getKernel('TfmcAdam', tf.getBackend())
        ? { b1: beta1, c1: 1 - beta1, b2: beta2, c2: 1 - beta2, bc2: invSqrtBc2, eps: epsilon, size: -stepSize, decay: 1 - lr * weightDecay, scale: gradScale }
        : undefined;
      for (const [name, g0] of grads) {
        const w = params.get(name);
        if (!w) throw new Error(`Adam: a gradient for \`${name}\`, which is not a parameter`);
        if (fused && [w, g0].every((t) => t.dtype === 'float32') && tf.util.arraysEqual(w.shape, g0.shape)) {
          // The kernel updates the moments in place (no tensor but the optimizer's shares their data).
          w.assign(tf.engine().runKernel('TfmcAdam', { w, g: g0, m: this.moment(this.m, name, w), v: this.moment(this.v, name, w) }, fused) as tf.Tensor);
          continue;
        }
        const m = this.moment(this.m, name, w);
        const v = this.moment(this.v, name, w);
        // A tidy per parameter: the ~10 temporaries of one update are freed before the next
        // (one tidy over all would hold them for every parameter at once).
        tf.tidy(() => {
          const g = gradScale === 1 ? g0 : tf.mul(g0, scale);
          const m1 = tf.add(tf.mul(m, b1), tf.mul(g, c1));
          const v1 = tf.add(tf.mul(v, b2), tf.mul(tf.square(g), c2));
          m.assign(m1);
          v.assign(v1);
          const denom = tf.add(tf.mul(tf.sqrt(v1), bc2), eps);
          const base = weightDecay !== 0 ? tf.mul(w, decay) : w;
          w.assign(tf.add(base, tf.mul(tf.div(m1, denom), size)));
        });
      }
    });
  }

  private moment(store: Map<string, tf.Variable>, name: string, like: tf.Tensor): tf.Variable {
    let s = store.get(name);
    if (!s) {
      s = tf.variable(tf.zerosLike(like), false);
      store.set(name, s);
    }
    return s;
  }

  /** The moments (live variables: do not dispose, and read them before the next update, which may write them in place) and the step count. */
  getState(): AdamState {
    return { step: this.step, m: Object.fromEntries(this.m), v: Object.fromEntries(this.v) };
  }

  /** Replaces the state (values are copied; the caller keeps ownership of the tensors given). */
  setState(state: AdamState): void {
    this.dispose();
    this.step = state.step;
    // Copies of their own (a clone may share the data, and the native update writes the moments in place).
    const own = (t: tf.Tensor) => {
      const copy = tf.tidy(() => tf.add(t, tf.zerosLike(t)));
      const variable = tf.variable(copy, false);
      copy.dispose(); // the variable holds the data
      return variable;
    };
    for (const [name, t] of Object.entries(state.m)) this.m.set(name, own(t));
    for (const [name, t] of Object.entries(state.v)) this.v.set(name, own(t));
  }

  /** Forgets the moments and the step count. */
  reset(): void {
    this.dispose();
    this.step = 0;
  }

  dispose(): void {
    for (const s of [...this.m.values(), ...this.v.values()]) s.dispose();
    this.m.clear();
    this.v.clear();
  }
}

/** sqrt(Σ ‖g‖²) over all the tensors: a scalar (the caller owns it). */
export function globalNorm(tensors: readonly tf.Tensor[]): tf.Scalar {
  return tf.tidy(() => {
    if (tensors.length === 0) return tf.scalar(0);
    // Each square is freed before the next is made: one tidy over all would hold a copy of every
    // gradient at once (0.5 GB for GPT-2 small).
    return tf.sqrt(tf.addN(tensors.map((g) => tf.tidy(() => tf.sum(tf.square(g)))))) as tf.Scalar;
  });
}

/**
 * Scales the tensors so their global norm is at most `maxNorm` (TensorFlow's
 * `clip_by_global_norm`, PyTorch's `clip_grad_norm_`): every tensor is multiplied by
 * `maxNorm / max(norm, maxNorm)`. Returns new tensors (the caller owns them) and the norm before
 * clipping.
 */
export function clipByGlobalNorm(tensors: readonly tf.Tensor[], maxNorm: number): { clipped: tf.Tensor[]; norm: number } {
  if (!(maxNorm > 0)) throw new RangeError(`clipByGlobalNorm needs a positive maximum norm, got ${maxNorm}`);
  const n = globalNorm(tensors);
  const norm = n.dataSync()[0];
  n.dispose();
  const factor = clipFactor(norm, maxNorm);
  const clipped = tensors.map((t) => (factor === 1 ? tf.clone(t) : tf.tidy(() => tf.mul(t, factor))));
  return { clipped, norm };
}

/** The factor that brings a global norm down to `maxNorm` (1 when it is already within it). */
export function clipFactor(norm: number, maxNorm: number | undefined): number {
  if (maxNorm === undefined || !(norm > maxNorm)) return 1;
  return maxNorm / norm;
}
