#include "attention.h"

#include <algorithm>
#include <vector>

#include "fused.h"
#include "pool.h"

#ifdef TFMC_ACCELERATE
#include <Accelerate/Accelerate.h>
#else
#include <cblas.h>
#endif

namespace tfmc {
namespace {

// Queries are taken this many at a time, so that a block needs only the keys up to the last one
// its rows may attend to: under a causal mask, 5/8 of the products for 128 tokens.
constexpr int64_t kQueryBlock = 32;

// A bias entry at or below this blocks its key (masks add −1e9, src/runtime/core.ts). Its weight
// is exactly 0 in float32 whenever its row has a key that is not blocked (exp(−1e9 − max)
// underflows), so leaving it out changes only the BLAS's rounding of the shorter products
// (≤ 4e-7 on GPT-2 small's attention, bench A/B).
constexpr float kBlocked = -1e9f;

// For each row of the bias (biasBatch × biasRows of them), how many keys a query needs: one past
// the last key it may attend to, or all tk when it may attend to none (its row is then computed
// as written, and the rows indicator zeroes it).
std::vector<int64_t> keysNeeded(const AttentionShape& s, const AttentionMask& mask) {
  const int64_t rows = mask.bias ? mask.biasBatch * mask.biasRows : 0;
  std::vector<int64_t> reach(rows, s.tk);
  for (int64_t r = 0; r < rows; r++) {
    const float* row = mask.bias + r * s.tk;
    int64_t j = s.tk;
    while (j > 0 && row[j - 1] <= kBlocked) j--;
    reach[r] = j == 0 ? s.tk : j;
  }
  return reach;
}

struct Head {
  const float* q;
  const float* k;
  const float* v;
  float* out;
  const float* bias;  // this batch item's bias rows (null: none)
  const float* rows;  // this batch item's rows indicator (null: none)
  const int64_t* reach;  // this batch item's keys needed per bias row (null: all)
};

// Query rows [i0, i1) of one (batch item, head): scores (in `scores`, ld tk), then output rows.
void attendBlock(const Head& h, const AttentionShape& s, const AttentionMask& mask, int64_t i0, int64_t i1, float scale, bool divide, float* scores) {
  const int64_t width = s.heads * s.dk;  // the stride of a row of q, k, v and out
  int64_t keys = 0;
  for (int64_t i = i0; i < i1 && keys < s.tk; i++) keys = std::max(keys, h.reach ? h.reach[mask.biasRows == 1 ? 0 : i] : s.tk);
  const int64_t m = i1 - i0;
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)m, (int)keys, (int)s.dk, 1.0f, h.q + i0 * width, (int)width, h.k, (int)width, 0.0f, scores,
              (int)s.tk);
  for (int64_t i = i0; i < i1; i++) {
    float* row = scores + (i - i0) * s.tk;
    // As the unfused ops round: (scores ÷ scale) + bias.
    if (divide) for (int64_t j = 0; j < keys; j++) row[j] /= scale;
    else for (int64_t j = 0; j < keys; j++) row[j] *= scale;
    if (h.bias) {
      const float* biasRow = h.bias + (mask.biasRows == 1 ? 0 : i) * s.tk;
      for (int64_t j = 0; j < keys; j++) row[j] += biasRow[j];
    }
    softmax(row, row, 1, keys);  // serial here: this runs inside a part of the pool
    const float keep = h.rows ? h.rows[mask.rowsRows == 1 ? 0 : i] : 1.0f;
    if (keep != 1.0f) for (int64_t j = 0; j < keys; j++) row[j] *= keep;
  }
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)m, (int)s.dk, (int)keys, 1.0f, scores, (int)s.tk, h.v, (int)width, 0.0f, h.out + i0 * width,
              (int)width);
}

}  // namespace

void attention(const float* q, const float* k, const float* v, float* out, const AttentionShape& s, float scale, bool divide,
               const AttentionMask& mask) {
  const int64_t pairs = s.batch * s.heads;
  if (pairs == 0 || s.tq == 0) return;
  if (s.tk == 0 || s.dk == 0) {
    // No key (or empty heads): each output is an empty sum.
    std::fill(out, out + s.batch * s.tq * s.heads * s.dk, 0.0f);
    return;
  }
  const std::vector<int64_t> reach = keysNeeded(s, mask);
  const int64_t width = s.heads * s.dk;
#ifdef OPENBLAS_VERSION
  // Each pair's small products on one thread (as batchedGemm does for many small items).
  const int blasThreads = openblas_get_num_threads();
  openblas_set_num_threads(1);
#endif
  parallelFor(pairs, 1, [&](int64_t begin, int64_t end) {
    std::vector<float> scores(std::min(kQueryBlock, s.tq) * s.tk);
    for (int64_t p = begin; p < end; p++) {
      const int64_t b = p / s.heads, head = p % s.heads;
      const int64_t biasAt = mask.biasBatch == 1 ? 0 : b;
      const Head h{q + b * s.tq * width + head * s.dk,
                   k + b * s.tk * width + head * s.dk,
                   v + b * s.tk * width + head * s.dk,
                   out + b * s.tq * width + head * s.dk,
                   mask.bias ? mask.bias + biasAt * mask.biasRows * s.tk : nullptr,
                   mask.rows ? mask.rows + (mask.rowsBatch == 1 ? 0 : b) * mask.rowsRows : nullptr,
                   mask.bias ? reach.data() + biasAt * mask.biasRows : nullptr};
      for (int64_t i0 = 0; i0 < s.tq; i0 += kQueryBlock) attendBlock(h, s, mask, i0, std::min(s.tq, i0 + kQueryBlock), scale, divide, scores.data());
    }
  });
#ifdef OPENBLAS_VERSION
  openblas_set_num_threads(blasThreads);
#endif
}

}  // namespace tfmc
