// Multi-head attention of many queries in one call (a batched forward pass): per (batch item,
// head), scores = Q·Kᵀ scaled, plus a mask's bias, softmax, times the rows indicator, times V —
// reading the heads where the projections wrote them ([B, T, heads·d]) and writing the merged
// heads, so no [B, heads, T, d] transposes and no [B, heads, Tq, Tk] tensor go through tfjs.
#pragma once
#include <cstdint>

namespace tfmc {

struct AttentionShape {
  int64_t batch, tq, tk, heads, dk;
};

// Broadcast float terms of the scores: bias [biasBatch, 1, biasRows, tk] added to the scores
// (biasBatch 1 or batch, biasRows 1 or tq; null for none), and rows [rowsBatch, 1, rowsRows, 1]
// multiplying the probabilities (0 for a query with no key left; null for none).
struct AttentionMask {
  const float* bias = nullptr;
  int64_t biasBatch = 1, biasRows = 1;
  const float* rows = nullptr;
  int64_t rowsBatch = 1, rowsRows = 1;
};

// out [B, tq, heads·dk] from q [B, tq, heads·dk], k and v [B, tk, heads·dk]. The scores are
// divided by `scale` when `divide`, else multiplied by it (as the model's op says, so the numbers
// are those of the unfused ops). The (batch item, head) pairs are split over the pool, each with a
// single-threaded BLAS, so results do not depend on the thread count. Queries go in blocks, each
// with the keys up to the last one its rows may attend to (bias entries of −1e9 block a key).
void attention(const float* q, const float* k, const float* v, float* out, const AttentionShape& s, float scale, bool divide,
               const AttentionMask& mask);

}  // namespace tfmc
