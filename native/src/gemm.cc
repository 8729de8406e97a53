#include "gemm.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "gemv.h"
#include "pool.h"

#ifdef TFMC_ACCELERATE
#include <Accelerate/Accelerate.h>
#else
#include <cblas.h>
#endif

namespace tfmc {

static inline float activate(float v, int64_t j, const Epilogue& e) {
  switch (e.activation) {
    case Activation::Linear: return v;
    case Activation::Relu: return v > 0 ? v : 0;
    case Activation::Relu6: return std::min(std::max(v, 0.0f), 6.0f);
    case Activation::Prelu: return v >= 0 ? v : v * e.prelu[j % e.preluSize];
    case Activation::LeakyRelu: return v >= 0 ? v : v * e.alpha;
    case Activation::Sigmoid: return 1.0f / (1.0f + std::exp(-v));
    case Activation::Elu: return v >= 0 ? v : std::expm1(v);
  }
  return v;
}

static void applyEpilogue(float* c, int64_t rows, int64_t n, const Epilogue& e) {
  if (!e.bias && e.activation == Activation::Linear) return;
  parallelFor(rows, std::max<int64_t>(1, 32 * 1024 / std::max<int64_t>(n, 1)), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; r++) {
      float* row = c + r * n;
      for (int64_t j = 0; j < n; j++) {
        float v = row[j];
        if (e.bias) v += e.bias[j % e.biasSize];
        row[j] = activate(v, j, e);
      }
    }
  });
}

namespace {

// Each of the m rows of c (n wide) = bias[j % biasSize] (biasSize is n or 1).
void fillRows(float* c, int64_t m, int64_t n, const float* bias, int64_t biasSize) {
  parallelFor(m, std::max<int64_t>(1, 64 * 1024 / n), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; r++) {
      float* row = c + r * n;
      if (biasSize == n) std::memcpy(row, bias, n * sizeof(float));
      else std::fill(row, row + n, bias[0]);
    }
  });
}

// BLAS threads for the current call, where the BLAS lets us set them (OpenBLAS).
int blasThreads() {
#ifdef OPENBLAS_VERSION
  return openblas_get_num_threads();
#else
  return 1;
#endif
}

void setBlasThreads(int n) {
#ifdef OPENBLAS_VERSION
  openblas_set_num_threads(n);
#else
  (void)n;
#endif
}

// Below this many multiply-adds a product gains little from the BLAS's own threads (which it
// would wake for every one of, say, attention's 64 heads): the batch items go to the pool instead.
constexpr int64_t kSmallProduct = int64_t(1) << 22;
// Below this many multiply-adds in all a batch stays on the calling thread: a decode step's
// attention (12 heads × 64 × a few hundred keys) takes microseconds, less than waking a thread
// and switching the BLAS's thread count (which cost ~0.3 ms a call on a loaded machine).
constexpr int64_t kParallelBatch = int64_t(1) << 20;

// One-row products with a transposed B use gemvRows (gemv.cc) unless TFMC_GEMV=blas.
bool ownGemv() {
  const char* v = std::getenv("TFMC_GEMV");
  return !(v && std::strcmp(v, "blas") == 0);
}

}  // namespace

void batchedGemm(float* heap, const uint32_t* aOffsets, const uint32_t* bOffsets, float* c, int64_t batch, int64_t m, int64_t n,
                 int64_t k, bool transposeA, bool transposeB, const Epilogue& epilogue) {
  if (batch == 0 || m == 0 || n == 0) return;  // nothing to write (and BLAS rejects zero leading dimensions)
  const int lda = transposeA ? m : k;
  // One row, or a few (a short prompt, a decode step of several sequences), against a transposed
  // weight: tfmc's own kernels read each weight row once for all of them (gemv.cc), adding the bias
  // as they write when that is the whole epilogue.
  const bool fewRows = m <= kFewRows && transposeB && !transposeA && ownGemv();
  const bool fuseBias = fewRows && k > 0 && epilogue.activation == Activation::Linear && epilogue.bias && epilogue.biasSize == n;
  const int ldb = transposeB ? k : n;
  // A product of several rows with a bias starts C as the bias rows and lets the BLAS add to it
  // (beta 1), as PyTorch's addmm does: the BLAS clears C before it accumulates when beta is 0, so
  // the bias costs nothing, where adding it afterwards was a second pass over C (8 of 40 ms for
  // GPT-2's [1024, 768]·[768, 3072]).
  const bool biasFirst = m > 1 && k > 0 && epilogue.bias && !fewRows;
  auto product = [&](int64_t i) {
    float* out = c + i * m * n;
    if (k == 0) {
      std::fill(out, out + m * n, 0.0f);  // BLAS leaves C untouched when k = 0; the product of empty sums is 0
      return;
    }
    if (fewRows) {
      // sgemm would pack all of B first, which for a 50,257-wide output head costs more than the product.
      if (m == 1) gemvRows(heap + bOffsets[i], ldb, heap + aOffsets[i], fuseBias ? epilogue.bias : nullptr, out, n, k);
      else gemvFewRows(heap + bOffsets[i], ldb, heap + aOffsets[i], lda, m, fuseBias ? epilogue.bias : nullptr, out, n, k);
      return;
    }
    if (m == 1) {
      // One row (a decode step): a matrix-vector product (TFMC_GEMV=blas: OpenBLAS's).
      if (transposeB) {
        cblas_sgemv(CblasRowMajor, CblasNoTrans, (int)n, (int)k, 1.0f, heap + bOffsets[i], ldb, heap + aOffsets[i], 1, 0.0f, out, 1);
      } else {
        cblas_sgemv(CblasRowMajor, CblasTrans, (int)k, (int)n, 1.0f, heap + bOffsets[i], ldb, heap + aOffsets[i], 1, 0.0f, out, 1);
      }
      return;
    }
    if (biasFirst) fillRows(out, m, n, epilogue.bias, epilogue.biasSize);
    cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans, (int)m, (int)n, (int)k, 1.0f,
                heap + aOffsets[i], lda, heap + bOffsets[i], ldb, biasFirst ? 1.0f : 0.0f, out, (int)n);
  };
  const int threads = blasThreads();
  if (batch > 1 && m * n * k < kSmallProduct && batch * m * n * k >= kParallelBatch && threads > 1 && poolThreads() > 1) {
    // Each item on one thread with a single-threaded BLAS call: the same sums, in the same order,
    // as the BLAS's threads compute them (they split rows and columns, never k).
    setBlasThreads(1);
    parallelFor(batch, 1, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; i++) product(i);
    });
    setBlasThreads(threads);
  } else {
    for (int64_t i = 0; i < batch; i++) product(i);
  }
  if (fuseBias) return;
  if (biasFirst) {
    Epilogue rest = epilogue;
    rest.bias = nullptr;
    applyEpilogue(c, batch * m, n, rest);
    return;
  }
  applyEpilogue(c, batch * m, n, epilogue);
}

}  // namespace tfmc
