#include "decode_attention.h"

#include <algorithm>
#include <vector>

#include "fused.h"
#include "pool.h"
#include "vmath.h"

namespace tfmc {
namespace {

// scores[t] = Σ_i q[i]·k[i, t] over the transposed keys (rows of `ld` floats): a running sum
// over i, contiguous in t, so the loop vectorises.
TFMC_SIMD void scoresOf(const float* q, const float* k, int64_t ld, int64_t depth, int64_t keys, float* scores) {
  std::fill(scores, scores + keys, 0.0f);
  for (int64_t i = 0; i < depth; i++) {
    const float qi = q[i];
    const float* row = k + i * ld;
    for (int64_t t = 0; t < keys; t++) scores[t] += qi * row[t];
  }
}

TFMC_SIMD void scaled(float* scores, int64_t keys, int op, float scale) {
  if (op == 1)
    for (int64_t t = 0; t < keys; t++) scores[t] *= scale;
  else if (op == 2)
    for (int64_t t = 0; t < keys; t++) scores[t] /= scale;
}

// out[j] = Σ_t p[t]·v[t, j].
TFMC_SIMD void weightedSum(const float* p, const float* v, int64_t depth, int64_t keys, float* out) {
  std::fill(out, out + depth, 0.0f);
  for (int64_t t = 0; t < keys; t++) {
    const float pt = p[t];
    const float* row = v + t * depth;
    for (int64_t j = 0; j < depth; j++) out[j] += pt * row[j];
  }
}

}  // namespace

void decodeAttention(const DecodeAttention& a, const float* q, const float* kNew, const float* vNew, float* kCache, float* vCache, float* out) {
  const int64_t keys = a.length + 1;
  // Worth a thread from about this many multiply-adds (≈ 12 heads × 64 × 64 keys).
  const int64_t grain = std::max<int64_t>(1, (int64_t(1) << 16) / std::max<int64_t>(keys * a.depth, 1));
  parallelFor(a.items, grain, [&](int64_t begin, int64_t end) {
    std::vector<float> scores(keys), probs(keys);
    for (int64_t i = begin; i < end; i++) {
      float* k = kCache + i * a.depth * a.capacity;
      float* v = vCache + i * a.capacity * a.depth;
      for (int64_t j = 0; j < a.depth; j++) k[j * a.capacity + a.length] = kNew[i * a.depth + j];
      std::copy(vNew + i * a.depth, vNew + (i + 1) * a.depth, v + a.length * a.depth);
      scoresOf(q + i * a.depth, k, a.capacity, a.depth, keys, scores.data());
      scaled(scores.data(), keys, a.scaleOp, a.scale);
      softmax(scores.data(), probs.data(), 1, keys);  // fused.cc's row softmax (nested: runs on this thread)
      weightedSum(probs.data(), v, a.depth, keys, out + i * a.depth);
    }
  });
}

}  // namespace tfmc
