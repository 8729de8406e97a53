// Matrix-vector products for one-row matmuls (decode steps): y = W·x with W row-major [n, k], the
// layout of a PyTorch-style weight [out, in] read transposed. A decode step reads every weight
// once for one row, so this is memory-bound: the kernel streams each weight row once, several
// rows at a time, and splits the rows over the pool.
#pragma once
#include <cstdint>

namespace tfmc {

// y[j] = Σ_i w[j·ldw + i] · x[i] (+ bias[j] when bias is given), j < n. Each y[j] is one thread's
// sum in a fixed order (16 lanes, then the lanes added in a fixed tree), so results do not depend
// on the thread count.
void gemvRows(const float* w, int64_t ldw, const float* x, const float* bias, float* y, int64_t n, int64_t k);

// A few rows at once (m ≤ kFewRows: a short prompt's prefill, a decode step of several sequences
// or beams): Y[r, j] = Σ_i w[j·ldw + i] · X[r·ldx + i] (+ bias[j]), Y row-major [m, n]. Each weight
// row is read once for all m rows (sgemm would pack the whole weight for every call). Sums in the
// same fixed order as gemvRows, so row r equals gemvRows of X's row r.
constexpr int64_t kFewRows = 8;
void gemvFewRows(const float* w, int64_t ldw, const float* x, int64_t ldx, int64_t m, const float* bias, float* y, int64_t n, int64_t k);

}  // namespace tfmc
