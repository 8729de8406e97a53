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

// One (batch item, head): its scores in `scores` (tq × tk), then its output rows in `out`.
void attendHead(const float* q, const float* k, const float* v, float* out, const AttentionShape& s, int64_t b, int64_t h, float scale, bool divide,
                const AttentionMask& mask, float* scores) {
  const int64_t width = s.heads * s.dk;  // the stride of a row of q, k, v and out
  const float* qh = q + b * s.tq * width + h * s.dk;
  const float* kh = k + b * s.tk * width + h * s.dk;
  const float* vh = v + b * s.tk * width + h * s.dk;
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)s.tq, (int)s.tk, (int)s.dk, 1.0f, qh, (int)width, kh, (int)width, 0.0f, scores, (int)s.tk);
  const float* bias = mask.bias ? mask.bias + (mask.biasBatch == 1 ? 0 : b) * mask.biasRows * s.tk : nullptr;
  for (int64_t i = 0; i < s.tq; i++) {
    float* row = scores + i * s.tk;
    // As the unfused ops round: (scores ÷ scale) + bias.
    if (divide) for (int64_t j = 0; j < s.tk; j++) row[j] /= scale;
    else for (int64_t j = 0; j < s.tk; j++) row[j] *= scale;
    if (bias) {
      const float* biasRow = bias + (mask.biasRows == 1 ? 0 : i) * s.tk;
      for (int64_t j = 0; j < s.tk; j++) row[j] += biasRow[j];
    }
  }
  softmax(scores, scores, s.tq, s.tk);  // serial here: this runs inside a part of the pool
  if (mask.rows) {
    const float* rows = mask.rows + (mask.rowsBatch == 1 ? 0 : b) * mask.rowsRows;
    for (int64_t i = 0; i < s.tq; i++) {
      const float keep = rows[mask.rowsRows == 1 ? 0 : i];
      if (keep == 1.0f) continue;
      for (int64_t j = 0; j < s.tk; j++) scores[i * s.tk + j] *= keep;
    }
  }
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)s.tq, (int)s.dk, (int)s.tk, 1.0f, scores, (int)s.tk, vh, (int)width, 0.0f,
              out + b * s.tq * width + h * s.dk, (int)width);
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
#ifdef OPENBLAS_VERSION
  // Each pair's small products on one thread (as batchedGemm does for many small items).
  const int blasThreads = openblas_get_num_threads();
  openblas_set_num_threads(1);
#endif
  parallelFor(pairs, 1, [&](int64_t begin, int64_t end) {
    std::vector<float> scores(s.tq * s.tk);
    for (int64_t p = begin; p < end; p++) attendHead(q, k, v, out, s, p / s.heads, p % s.heads, scale, divide, mask, scores.data());
  });
#ifdef OPENBLAS_VERSION
  openblas_set_num_threads(blasThreads);
#endif
}

}  // namespace tfmc
