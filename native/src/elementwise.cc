#include "elementwise.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "pool.h"
#include "vmath.h"

namespace tfmc {
namespace {

constexpr int64_t kGrain = 32 * 1024;  // elements per thread below which a kernel stays on one thread

template <BinaryOp op>
inline float apply(float a, float b) {
  if constexpr (op == BinaryOp::Add) return a + b;
  if constexpr (op == BinaryOp::Sub) return a - b;
  if constexpr (op == BinaryOp::Mul) return a * b;
  return a / b;
}

// One contiguous run of the innermost axis, specialised for the stride patterns that vectorise.
template <BinaryOp op>
TFMC_SIMD void binaryRun(const float* a, int64_t sa, const float* b, int64_t sb, float* out, int64_t n) {
  if (sa == 1 && sb == 1) {
    for (int64_t i = 0; i < n; i++) out[i] = apply<op>(a[i], b[i]);
  } else if (sa == 1 && sb == 0) {
    const float v = b[0];
    for (int64_t i = 0; i < n; i++) out[i] = apply<op>(a[i], v);
  } else if (sa == 0 && sb == 1) {
    const float v = a[0];
    for (int64_t i = 0; i < n; i++) out[i] = apply<op>(v, b[i]);
  } else {
    for (int64_t i = 0; i < n; i++) out[i] = apply<op>(a[i * sa], b[i * sb]);
  }
}

template <BinaryOp op>
void binaryOf(const float* a, const float* b, float* out, int rank, const int64_t* shape, const int64_t* as, const int64_t* bs) {
  int64_t total = 1;
  for (int k = 0; k < rank; k++) total *= shape[k];
  const int64_t last = rank > 0 ? shape[rank - 1] : 1;
  const int64_t sa = rank > 0 ? as[rank - 1] : 0, sb = rank > 0 ? bs[rank - 1] : 0;
  parallelFor(total, kGrain, [&](int64_t begin, int64_t end) {
    // The multi-index of `begin`, then runs of the last axis up to `end`.
    std::vector<int64_t> index(std::max(rank, 1), 0);
    int64_t rest = begin, ao = 0, bo = 0;
    for (int k = rank - 1; k >= 0; k--) {
      index[k] = rest % shape[k];
      rest /= shape[k];
      ao += index[k] * as[k];
      bo += index[k] * bs[k];
    }
    int64_t i = begin;
    while (i < end) {
      const int64_t col = rank > 0 ? index[rank - 1] : 0;
      const int64_t run = std::min(last - col, end - i);
      binaryRun<op>(a + ao, sa, b + bo, sb, out + i, run);
      i += run;
      if (i >= end) break;
      // Carry into the outer axes: the last axis wrapped to 0.
      ao -= col * sa;
      bo -= col * sb;
      index[rank - 1] = 0;
      for (int k = rank - 2; k >= 0; k--) {
        index[k]++;
        ao += as[k];
        bo += bs[k];
        if (index[k] < shape[k]) break;
        ao -= shape[k] * as[k];
        bo -= shape[k] * bs[k];
        index[k] = 0;
      }
    }
  });
}

template <UnaryOp op>
inline float unaryOf(float x) {
  if constexpr (op == UnaryOp::Sigmoid) return sigmoid(x);
  if constexpr (op == UnaryOp::Exp) return fastExp(x);
  if constexpr (op == UnaryOp::Square) return x * x;
  if constexpr (op == UnaryOp::Rsqrt) return 1.0f / std::sqrt(x);
  if constexpr (op == UnaryOp::Sqrt) return std::sqrt(x);
  if constexpr (op == UnaryOp::Neg) return -x;
  if constexpr (op == UnaryOp::Relu) return x > 0.0f ? x : 0.0f;
  return 2.0f * sigmoid(2.0f * x) - 1.0f;  // tanh
}

template <UnaryOp op>
TFMC_SIMD void unaryRun(const float* x, float* out, int64_t n) {
  for (int64_t i = 0; i < n; i++) out[i] = unaryOf<op>(x[i]);
}

template <UnaryOp op>
void unaryAll(const float* x, float* out, int64_t n) {
  parallelFor(n, kGrain, [&](int64_t begin, int64_t end) { unaryRun<op>(x + begin, out + begin, end - begin); });
}

// Σ of n floats in double, 4 interleaved partial sums (a fixed order that vectorises).
TFMC_SIMD double sumRow(const float* x, int64_t n) {
  double acc[4] = {0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 4 <= n; i += 4)
    for (int l = 0; l < 4; l++) acc[l] += x[i + l];
  for (; i < n; i++) acc[0] += x[i];
  return (acc[0] + acc[1]) + (acc[2] + acc[3]);
}

// out[j] = scale · Σ_r x[r·stride + j] for j in [0, n), rows summed in order.
TFMC_SIMD void sumColumns(const float* x, int64_t rows, int64_t stride, int64_t n, double scale, float* out) {
  constexpr int64_t kBlock = 256;
  double acc[kBlock];
  for (int64_t j0 = 0; j0 < n; j0 += kBlock) {
    const int64_t width = std::min(kBlock, n - j0);
    for (int64_t j = 0; j < width; j++) acc[j] = 0;
    for (int64_t r = 0; r < rows; r++) {
      const float* row = x + r * stride + j0;
      for (int64_t j = 0; j < width; j++) acc[j] += row[j];
    }
    for (int64_t j = 0; j < width; j++) out[j0 + j] = static_cast<float>(acc[j] * scale);
  }
}

}  // namespace

void binary(BinaryOp op, const float* a, const float* b, float* out, int rank, const int64_t* shape, const int64_t* as, const int64_t* bs) {
  switch (op) {
    case BinaryOp::Add: return binaryOf<BinaryOp::Add>(a, b, out, rank, shape, as, bs);
    case BinaryOp::Sub: return binaryOf<BinaryOp::Sub>(a, b, out, rank, shape, as, bs);
    case BinaryOp::Mul: return binaryOf<BinaryOp::Mul>(a, b, out, rank, shape, as, bs);
    case BinaryOp::Div: return binaryOf<BinaryOp::Div>(a, b, out, rank, shape, as, bs);
  }
}

void unary(UnaryOp op, const float* x, float* out, int64_t n) {
  switch (op) {
    case UnaryOp::Sigmoid: return unaryAll<UnaryOp::Sigmoid>(x, out, n);
    case UnaryOp::Exp: return unaryAll<UnaryOp::Exp>(x, out, n);
    case UnaryOp::Square: return unaryAll<UnaryOp::Square>(x, out, n);
    case UnaryOp::Rsqrt: return unaryAll<UnaryOp::Rsqrt>(x, out, n);
    case UnaryOp::Sqrt: return unaryAll<UnaryOp::Sqrt>(x, out, n);
    case UnaryOp::Neg: return unaryAll<UnaryOp::Neg>(x, out, n);
    case UnaryOp::Relu: return unaryAll<UnaryOp::Relu>(x, out, n);
    case UnaryOp::Tanh: return unaryAll<UnaryOp::Tanh>(x, out, n);
  }
}

void reduceSum(const float* x, float* out, int64_t outer, int64_t reduce, int64_t inner, double scale) {
  if (inner == 1) {
    parallelFor(outer, std::max<int64_t>(1, kGrain / std::max<int64_t>(reduce, 1)), [&](int64_t begin, int64_t end) {
      for (int64_t o = begin; o < end; o++) out[o] = static_cast<float>(sumRow(x + o * reduce, reduce) * scale);
    });
  } else if (outer >= poolThreads()) {
    parallelFor(outer, std::max<int64_t>(1, kGrain / std::max<int64_t>(reduce * inner, 1)), [&](int64_t begin, int64_t end) {
      for (int64_t o = begin; o < end; o++) sumColumns(x + o * reduce * inner, reduce, inner, inner, scale, out + o * inner);
    });
  } else {
    // Few outer blocks (a bias gradient: outer 1): the threads take column ranges.
    for (int64_t o = 0; o < outer; o++) {
      const float* block = x + o * reduce * inner;
      float* to = out + o * inner;
      parallelFor(inner, std::max<int64_t>(1, kGrain / std::max<int64_t>(reduce, 1)),
                  [&](int64_t begin, int64_t end) { sumColumns(block + begin, reduce, inner, end - begin, scale, to + begin); });
    }
  }
}

}  // namespace tfmc
