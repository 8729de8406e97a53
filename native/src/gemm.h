// Batched single-precision products over one flat float heap (the wasm backend's memory), with an
// optional bias + activation epilogue: the computational core of the native backend's kernels.
#pragma once
#include <cstdint>

namespace tfmc {

// tfjs's fusable activations, numbered as the kernels pass them (src/backends/tfjs/native/kernels.ts).
enum class Activation : int32_t { Linear = 0, Relu = 1, Relu6 = 2, Prelu = 3, LeakyRelu = 4, Sigmoid = 5, Elu = 6 };

struct Epilogue {
  const float* bias = nullptr;   // added along the last axis: bias[j % biasSize]
  int64_t biasSize = 0;
  Activation activation = Activation::Linear;
  const float* prelu = nullptr;  // prelu slopes along the last axis: prelu[j % preluSize]
  int64_t preluSize = 0;
  float alpha = 0;               // leakyrelu slope
};

// For each batch item i: C[i] (m×n, row-major) = op(A[aOffsets[i]]) · op(B[bOffsets[i]]), where op
// transposes when asked; A is m×k (k×m when transposed), B k×n (n×k when transposed). Offsets are
// in floats from `heap`; C items are contiguous from `c`.
void batchedGemm(float* heap, const uint32_t* aOffsets, const uint32_t* bOffsets, float* c, int64_t batch, int64_t m, int64_t n,
                 int64_t k, bool transposeA, bool transposeB, const Epilogue& epilogue);

}  // namespace tfmc
