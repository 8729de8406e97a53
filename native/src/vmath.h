// Scalar maths written so that loops over them vectorise (no libm calls): exp by range reduction
// and Cephes's polynomial (relative error ~2e-7), and the sigmoid built on it.
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstring>

// Hot loops are compiled twice, for AVX2+FMA and for the baseline, and picked at load time (GCC
// and Clang on x86-64 Linux); elsewhere once, for the baseline.
#if defined(__x86_64__) && defined(__linux__) && (defined(__GNUC__) || defined(__clang__))
#define TFMC_SIMD __attribute__((target_clones("avx2", "default")))
// The same with an AVX-512 clone too: for loops that gain from it (the activations: 1.9–2.2× on
// GELU); softmax and the norms, whose sums are in double, were slower with it.
#define TFMC_SIMD_WIDE __attribute__((target_clones("arch=x86-64-v4", "avx2", "default")))
#else
#define TFMC_SIMD
#define TFMC_SIMD_WIDE
#endif

namespace tfmc {

inline float exp2Int(int32_t n) {
  const int32_t bits = (n + 127) << 23;
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

// e^x; exactly 0 below -87.3 (where float's normal range ends), clamped at 88.3 above (no
// overflow to inf). Branch-free, so that loops over it vectorise on any x86-64.
inline float fastExp(float x) {
  const float clamped = std::min(std::max(x, -87.3f), 88.3f);
  // n = round(x / ln 2), by adding 1.5·2²³: the float's low mantissa bits then hold n.
  constexpr float kShift = 12582912.0f;
  const float shifted = clamped * 1.44269504088896341f + kShift;
  const float n = shifted - kShift;
  int32_t nBits, shiftBits;
  std::memcpy(&nBits, &shifted, sizeof nBits);
  std::memcpy(&shiftBits, &kShift, sizeof shiftBits);
  const float r = clamped - n * 0.693359375f + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  const float e = p * exp2Int(nBits - shiftBits);
  return x < -87.3f ? 0.0f : e;
}

inline float sigmoid(float x) { return 1.0f / (1.0f + fastExp(-x)); }

}  // namespace tfmc
