// Row gathers (an embedding lookup: tfjs's GatherV2 along axis 0) on the thread pool.
#pragma once
#include <cstdint>

namespace tfmc {

// out[i] = x[indices[i]] for `count` rows of `rowSize` floats; x has `rows` rows. Returns false,
// writing nothing, when an index is outside [0, rows).
bool gatherRows(const float* x, int64_t rows, int64_t rowSize, const int32_t* indices, int64_t count, float* out);

}  // namespace tfmc
