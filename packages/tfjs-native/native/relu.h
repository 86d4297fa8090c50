// ReLU forward and backward passes as tfjs computes them, shared by the fused kernels (fused.cc,
// reduce.cc) and the element-wise ops (elementwise.cc).
#pragma once

#include <cstdint>
#include <cstring>

#include "common.h"

namespace lmreg {

/** condition ? a : b with bit masks (GCC emits a branch for the ternary; random signs mispredict, ~10x slower). */
inline float Select(bool condition, float a, float b) {
  uint32_t ia, ib;
  std::memcpy(&ia, &a, 4);
  std::memcpy(&ib, &b, 4);
  const uint32_t mask = 0u - static_cast<uint32_t>(condition);
  const uint32_t r = (ia & mask) | (ib & ~mask);
  float out;
  std::memcpy(&out, &r, 4);
  return out;
}

/** relu(v) as tfjs computes it (v < 0 ? 0 : v, NaN kept). */
inline float ReluOf(float v) { return Select(v < 0.f, 0.f, v); }

/** step(v), the factor of tfjs' relu gradient (step(NaN) = NaN). */
inline float StepOf(float v) { return Select(v != v, v, Select(v > 0.f, 1.f, 0.f)); }

// The `parallel for simd` loops here take `if (parallel: ...)`: a plain `if` clause also applies to
// the simd construct (OpenMP 5), and GCC then runs the loop unvectorized whenever it is false, i.e.
// on every pass below ParallelMin() elements (seen in the disassembly: the scalar loop is taken).

/** out = relu(x). */
inline void Relu(const float* x, float* out, int64_t n) {
#pragma omp parallel for simd schedule(static) if (parallel: n >= ParallelMin())
  for (int64_t i = 0; i < n; ++i) out[i] = ReluOf(x[i]);
}

/** dx = dr * step(x), tfjs' relu gradient. */
inline void ReluBackward(const float* dr, const float* x, float* dx, int64_t n) {
#pragma omp parallel for simd schedule(static) if (parallel: n >= ParallelMin())
  for (int64_t i = 0; i < n; ++i) dx[i] = dr[i] * StepOf(x[i]);
}

}  // namespace lmreg
