// N-API entry points of the native backend (src/backends/tfjs/native/): a batched sgemm, and the
// elementwise and fused kernels (elementwise.h, fused.h), each reading and writing the wasm
// backend's heap in place; the BLAS and pool thread counts.
#include <napi.h>

#include <string>
#include <vector>

#include "decode_attention.h"
#include "attention.h"
#include "elementwise.h"
#include "fused.h"
#include "gather.h"
#include "gemm.h"
#include "pool.h"

#ifdef TFMC_ACCELERATE
#define TFMC_BLAS "Accelerate"
#else
#include <cblas.h>
#ifdef OPENBLAS_VERSION
#define TFMC_BLAS "OpenBLAS"
#else
#define TFMC_BLAS "CBLAS"
#endif
#endif

namespace {

Napi::Value fail(const Napi::Env& env, const std::string& message) {
  Napi::TypeError::New(env, "tfmc_native: " + message).ThrowAsJavaScriptException();
  return env.Undefined();
}

int64_t integer(const Napi::CallbackInfo& info, size_t i) { return info[i].As<Napi::Number>().Int64Value(); }

// gemm(heap: ArrayBuffer, aOffsets: Uint32Array, bOffsets: Uint32Array, cOffset, m, n, k,
//      transposeA, transposeB, biasOffset, biasSize, activation, preluOffset, preluSize, alpha)
// Offsets count floats from the start of `heap`; a negative bias/prelu offset means none.
// Every range is checked against the heap: a wrong offset is an exception, never a stray write.
Napi::Value Gemm(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  if (info.Length() != 15 || !info[0].IsArrayBuffer() || !info[1].IsTypedArray() || !info[2].IsTypedArray()) {
    return fail(env, "gemm(heap, aOffsets, bOffsets, cOffset, m, n, k, tA, tB, biasOffset, biasSize, activation, preluOffset, preluSize, alpha)");
  }
  Napi::ArrayBuffer heapBuffer = info[0].As<Napi::ArrayBuffer>();
  Napi::Uint32Array aOffsets = info[1].As<Napi::Uint32Array>();
  Napi::Uint32Array bOffsets = info[2].As<Napi::Uint32Array>();
  const int64_t cOffset = integer(info, 3), m = integer(info, 4), n = integer(info, 5), k = integer(info, 6);
  const bool transposeA = info[7].ToBoolean(), transposeB = info[8].ToBoolean();
  const int64_t biasOffset = integer(info, 9), biasSize = integer(info, 10), activation = integer(info, 11);
  const int64_t preluOffset = integer(info, 12), preluSize = integer(info, 13);
  const float alpha = info[14].As<Napi::Number>().FloatValue();

  const int64_t floats = static_cast<int64_t>(heapBuffer.ByteLength() / sizeof(float));
  const int64_t batch = static_cast<int64_t>(aOffsets.ElementLength());
  if (static_cast<int64_t>(bOffsets.ElementLength()) != batch) return fail(env, "aOffsets and bOffsets differ in length");
  if (m < 0 || n < 0 || k < 0) return fail(env, "negative matrix size");
  if (activation < 0 || activation > 6) return fail(env, "unknown activation");
  auto inHeap = [floats](int64_t offset, int64_t size) { return offset >= 0 && size >= 0 && offset + size <= floats; };
  const uint32_t* aStarts = aOffsets.Data();
  const uint32_t* bStarts = bOffsets.Data();
  for (int64_t i = 0; i < batch; i++) {
    if (!inHeap(aStarts[i], m * k) || !inHeap(bStarts[i], k * n)) return fail(env, "operand outside the heap");
  }
  if (!inHeap(cOffset, batch * m * n)) return fail(env, "output outside the heap");

  float* heap = static_cast<float*>(heapBuffer.Data());
  tfmc::Epilogue epilogue;
  epilogue.activation = static_cast<tfmc::Activation>(activation);
  if (biasOffset >= 0) {
    if (biasSize <= 0 || !inHeap(biasOffset, biasSize)) return fail(env, "bias outside the heap");
    epilogue.bias = heap + biasOffset;
    epilogue.biasSize = biasSize;
  }
  if (epilogue.activation == tfmc::Activation::Prelu) {
    if (preluOffset < 0 || preluSize <= 0 || !inHeap(preluOffset, preluSize)) return fail(env, "prelu weights outside the heap");
    epilogue.prelu = heap + preluOffset;
    epilogue.preluSize = preluSize;
  }
  epilogue.alpha = alpha;
  tfmc::batchedGemm(heap, aStarts, bStarts, heap + cOffset, batch, m, n, k, transposeA, transposeB, epilogue);
  return env.Undefined();
}

// The heap (info[0]) and checked ranges of it: offsets count floats from its start, and a range
// outside it is an exception, never a stray read or write.
class Heap {
 public:
  explicit Heap(const Napi::CallbackInfo& info) : info_(info) {
    if (info.Length() >= 1 && info[0].IsArrayBuffer()) {
      Napi::ArrayBuffer buffer = info[0].As<Napi::ArrayBuffer>();
      data_ = static_cast<float*>(buffer.Data());
      floats_ = static_cast<int64_t>(buffer.ByteLength() / sizeof(float));
    }
  }
  bool ok() const { return data_ != nullptr; }
  int64_t integer(size_t i) const { return info_[i].As<Napi::Number>().Int64Value(); }
  double number(size_t i) const { return info_[i].As<Napi::Number>().DoubleValue(); }
  // The `size` floats at the offset in argument i; null (and `bad` set) when outside the heap.
  float* at(size_t i, int64_t size) {
    const int64_t offset = integer(i);
    if (offset < 0 || size < 0 || offset + size > floats_) {
      bad_ = true;
      return nullptr;
    }
    return data_ + offset;
  }
  // As `at`, but a negative offset means "none" (null, not an error).
  float* optional(size_t i, int64_t size) { return integer(i) < 0 ? nullptr : at(i, size); }
  bool bad() const { return bad_; }

 private:
  const Napi::CallbackInfo& info_;
  float* data_ = nullptr;
  int64_t floats_ = 0;
  bool bad_ = false;
};

// Every entry point below: (heap, ...numbers); `arity` numbers after the heap.
bool wellFormed(const Napi::CallbackInfo& info, size_t arity) {
  if (info.Length() != arity + 1 || !info[0].IsArrayBuffer()) return false;
  for (size_t i = 1; i <= arity; i++)
    if (!info[i].IsNumber() && !info[i].IsTypedArray()) return false;
  return true;
}

bool counts(std::initializer_list<int64_t> sizes) {
  for (int64_t s : sizes)
    if (s < 0) return false;
  return true;
}

// binary(heap, op, aOffset, bOffset, outOffset, layout: Int32Array [shape…, aStrides…, bStrides…])
Napi::Value Binary(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  if (!wellFormed(info, 5) || !info[5].IsTypedArray()) return fail(env, "binary(heap, op, a, b, out, layout)");
  Heap heap(info);
  const int64_t op = heap.integer(1);
  Napi::Int32Array layout = info[5].As<Napi::Int32Array>();
  const size_t length = layout.ElementLength();
  if (op < 0 || op > 3 || length % 3 != 0 || length > 3 * 16) return fail(env, "binary: bad op or layout");
  const int rank = static_cast<int>(length / 3);
  std::vector<int64_t> shape(rank), as(rank), bs(rank);
  int64_t total = 1, aReach = 1, bReach = 1;  // floats each operand spans
  for (int k = 0; k < rank; k++) {
    shape[k] = layout[k];
    as[k] = layout[rank + k];
    bs[k] = layout[2 * rank + k];
    if (shape[k] < 0 || as[k] < 0 || bs[k] < 0) return fail(env, "binary: negative size or stride");
    total *= shape[k];
    if (shape[k] > 0) {
      aReach += (shape[k] - 1) * as[k];
      bReach += (shape[k] - 1) * bs[k];
    }
  }
  if (total == 0) return env.Undefined();
  const float* a = heap.at(2, aReach);
  const float* b = heap.at(3, bReach);
  float* out = heap.at(4, total);
  if (heap.bad()) return fail(env, "binary: operand outside the heap");
  tfmc::binary(static_cast<tfmc::BinaryOp>(op), a, b, out, rank, shape.data(), as.data(), bs.data());
  return env.Undefined();
}

// unary(heap, op, xOffset, outOffset, n)
Napi::Value Unary(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  if (!wellFormed(info, 4)) return fail(env, "unary(heap, op, x, out, n)");
  Heap heap(info);
  const int64_t op = heap.integer(1), n = heap.integer(4);
  if (op < 0 || op > 7 || n < 0) return fail(env, "unary: bad op or size");
  const float* x = heap.at(2, n);
  float* out = heap.at(3, n);
  if (heap.bad()) return fail(env, "unary: operand outside the heap");
  tfmc::unary(static_cast<tfmc::UnaryOp>(op), x, out, n);
  return env.Undefined();
}

// reduceSum(heap, xOffset, outOffset, outer, reduce, inner, scale)
Napi::Value ReduceSum(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  if (!wellFormed(info, 6)) return fail(env, "reduceSum(heap, x, out, outer, reduce, inner, scale)");
  Heap heap(info);
  const int64_t outer = heap.integer(3), reduce = heap.integer(4), inner = heap.integer(5);
  if (!counts({outer, reduce, inner})) return fail(env, "reduceSum: negative size");
  const float* x = heap.at(1, outer * reduce * inner);
  float* out = heap.at(2, outer * inner);
  if (heap.bad()) return fail(env, "reduceSum: operand outside the heap");
  tfmc::reduceSum(x, out, outer, reduce, inner, heap.number(6));
  return env.Undefined();
}

// softmax(heap, xOffset, yOffset, rows, n)
Napi::Value Softmax(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  if (!wellFormed(info, 4)) return fail(env, "softmax(heap, x, y, rows, n)");
  Heap heap(info);
  const int64_t rows = heap.integer(3), n = heap.integer(4);
  if (!counts({rows, n})) return fail(env, "softmax: negative size");
  if (rows == 0 || n == 0) return env.Undefined();
  const float* x = heap.at(1, rows * n);
  float* y = heap.at(2, rows * n);
  if (heap.bad()) return fail(env, "softmax: operand outside the heap");
  tfmc::softmax(x, y, rows, n);
  return env.Undefined();
}

// softmaxGrad(heap, yOffset, dyOffset, dxOffset, rows, n)
Napi::Value SoftmaxGrad(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  if (!wellFormed(info, 5)) return fail(env, "softmaxGrad(heap, y, dy, dx, rows, n)");
  Heap heap(info);
  const int64_t rows = heap.integer(4), n = heap.integer(5);
  if (!counts({rows, n})) return fail(env, "softmaxGrad: negative size");
  if (rows == 0 || n == 0) return env.Undefined();
  const float* y = heap.at(1, rows * n);
  const float* dy = heap.at(2, rows * n);
  float* dx = heap.at(3, rows * n);
  if (heap.bad()) return fail(env, "softmaxGrad: operand outside the heap");
  tfmc::softmaxGrad(y, dy, dx, rows, n);
  return env.Undefined();
}

// crossEntropy(heap, xOffset, targetsOffset, lossOffset, rows, n, eps, ignore)
Napi::Value CrossEntropy(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  if (!wellFormed(info, 7)) return fail(env, "crossEntropy(heap, x, targets, loss, rows, n, eps, ignore)");
  Heap heap(info);
  const int64_t rows = heap.integer(4), n = heap.integer(5);
  if (!counts({rows, n}) || (rows > 0 && n == 0)) return fail(env, "crossEntropy: bad size");
  if (rows == 0) return env.Undefined();
  const float* x = heap.at(1, rows * n);
  const float* targets = heap.at(2, rows);
  float* loss = heap.at(3, rows);
  if (heap.bad()) return fail(env, "crossEntropy: operand outside the heap");
  tfmc::crossEntropy(x, targets, loss, rows, n, static_cast<float>(heap.number(6)), static_cast<float>(heap.number(7)));
  return env.Undefined();
}

// greedyPick(heap, xOffset, outOffset, rows, n): per row, the arg-max and its log-probability
Napi::Value GreedyPick(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  if (!wellFormed(info, 4)) return fail(env, "greedyPick(heap, x, out, rows, n)");
  Heap heap(info);
  const int64_t rows = heap.integer(3), n = heap.integer(4);
  if (!counts({rows, n}) || (rows > 0 && n == 0) || n > (int64_t(1) << 24)) return fail(env, "greedyPick: bad size");
  if (rows == 0) return env.Undefined();
  const float* x = heap.at(1, rows * n);
  float* out = heap.at(2, rows * 2);
  if (heap.bad()) return fail(env, "greedyPick: operand outside the heap");
  tfmc::greedyPick(x, out, rows, n);
  return env.Undefined();
}

// crossEntropyGrad(heap, xOffset, targetsOffset, dyOffset, dxOffset, rows, n, eps, ignore)
Napi::Value CrossEntropyGrad(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  if (!wellFormed(info, 8)) return fail(env, "crossEntropyGrad(heap, x, targets, dy, dx, rows, n, eps, ignore)");
  Heap heap(info);
  const int64_t rows = heap.integer(5), n = heap.integer(6);
  if (!counts({rows, n}) || (rows > 0 && n == 0)) return fail(env, "crossEntropyGrad: bad size");
  if (rows == 0) return env.Undefined();
  const float* x = heap.at(1, rows * n);
  const float* targets = heap.at(2, rows);
  const float* dy = heap.at(3, rows);
  float* dx = heap.at(4, rows * n);
  if (heap.bad()) return fail(env, "crossEntropyGrad: operand outside the heap");
  tfmc::crossEntropyGrad(x, targets, dy, dx, rows, n, static_cast<float>(heap.number(7)), static_cast<float>(heap.number(8)));
  return env.Undefined();
}

// norm(heap, centre, xOffset, wOffset, bOffset | -1, yOffset, rows, n, eps): layer norm (centre 1) or RMS norm (0, no bias)
Napi::Value Norm(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  if (!wellFormed(info, 8)) return fail(env, "norm(heap, centre, x, w, b, y, rows, n, eps)");
  Heap heap(info);
  const bool centre = heap.integer(1) != 0;
  const int64_t rows = heap.integer(6), n = heap.integer(7);
  if (!counts({rows, n})) return fail(env, "norm: negative size");
  if (rows == 0 || n == 0) return env.Undefined();
  const float* x = heap.at(2, rows * n);
  const float* w = heap.at(3, n);
  const float* b = heap.optional(4, n);
  float* y = heap.at(5, rows * n);
  if (heap.bad()) return fail(env, "norm: operand outside the heap");
  const float eps = static_cast<float>(heap.number(8));
  if (centre) tfmc::layerNorm(x, w, b, y, rows, n, eps);
  else tfmc::rmsNorm(x, w, y, rows, n, eps);
  return env.Undefined();
}

// normGrad(heap, centre, xOffset, wOffset, dyOffset, dxOffset, dwOffset, dbOffset | -1, rows, n, eps)
Napi::Value NormGrad(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  if (!wellFormed(info, 10)) return fail(env, "normGrad(heap, centre, x, w, dy, dx, dw, db, rows, n, eps)");
  Heap heap(info);
  const bool centre = heap.integer(1) != 0;
  const int64_t rows = heap.integer(8), n = heap.integer(9);
  if (!counts({rows, n})) return fail(env, "normGrad: negative size");
  if (n == 0) return env.Undefined();
  const float* x = heap.at(2, rows * n);
  const float* w = heap.at(3, n);
  const float* dy = heap.at(4, rows * n);
  float* dx = heap.at(5, rows * n);
  float* dw = heap.at(6, n);
  float* db = heap.optional(7, n);
  if (heap.bad()) return fail(env, "normGrad: operand outside the heap");
  const float eps = static_cast<float>(heap.number(10));
  if (centre) tfmc::layerNormGrad(x, w, dy, dx, dw, db, rows, n, eps);
  else tfmc::rmsNormGrad(x, w, dy, dx, dw, rows, n, eps);
  return env.Undefined();
}

// activation(heap, f, xOffset, yOffset, n)
Napi::Value Activation(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  if (!wellFormed(info, 4)) return fail(env, "activation(heap, f, x, y, n)");
  Heap heap(info);
  const int64_t f = heap.integer(1), n = heap.integer(4);
  if (f < 0 || f > 2 || n < 0) return fail(env, "activation: bad function or size");
  const float* x = heap.at(2, n);
  float* y = heap.at(3, n);
  if (heap.bad()) return fail(env, "activation: operand outside the heap");
  tfmc::activation(static_cast<tfmc::Nonlinearity>(f), x, y, n);
  return env.Undefined();
}

// activationGrad(heap, f, xOffset, dyOffset, dxOffset, n)
Napi::Value ActivationGrad(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  if (!wellFormed(info, 5)) return fail(env, "activationGrad(heap, f, x, dy, dx, n)");
  Heap heap(info);
  const int64_t f = heap.integer(1), n = heap.integer(5);
  if (f < 0 || f > 2 || n < 0) return fail(env, "activationGrad: bad function or size");
  const float* x = heap.at(2, n);
  const float* dy = heap.at(3, n);
  float* dx = heap.at(4, n);
  if (heap.bad()) return fail(env, "activationGrad: operand outside the heap");
  tfmc::activationGrad(static_cast<tfmc::Nonlinearity>(f), x, dy, dx, n);
  return env.Undefined();
}

// adam(heap, w, g, m, v, w1, m1, v1, n, b1, c1, b2, c2, bc2, eps, size, decay, scale)
Napi::Value Adam(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  if (!wellFormed(info, 17)) return fail(env, "adam(heap, w, g, m, v, w1, m1, v1, n, b1, c1, b2, c2, bc2, eps, size, decay, scale)");
  Heap heap(info);
  const int64_t n = heap.integer(8);
  if (n < 0) return fail(env, "adam: negative size");
  float* p[7];
  for (size_t i = 0; i < 7; i++) p[i] = heap.at(i + 1, n);
  if (heap.bad()) return fail(env, "adam: operand outside the heap");
  auto f = [&](size_t i) { return static_cast<float>(heap.number(i)); };
  const tfmc::AdamStep step{f(9), f(10), f(11), f(12), f(13), f(14), f(15), f(16), f(17)};
  tfmc::adam(p[0], p[1], p[2], p[3], p[4], p[5], p[6], n, step);
  return env.Undefined();
}

// decodeAttention(heap, q, kNew, vNew, kCache, vCache, out, items, depth, capacity, length, scaleOp, scale)
Napi::Value DecodeAttentionStep(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  if (!wellFormed(info, 12)) return fail(env, "decodeAttention(heap, q, kNew, vNew, kCache, vCache, out, items, depth, capacity, length, scaleOp, scale)");
  Heap heap(info);
  tfmc::DecodeAttention a{heap.integer(7), heap.integer(8), heap.integer(9), heap.integer(10), static_cast<int>(heap.integer(11)), static_cast<float>(heap.number(12))};
  if (!counts({a.items, a.depth, a.capacity, a.length}) || a.length >= a.capacity || a.scaleOp < 0 || a.scaleOp > 2) return fail(env, "decodeAttention: bad sizes");
  if (a.items == 0 || a.depth == 0) return env.Undefined();
  const int64_t rows = a.items * a.depth, cache = a.items * a.depth * a.capacity;
  const float* q = heap.at(1, rows);
  const float* kNew = heap.at(2, rows);
  const float* vNew = heap.at(3, rows);
  float* kCache = heap.at(4, cache);
  float* vCache = heap.at(5, cache);
  float* out = heap.at(6, rows);
  if (heap.bad()) return fail(env, "decodeAttention: operand outside the heap");
  tfmc::decodeAttention(a, q, kNew, vNew, kCache, vCache, out);
  return env.Undefined();
}

// attention(heap, q, k, v, out, batch, tq, tk, heads, dk, scale, divide, bias | -1, biasBatch, biasRows, rows | -1, rowsBatch, rowsRows)
Napi::Value Attention(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  if (!wellFormed(info, 17)) return fail(env, "attention(heap, q, k, v, out, batch, tq, tk, heads, dk, scale, divide, bias, biasBatch, biasRows, rows, rowsBatch, rowsRows)");
  Heap heap(info);
  const tfmc::AttentionShape s{heap.integer(5), heap.integer(6), heap.integer(7), heap.integer(8), heap.integer(9)};
  tfmc::AttentionMask mask;
  mask.biasBatch = heap.integer(13);
  mask.biasRows = heap.integer(14);
  mask.rowsBatch = heap.integer(16);
  mask.rowsRows = heap.integer(17);
  auto broadcasts = [](int64_t n, int64_t full) { return n == 1 || n == full; };
  if (!counts({s.batch, s.tq, s.tk, s.heads, s.dk}) || !broadcasts(mask.biasBatch, s.batch) || !broadcasts(mask.biasRows, s.tq) ||
      !broadcasts(mask.rowsBatch, s.batch) || !broadcasts(mask.rowsRows, s.tq)) {
    return fail(env, "attention: bad size");
  }
  const int64_t width = s.heads * s.dk;
  const float* q = heap.at(1, s.batch * s.tq * width);
  const float* k = heap.at(2, s.batch * s.tk * width);
  const float* v = heap.at(3, s.batch * s.tk * width);
  float* out = heap.at(4, s.batch * s.tq * width);
  mask.bias = heap.optional(12, mask.biasBatch * mask.biasRows * s.tk);
  mask.rows = heap.optional(15, mask.rowsBatch * mask.rowsRows);
  if (heap.bad()) return fail(env, "attention: operand outside the heap");
  tfmc::attention(q, k, v, out, s, static_cast<float>(heap.number(10)), heap.integer(11) != 0, mask);
  return env.Undefined();
}

// gatherRows(heap, x, rows, rowSize, indices (int32), count, out) → false when an index is out of range
Napi::Value GatherRows(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  if (!wellFormed(info, 6)) return fail(env, "gatherRows(heap, x, rows, rowSize, indices, count, out)");
  Heap heap(info);
  const int64_t rows = heap.integer(2), rowSize = heap.integer(3), count = heap.integer(5);
  if (!counts({rows, rowSize, count})) return fail(env, "gatherRows: negative size");
  const float* x = heap.at(1, rows * rowSize);
  const float* indices = heap.at(4, count);  // int32s, 4 bytes each like the floats
  float* out = heap.at(6, count * rowSize);
  if (heap.bad()) return fail(env, "gatherRows: operand outside the heap");
  return Napi::Boolean::New(env, tfmc::gatherRows(x, rows, rowSize, reinterpret_cast<const int32_t*>(indices), count, out));
}

Napi::Value PoolThreads(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), tfmc::poolThreads()); }

Napi::Value SetPoolThreads(const Napi::CallbackInfo& info) {
  if (info.Length() == 1 && info[0].IsNumber()) tfmc::setPoolThreads(info[0].As<Napi::Number>().Int32Value());
  return info.Env().Undefined();
}

Napi::Value PoolSpin(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), tfmc::poolSpinMicros()); }

Napi::Value SetPoolSpin(const Napi::CallbackInfo& info) {
  if (info.Length() == 1 && info[0].IsNumber()) tfmc::setPoolSpinMicros(info[0].As<Napi::Number>().Int32Value());
  return info.Env().Undefined();
}

Napi::Value Threads(const Napi::CallbackInfo& info) {
#ifdef OPENBLAS_VERSION
  return Napi::Number::New(info.Env(), openblas_get_num_threads());
#else
  return Napi::Number::New(info.Env(), 0);  // unknown: the BLAS decides
#endif
}

Napi::Value SetThreads(const Napi::CallbackInfo& info) {
#ifdef OPENBLAS_VERSION
  if (info.Length() == 1 && info[0].IsNumber()) openblas_set_num_threads(info[0].As<Napi::Number>().Int32Value());
#endif
  return info.Env().Undefined();
}

Napi::Value Blas(const Napi::CallbackInfo& info) {
#ifdef OPENBLAS_VERSION
  return Napi::String::New(info.Env(), openblas_get_config());  // "OpenBLAS 0.3.21 ... MAX_THREADS=64"
#else
  return Napi::String::New(info.Env(), TFMC_BLAS);
#endif
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("gemm", Napi::Function::New(env, Gemm));
  exports.Set("threads", Napi::Function::New(env, Threads));
  exports.Set("setThreads", Napi::Function::New(env, SetThreads));
  exports.Set("blas", Napi::Function::New(env, Blas));
  exports.Set("binary", Napi::Function::New(env, Binary));
  exports.Set("unary", Napi::Function::New(env, Unary));
  exports.Set("reduceSum", Napi::Function::New(env, ReduceSum));
  exports.Set("softmax", Napi::Function::New(env, Softmax));
  exports.Set("softmaxGrad", Napi::Function::New(env, SoftmaxGrad));
  exports.Set("crossEntropy", Napi::Function::New(env, CrossEntropy));
  exports.Set("greedyPick", Napi::Function::New(env, GreedyPick));
  exports.Set("crossEntropyGrad", Napi::Function::New(env, CrossEntropyGrad));
  exports.Set("norm", Napi::Function::New(env, Norm));
  exports.Set("normGrad", Napi::Function::New(env, NormGrad));
  exports.Set("activation", Napi::Function::New(env, Activation));
  exports.Set("activationGrad", Napi::Function::New(env, ActivationGrad));
  exports.Set("adam", Napi::Function::New(env, Adam));
  exports.Set("decodeAttention", Napi::Function::New(env, DecodeAttentionStep));
  exports.Set("attention", Napi::Function::New(env, Attention));
  exports.Set("gatherRows", Napi::Function::New(env, GatherRows));
  exports.Set("poolThreads", Napi::Function::New(env, PoolThreads));
  exports.Set("setPoolThreads", Napi::Function::New(env, SetPoolThreads));
  exports.Set("poolSpin", Napi::Function::New(env, PoolSpin));
  exports.Set("setPoolSpin", Napi::Function::New(env, SetPoolSpin));
  return exports;
}

}  // namespace

NODE_API_MODULE(tfmc_native, Init)
