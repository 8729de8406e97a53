#include "gemv.h"

#include <algorithm>

#include "pool.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define TFMC_X86 1
#endif

namespace tfmc {
namespace {

// Rows computed together: each x chunk is loaded once for all of them, and the loads of the rows
// are independent streams the prefetcher follows.
constexpr int64_t kRows = 4;

// The portable kernel: 16 partial sums per row, added in the same tree as the vector kernels.
void rowsScalar(const float* w, int64_t ldw, const float* x, float* y, int64_t begin, int64_t end, int64_t k) {
  for (int64_t j = begin; j < end; j++) {
    const float* row = w + j * ldw;
    float lane[16] = {0};
    for (int64_t i = 0; i < k; i++) lane[i % 16] += row[i] * x[i];
    for (int s = 8; s >= 1; s /= 2)
      for (int l = 0; l < s; l++) lane[l] += lane[l + s];
    y[j] = lane[0];
  }
}

#ifdef TFMC_X86
__attribute__((target("avx512f,avx512dq"))) inline float reduce16(__m512 v) {
  // The same tree as rowsScalar: halves added, 8 + 8, 4 + 4, 2 + 2, 1 + 1.
  const __m256 a = _mm256_add_ps(_mm512_castps512_ps256(v), _mm512_extractf32x8_ps(v, 1));
  const __m128 b = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
  const __m128 c = _mm_add_ps(b, _mm_movehl_ps(b, b));
  const __m128 d = _mm_add_ss(c, _mm_movehdup_ps(c));
  return _mm_cvtss_f32(d);
}

__attribute__((target("avx512f,avx512dq"))) void rowsAvx512(const float* w, int64_t ldw, const float* x, float* y, int64_t begin, int64_t end, int64_t k) {
  const int64_t full = k / 16 * 16;
  const __mmask16 tail = static_cast<__mmask16>((1u << (k - full)) - 1);
  int64_t j = begin;
  for (; j + kRows <= end; j += kRows) {
    const float* r0 = w + j * ldw;
    const float* r1 = r0 + ldw;
    const float* r2 = r1 + ldw;
    const float* r3 = r2 + ldw;
    __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps(), a2 = _mm512_setzero_ps(), a3 = _mm512_setzero_ps();
    int64_t i = 0;
    for (; i < full; i += 16) {
      const __m512 xv = _mm512_loadu_ps(x + i);
      a0 = _mm512_fmadd_ps(_mm512_loadu_ps(r0 + i), xv, a0);
      a1 = _mm512_fmadd_ps(_mm512_loadu_ps(r1 + i), xv, a1);
      a2 = _mm512_fmadd_ps(_mm512_loadu_ps(r2 + i), xv, a2);
      a3 = _mm512_fmadd_ps(_mm512_loadu_ps(r3 + i), xv, a3);
    }
    if (tail) {
      const __m512 xv = _mm512_maskz_loadu_ps(tail, x + i);
      a0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(tail, r0 + i), xv, a0);
      a1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(tail, r1 + i), xv, a1);
      a2 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(tail, r2 + i), xv, a2);
      a3 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(tail, r3 + i), xv, a3);
    }
    y[j] = reduce16(a0);
    y[j + 1] = reduce16(a1);
    y[j + 2] = reduce16(a2);
    y[j + 3] = reduce16(a3);
  }
  for (; j < end; j++) {
    const float* r = w + j * ldw;
    __m512 a = _mm512_setzero_ps();
    int64_t i = 0;
    for (; i < full; i += 16) a = _mm512_fmadd_ps(_mm512_loadu_ps(r + i), _mm512_loadu_ps(x + i), a);
    if (tail) a = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(tail, r + i), _mm512_maskz_loadu_ps(tail, x + i), a);
    y[j] = reduce16(a);
  }
}

// Rows j0 (and j0 + 1 when `two`) of W against the M rows of X: each weight chunk loaded once.
template <int M>
__attribute__((target("avx512f,avx512dq"))) void fewAvx512(const float* w, int64_t ldw, const float* x, int64_t ldx, float* y, int64_t ldy, int64_t j0, bool two, int64_t k) {
  const int64_t full = k / 16 * 16;
  const __mmask16 tail = static_cast<__mmask16>((1u << (k - full)) - 1);
  const float* r0 = w + j0 * ldw;
  const float* r1 = two ? r0 + ldw : r0;
  __m512 a0[M], a1[M];
  for (int r = 0; r < M; r++) a0[r] = a1[r] = _mm512_setzero_ps();
  int64_t i = 0;
  for (; i < full; i += 16) {
    const __m512 w0 = _mm512_loadu_ps(r0 + i), w1 = _mm512_loadu_ps(r1 + i);
    for (int r = 0; r < M; r++) {
      const __m512 xv = _mm512_loadu_ps(x + r * ldx + i);
      a0[r] = _mm512_fmadd_ps(w0, xv, a0[r]);
      a1[r] = _mm512_fmadd_ps(w1, xv, a1[r]);
    }
  }
  if (tail) {
    const __m512 w0 = _mm512_maskz_loadu_ps(tail, r0 + i), w1 = _mm512_maskz_loadu_ps(tail, r1 + i);
    for (int r = 0; r < M; r++) {
      const __m512 xv = _mm512_maskz_loadu_ps(tail, x + r * ldx + i);
      a0[r] = _mm512_fmadd_ps(w0, xv, a0[r]);
      a1[r] = _mm512_fmadd_ps(w1, xv, a1[r]);
    }
  }
  for (int r = 0; r < M; r++) {
    y[r * ldy + j0] = reduce16(a0[r]);
    if (two) y[r * ldy + j0 + 1] = reduce16(a1[r]);
  }
}

template <int M>
void fewRowsAvx512(const float* w, int64_t ldw, const float* x, int64_t ldx, float* y, int64_t ldy, int64_t begin, int64_t end, int64_t k) {
  for (int64_t j = begin; j < end; j += 2) fewAvx512<M>(w, ldw, x, ldx, y, ldy, j, j + 1 < end, k);
}

bool hasAvx512() {
  static const bool has = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq");
  return has;
}
#endif

void rows(const float* w, int64_t ldw, const float* x, float* y, int64_t begin, int64_t end, int64_t k) {
#ifdef TFMC_X86
  if (hasAvx512()) return rowsAvx512(w, ldw, x, y, begin, end, k);
#endif
  rowsScalar(w, ldw, x, y, begin, end, k);
}

// Weight floats per thread below which the product stays on one thread (waking a thread costs
// about as much as streaming this much).
constexpr int64_t kGrainFloats = 64 * 1024;

// Parts per pool thread, claimed one at a time: a thread the OS runs late (a loaded machine) holds
// up at most one small part while the others take the rest. A row's sum never depends on the parts.
constexpr int kPartsPerThread = 4;

void fewRows(const float* w, int64_t ldw, const float* x, int64_t ldx, int64_t m, float* y, int64_t ldy, int64_t begin, int64_t end, int64_t k) {
#ifdef TFMC_X86
  if (hasAvx512()) {
    switch (m) {  // 2 … kFewRows (one row is gemvRows')
      case 2: return fewRowsAvx512<2>(w, ldw, x, ldx, y, ldy, begin, end, k);
      case 3: return fewRowsAvx512<3>(w, ldw, x, ldx, y, ldy, begin, end, k);
      case 4: return fewRowsAvx512<4>(w, ldw, x, ldx, y, ldy, begin, end, k);
      case 5: return fewRowsAvx512<5>(w, ldw, x, ldx, y, ldy, begin, end, k);
      case 6: return fewRowsAvx512<6>(w, ldw, x, ldx, y, ldy, begin, end, k);
      case 7: return fewRowsAvx512<7>(w, ldw, x, ldx, y, ldy, begin, end, k);
      case 8: return fewRowsAvx512<8>(w, ldw, x, ldx, y, ldy, begin, end, k);
    }
  }
#endif
  for (int64_t r = 0; r < m; r++) rowsScalar(w, ldw, x + r * ldx, y + r * ldy, begin, end, k);
}

// The n weight rows in parts of whole blocks of `block` rows over the pool (so a part's outputs
// are all its own, and a row's sum never depends on where a part starts): kernel(begin, end)
// writes columns [begin, end) of the m rows of y (n wide), then the part adds the bias to them.
template <typename Kernel>
void overWeightRows(int64_t n, int64_t block, int64_t k, int64_t m, const float* bias, float* y, const Kernel& kernel) {
  const int64_t blocks = (n + block - 1) / block;
  const int64_t grain = std::max<int64_t>(1, kGrainFloats / std::max<int64_t>(k * block, 1));
  parallelFor(blocks, grain, [&](int64_t b0, int64_t b1) {
    const int64_t begin = b0 * block, end = std::min(n, b1 * block);
    kernel(begin, end);
    if (bias)
      for (int64_t r = 0; r < m; r++)
        for (int64_t j = begin; j < end; j++) y[r * n + j] += bias[j];
  }, kPartsPerThread);
}

}  // namespace

void gemvFewRows(const float* w, int64_t ldw, const float* x, int64_t ldx, int64_t m, const float* bias, float* y, int64_t n, int64_t k) {
  overWeightRows(n, 2, k, m, bias, y, [&](int64_t begin, int64_t end) { fewRows(w, ldw, x, ldx, m, y, n, begin, end, k); });
}

void gemvRows(const float* w, int64_t ldw, const float* x, const float* bias, float* y, int64_t n, int64_t k) {
  overWeightRows(n, kRows, k, 1, bias, y, [&](int64_t begin, int64_t end) { rows(w, ldw, x, y, begin, end, k); });
}

}  // namespace tfmc
