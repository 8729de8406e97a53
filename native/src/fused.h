// Fused kernels of the native backend: softmax, layer and RMS norm over the last axis, and the
// GELU / SiLU activations, each with its gradient, in one pass over float32 rows of the heap
// (what tfjs would do in 4–10 kernels). Rows (or, for parameter gradients, columns) are split
// across the thread pool; each output is computed by one thread in a fixed order, so results
// do not depend on the thread count.
#pragma once
#include <cstdint>

namespace tfmc {

// y = softmax(x) along rows of length n.
void softmax(const float* x, float* y, int64_t rows, int64_t n);
// dx = y · (dy − Σ dy·y), row by row.
void softmaxGrad(const float* y, const float* dy, float* dx, int64_t rows, int64_t n);

// Cross-entropy of rows of n logits against float-coded targets (one per row), with label
// smoothing eps: loss[r] = (1 − eps)·(lse − x[t]) + eps·(lse − mean(x)), 0 where the target equals
// `ignore`; a target outside [0, n) contributes no x[t] term (as a one-hot of it is all zeros).
void crossEntropy(const float* x, const float* targets, float* loss, int64_t rows, int64_t n, float eps, float ignore);
// Greedy decoding's choice per row of logits: out[2r] = the index of the row's largest value (the
// first on ties), out[2r + 1] = its log-probability, logit − log Σ exp (the sum in double).
void greedyPick(const float* x, float* out, int64_t rows, int64_t n);
// dx[r] = dy[r] · (softmax(x[r]) − (1 − eps)·onehot(t) − eps/n), 0 for ignored rows.
void crossEntropyGrad(const float* x, const float* targets, const float* dy, float* dx, int64_t rows, int64_t n, float eps, float ignore);

// y = (x − mean) / sqrt(var + eps) · w + b (biased variance; b may be null).
void layerNorm(const float* x, const float* w, const float* b, float* y, int64_t rows, int64_t n, float eps);
// dx, and dw = Σ_rows dy·x̂, db = Σ_rows dy (db may be null).
void layerNormGrad(const float* x, const float* w, const float* dy, float* dx, float* dw, float* db, int64_t rows, int64_t n, float eps);

// y = x / sqrt(mean(x²) + eps) · w.
void rmsNorm(const float* x, const float* w, float* y, int64_t rows, int64_t n, float eps);
void rmsNormGrad(const float* x, const float* w, const float* dy, float* dx, float* dw, int64_t rows, int64_t n, float eps);

// The activations tfmc's runtime defines (src/runtime/activations.ts), numbered as the kernels pass them.
enum class Nonlinearity : int32_t { GeluTanh = 0, Gelu = 1, Silu = 2 };
void activation(Nonlinearity f, const float* x, float* y, int64_t n);
// dx = dy · f′(x).
void activationGrad(Nonlinearity f, const float* x, const float* dy, float* dx, int64_t n);

// One Adam update of n parameters, as tfmc's Adam (src/backends/tfjs/optim.ts) writes it:
// g' = g·scale, m1 = m·b1 + g'·c1, v1 = v·b2 + g'²·c2, w1 = w·decay + m1 / (sqrt(v1)·bc2 + eps) · size.
struct AdamStep {
  float b1, c1, b2, c2, bc2, eps, size, decay, scale;
};
void adam(const float* w, const float* g, const float* m, const float* v, float* w1, float* m1, float* v1, int64_t n, const AdamStep& s);

}  // namespace tfmc
