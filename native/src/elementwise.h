// Elementwise kernels of the native backend over float32 data in one heap (the wasm backend's
// memory), split across the thread pool (pool.h): binary arithmetic with broadcasting, unary
// functions, and sums over a contiguous run of axes. Each output element is computed by one
// thread from its inputs in a fixed order, so results do not depend on the thread count.
#pragma once
#include <cstdint>

namespace tfmc {

enum class BinaryOp : int32_t { Add = 0, Sub = 1, Mul = 2, Div = 3 };
enum class UnaryOp : int32_t { Sigmoid = 0, Exp = 1, Square = 2, Rsqrt = 3, Sqrt = 4, Neg = 5, Relu = 6, Tanh = 7 };

// out[i] = a[·] op b[·] over an output of `rank` axes `shape`; an operand's element for output
// index (i0, …) is at Σ ik·stride[k] (stride 0 along a broadcast axis).
void binary(BinaryOp op, const float* a, const float* b, float* out, int rank, const int64_t* shape, const int64_t* aStrides,
            const int64_t* bStrides);

void unary(UnaryOp op, const float* x, float* out, int64_t n);

// x viewed as [outer, reduce, inner]: out[o, i] = scale · Σ_r x[o, r, i] (summed in order of r, in double).
void reduceSum(const float* x, float* out, int64_t outer, int64_t reduce, int64_t inner, double scale);

}  // namespace tfmc
