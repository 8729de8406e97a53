// Attention of one new query per (batch, head) against a key/value cache written in place: a
// decode step's self-attention in one pass, where tfjs takes a concat per cache and a kernel per
// product, scale, mask and softmax (src/backends/tfjs/generate/kv-cache.ts).
#pragma once
#include <cstdint>

namespace tfmc {

struct DecodeAttention {
  int64_t items;     // batch × heads
  int64_t depth;     // d, the head width (keys and values alike)
  int64_t capacity;  // positions each cache has room for
  int64_t length;    // positions cached before this step; the new one goes at index `length`
  int scaleOp;       // what the scores go through before the softmax: 0 none, 1 ·scale, 2 ÷scale
  float scale;
};

// For item i (of `items`, each `depth` floats of q, kNew, vNew and out):
//   kCache[i] is [depth, capacity] (keys transposed, a key per column), vCache[i] [capacity, depth];
//   the new key and value are written at column / row `length`, then with T = length + 1
//   out[i] = softmax(scaled(q[i]·kCache[i][:, :T])) · vCache[i][:T].
// Items are split over the pool; each is computed by one thread in a fixed order, so results do
// not depend on the thread count.
void decodeAttention(const DecodeAttention& a, const float* q, const float* kNew, const float* vNew, float* kCache, float* vCache, float* out);

}  // namespace tfmc
