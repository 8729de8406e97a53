#include "gather.h"

#include <algorithm>
#include <cstring>

#include "pool.h"

namespace tfmc {

bool gatherRows(const float* x, int64_t rows, int64_t rowSize, const int32_t* indices, int64_t count, float* out) {
  for (int64_t i = 0; i < count; i++)
    if (indices[i] < 0 || indices[i] >= rows) return false;
  parallelFor(count, std::max<int64_t>(1, 64 * 1024 / std::max<int64_t>(rowSize, 1)), [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; i++) std::memcpy(out + i * rowSize, x + indices[i] * rowSize, rowSize * sizeof(float));
  });
  return true;
}

}  // namespace tfmc
