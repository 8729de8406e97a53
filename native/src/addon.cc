// N-API entry points of the native backend (src/backends/tfjs/native/): a batched sgemm that reads
// and writes the wasm backend's heap in place, and the BLAS thread count.
#include <napi.h>

#include <string>

#include "gemm.h"

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
  return exports;
}

}  // namespace

NODE_API_MODULE(tfmc_native, Init)
