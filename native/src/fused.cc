#include "fused.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "pool.h"
#include "vmath.h"

namespace tfmc {
namespace {

constexpr int64_t kGrain = 32 * 1024;  // elements per thread below which a kernel stays on one thread

// Rows per thread so that each part has about kGrain elements.
int64_t rowGrain(int64_t n) { return std::max<int64_t>(1, kGrain / std::max<int64_t>(n, 1)); }

// Σ x[i]·y[i] (y null: Σ x[i]) in double, 4 interleaved partial sums.
TFMC_SIMD double dot(const float* x, const float* y, int64_t n) {
  double acc[4] = {0, 0, 0, 0};
  int64_t i = 0;
  if (y) {
    for (; i + 4 <= n; i += 4)
      for (int l = 0; l < 4; l++) acc[l] += static_cast<double>(x[i + l]) * y[i + l];
    for (; i < n; i++) acc[0] += static_cast<double>(x[i]) * y[i];
  } else {
    for (; i + 4 <= n; i += 4)
      for (int l = 0; l < 4; l++) acc[l] += x[i + l];
    for (; i < n; i++) acc[0] += x[i];
  }
  return (acc[0] + acc[1]) + (acc[2] + acc[3]);
}

// Σ (x[i] − c)² in double.
TFMC_SIMD double centredSquares(const float* x, float c, int64_t n) {
  double acc[4] = {0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 4 <= n; i += 4)
    for (int l = 0; l < 4; l++) {
      const double d = x[i + l] - c;
      acc[l] += d * d;
    }
  for (; i < n; i++) {
    const double d = x[i] - c;
    acc[0] += d * d;
  }
  return (acc[0] + acc[1]) + (acc[2] + acc[3]);
}

TFMC_SIMD void softmaxRow(const float* x, float* y, int64_t n) {
  float m = x[0];
  for (int64_t i = 1; i < n; i++) m = std::max(m, x[i]);
  for (int64_t i = 0; i < n; i++) y[i] = fastExp(x[i] - m);
  const float inv = static_cast<float>(1.0 / dot(y, nullptr, n));
  for (int64_t i = 0; i < n; i++) y[i] *= inv;
}

TFMC_SIMD void softmaxGradRow(const float* y, const float* dy, float* dx, int64_t n) {
  const float s = static_cast<float>(dot(dy, y, n));
  for (int64_t i = 0; i < n; i++) dx[i] = y[i] * (dy[i] - s);
}

TFMC_SIMD void affineRow(const float* x, float mean, float rstd, const float* w, const float* b, float* y, int64_t n) {
  if (b) {
    for (int64_t i = 0; i < n; i++) y[i] = (x[i] - mean) * rstd * w[i] + b[i];
  } else {
    for (int64_t i = 0; i < n; i++) y[i] = (x[i] - mean) * rstd * w[i];
  }
}

// Per row: mean and 1/sqrt(var + eps) (layer norm), or 0 and 1/sqrt(mean(x²) + eps) (RMS norm).
void rowStats(const float* x, int64_t rows, int64_t n, float eps, bool centre, std::vector<float>& mean, std::vector<float>& rstd) {
  mean.assign(rows, 0.0f);
  rstd.assign(rows, 0.0f);
  parallelFor(rows, rowGrain(n), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; r++) {
      const float* row = x + r * n;
      const float m = centre ? static_cast<float>(dot(row, nullptr, n) / n) : 0.0f;
      const float var = static_cast<float>(centredSquares(row, m, n) / n);
      mean[r] = m;
      rstd[r] = 1.0f / std::sqrt(var + eps);
    }
  });
}

// dx for a row of a norm: rstd · (g − mean(g)·centre − x̂·mean(g·x̂)), g = dy·w, x̂ = (x − mean)·rstd.
TFMC_SIMD void normGradRow(const float* x, const float* w, const float* dy, float* dx, float mean, float rstd, int64_t n, bool centre) {
  double sg[4] = {0, 0, 0, 0}, sgx[4] = {0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 4 <= n; i += 4)
    for (int l = 0; l < 4; l++) {
      const float g = dy[i + l] * w[i + l];
      sg[l] += g;
      sgx[l] += static_cast<double>(g) * ((x[i + l] - mean) * rstd);
    }
  for (; i < n; i++) {
    const float g = dy[i] * w[i];
    sg[0] += g;
    sgx[0] += static_cast<double>(g) * ((x[i] - mean) * rstd);
  }
  const float meanG = centre ? static_cast<float>(((sg[0] + sg[1]) + (sg[2] + sg[3])) / n) : 0.0f;
  const float meanGx = static_cast<float>(((sgx[0] + sgx[1]) + (sgx[2] + sgx[3])) / n);
  for (i = 0; i < n; i++) dx[i] = rstd * (dy[i] * w[i] - meanG - (x[i] - mean) * rstd * meanGx);
}

// dw[j] = Σ_r dy[r, j]·x̂[r, j] and db[j] = Σ_r dy[r, j] for j in [j0, j1), rows in order.
TFMC_SIMD void normParamGrads(const float* x, const float* dy, const float* mean, const float* rstd, float* dw, float* db, int64_t rows,
                              int64_t n, int64_t j0, int64_t j1) {
  constexpr int64_t kBlock = 256;
  double aw[kBlock], ab[kBlock];
  for (int64_t c0 = j0; c0 < j1; c0 += kBlock) {
    const int64_t width = std::min(kBlock, j1 - c0);
    for (int64_t j = 0; j < width; j++) aw[j] = ab[j] = 0;
    for (int64_t r = 0; r < rows; r++) {
      const float* xr = x + r * n + c0;
      const float* dr = dy + r * n + c0;
      const float m = mean[r], s = rstd[r];
      for (int64_t j = 0; j < width; j++) {
        aw[j] += static_cast<double>(dr[j]) * ((xr[j] - m) * s);
        ab[j] += dr[j];
      }
    }
    for (int64_t j = 0; j < width; j++) {
      dw[c0 + j] = static_cast<float>(aw[j]);
      if (db) db[c0 + j] = static_cast<float>(ab[j]);
    }
  }
}

void normGrad(const float* x, const float* w, const float* dy, float* dx, float* dw, float* db, int64_t rows, int64_t n, float eps, bool centre) {
  std::vector<float> mean, rstd;
  rowStats(x, rows, n, eps, centre, mean, rstd);
  parallelFor(rows, rowGrain(n), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; r++) normGradRow(x + r * n, w, dy + r * n, dx + r * n, mean[r], rstd[r], n, centre);
  });
  parallelFor(n, std::max<int64_t>(1, kGrain / std::max<int64_t>(rows, 1)),
              [&](int64_t begin, int64_t end) { normParamGrads(x, dy, mean.data(), rstd.data(), dw, db, rows, n, begin, end); });
}

// The tanh GELU as the runtime writes it: x·σ(v), v = K·(x + C·x³), K = 2·sqrt(2/π).
constexpr float kGeluK = 1.5957691216057308f;
constexpr float kGeluC = 0.044715f;

TFMC_SIMD_WIDE void activationRun(Nonlinearity f, const float* x, float* y, int64_t n) {
  switch (f) {
    case Nonlinearity::GeluTanh:
      for (int64_t i = 0; i < n; i++) {
        const float t = x[i];
        y[i] = t * sigmoid(t * (kGeluK + kGeluK * kGeluC * t * t));
      }
      return;
    case Nonlinearity::Gelu:
      for (int64_t i = 0; i < n; i++) y[i] = x[i] * 0.5f * (1.0f + std::erf(x[i] * 0.70710678118654752f));
      return;
    case Nonlinearity::Silu:
      for (int64_t i = 0; i < n; i++) y[i] = x[i] * sigmoid(x[i]);
      return;
  }
}

TFMC_SIMD_WIDE void activationGradRun(Nonlinearity f, const float* x, const float* dy, float* dx, int64_t n) {
  switch (f) {
    case Nonlinearity::GeluTanh:
      for (int64_t i = 0; i < n; i++) {
        const float t = x[i], t2 = t * t;
        const float s = sigmoid(t * (kGeluK + kGeluK * kGeluC * t2));
        const float xDv = t * (kGeluK + 3.0f * kGeluK * kGeluC * t2);
        dx[i] = dy[i] * (s + s * (1.0f - s) * xDv);
      }
      return;
    case Nonlinearity::Gelu:
      for (int64_t i = 0; i < n; i++) {
        const float t = x[i];
        const float cdf = 0.5f * (1.0f + std::erf(t * 0.70710678118654752f));
        const float pdf = fastExp(-0.5f * t * t) * 0.3989422804014327f;
        dx[i] = dy[i] * (cdf + t * pdf);
      }
      return;
    case Nonlinearity::Silu:
      for (int64_t i = 0; i < n; i++) {
        const float s = sigmoid(x[i]);
        dx[i] = dy[i] * (s + x[i] * s * (1.0f - s));
      }
      return;
  }
}

TFMC_SIMD void adamRun(const float* w, const float* g, const float* m, const float* v, float* w1, float* m1, float* v1, int64_t n, AdamStep s) {
  for (int64_t i = 0; i < n; i++) {
    const float gs = g[i] * s.scale;
    const float mi = m[i] * s.b1 + gs * s.c1;
    const float vi = v[i] * s.b2 + gs * gs * s.c2;
    m1[i] = mi;
    v1[i] = vi;
    w1[i] = w[i] * s.decay + mi / (std::sqrt(vi) * s.bc2 + s.eps) * s.size;
  }
}

}  // namespace

void adam(const float* w, const float* g, const float* m, const float* v, float* w1, float* m1, float* v1, int64_t n, const AdamStep& s) {
  parallelFor(n, kGrain, [&](int64_t b, int64_t e) { adamRun(w + b, g + b, m + b, v + b, w1 + b, m1 + b, v1 + b, e - b, s); });
}

void softmax(const float* x, float* y, int64_t rows, int64_t n) {
  parallelFor(rows, rowGrain(n), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; r++) softmaxRow(x + r * n, y + r * n, n);
  });
}

void softmaxGrad(const float* y, const float* dy, float* dx, int64_t rows, int64_t n) {
  parallelFor(rows, rowGrain(n), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; r++) softmaxGradRow(y + r * n, dy + r * n, dx + r * n, n);
  });
}

// The target of a row as an index, or -1 when the row is ignored; `outside` when it is no index of the row.
struct RowTarget {
  bool ignored;
  int64_t index;  // -1 when outside [0, n)
};
RowTarget rowTarget(float t, int64_t n, float ignore) {
  if (t == ignore) return {true, -1};
  const int64_t i = static_cast<int64_t>(t);
  return {false, (i >= 0 && i < n && static_cast<float>(i) == t) ? i : -1};
}

// log Σ exp(x[i]) over a row, max-shifted, the sum in double.
TFMC_SIMD float logSumExp(const float* x, int64_t n) {
  float m = x[0];
  for (int64_t i = 1; i < n; i++) m = std::max(m, x[i]);
  double acc[4] = {0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 4 <= n; i += 4)
    for (int l = 0; l < 4; l++) acc[l] += fastExp(x[i + l] - m);
  for (; i < n; i++) acc[0] += fastExp(x[i] - m);
  return m + static_cast<float>(std::log((acc[0] + acc[1]) + (acc[2] + acc[3])));
}

void crossEntropy(const float* x, const float* targets, float* loss, int64_t rows, int64_t n, float eps, float ignore) {
  parallelFor(rows, rowGrain(n), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; r++) {
      const RowTarget t = rowTarget(targets[r], n, ignore);
      if (t.ignored) {
        loss[r] = 0.0f;
        continue;
      }
      const float* row = x + r * n;
      const float lse = logSumExp(row, n);
      const double picked = t.index >= 0 ? lse - row[t.index] : 0.0;
      const double smooth = eps > 0 ? lse - dot(row, nullptr, n) / n : 0.0;
      loss[r] = static_cast<float>((1.0 - eps) * picked + eps * smooth);
    }
  });
}

void greedyPick(const float* x, float* out, int64_t rows, int64_t n) {
  parallelFor(rows, rowGrain(n), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; r++) {
      const float* row = x + r * n;
      int64_t best = 0;
      for (int64_t i = 1; i < n; i++)
        if (row[i] > row[best]) best = i;
      // As the cross-entropy of that token: the same log-sum-exp, the same rounding.
      const double loss = static_cast<double>(logSumExp(row, n)) - row[best];
      out[2 * r] = static_cast<float>(best);
      out[2 * r + 1] = -static_cast<float>(loss);
    }
  });
}

void crossEntropyGrad(const float* x, const float* targets, const float* dy, float* dx, int64_t rows, int64_t n, float eps, float ignore) {
  parallelFor(rows, rowGrain(n), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; r++) {
      const RowTarget t = rowTarget(targets[r], n, ignore);
      float* out = dx + r * n;
      if (t.ignored) {
        std::fill(out, out + n, 0.0f);
        continue;
      }
      const float* row = x + r * n;
      const float lse = logSumExp(row, n);
      const float g = dy[r];
      const float uniform = eps / static_cast<float>(n);
      for (int64_t i = 0; i < n; i++) out[i] = g * (fastExp(row[i] - lse) - uniform);
      if (t.index >= 0) out[t.index] -= g * (1.0f - eps);
    }
  });
}

void layerNorm(const float* x, const float* w, const float* b, float* y, int64_t rows, int64_t n, float eps) {
  parallelFor(rows, rowGrain(n), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; r++) {
      const float* row = x + r * n;
      const float mean = static_cast<float>(dot(row, nullptr, n) / n);
      const float var = static_cast<float>(centredSquares(row, mean, n) / n);
      affineRow(row, mean, 1.0f / std::sqrt(var + eps), w, b, y + r * n, n);
    }
  });
}

void layerNormGrad(const float* x, const float* w, const float* dy, float* dx, float* dw, float* db, int64_t rows, int64_t n, float eps) {
  normGrad(x, w, dy, dx, dw, db, rows, n, eps, true);
}

void rmsNorm(const float* x, const float* w, float* y, int64_t rows, int64_t n, float eps) {
  parallelFor(rows, rowGrain(n), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; r++) {
      const float* row = x + r * n;
      affineRow(row, 0.0f, 1.0f / std::sqrt(static_cast<float>(dot(row, row, n) / n) + eps), w, nullptr, y + r * n, n);
    }
  });
}

void rmsNormGrad(const float* x, const float* w, const float* dy, float* dx, float* dw, int64_t rows, int64_t n, float eps) {
  normGrad(x, w, dy, dx, dw, nullptr, rows, n, eps, false);
}

void activation(Nonlinearity f, const float* x, float* y, int64_t n) {
  parallelFor(n, kGrain, [&](int64_t begin, int64_t end) { activationRun(f, x + begin, y + begin, end - begin); });
}

void activationGrad(Nonlinearity f, const float* x, const float* dy, float* dx, int64_t n) {
  parallelFor(n, kGrain, [&](int64_t begin, int64_t end) { activationGradRun(f, x + begin, dy + begin, dx + begin, end - begin); });
}

}  // namespace tfmc
