// Element-wise, reduction, copy and matmul kernels of @lmreg/tfjs-native.
//
// What a super-net training step spends its time in besides the convolutions: broadcasting
// binary ops (batch norm written with broadcasting, its gradient), unary ops (ReLU and the Step of
// its gradient), reductions over any set of axes (batch statistics, bias and scale gradients),
// AddN, strided copies (Slice / Pad of the avg-pool path) and MatMul (the classifier).
//
// The memory-bound loops are written here (plain loops over collapsed dimensions, parallel with
// OpenMP over the outer ones) because oneDNN 2.6 does not cover tfjs's semantics: its binary
// primitive broadcasts only its second input (tfjs broadcasts both ways), it has no Step and no
// AddN, and its reduction primitive accumulates in float32 with a reference implementation for
// most axis sets. MatMul uses oneDNN's matmul primitive (cached by shape).
//
// Rounding: binary and unary ops compute in float32, which for + - * / gives the same (correctly
// rounded) values as tfjs's double arithmetic rounded to float32; reductions accumulate in double,
// as tfjs's JavaScript does.
#include <napi.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common.h"
#include "relu.h"

namespace lmreg {
namespace {

constexpr int kMaxRank = 8;

/** A loop nest over `dims` (outer to inner) with one element stride per operand and dimension. */
template <int Operands>
struct Nest {
  int rank = 0;
  int64_t dims[kMaxRank];
  int64_t strides[Operands][kMaxRank];
};

/**
 * Drops size-1 dimensions and merges neighbours that every operand walks contiguously (or
 * broadcasts along together), so `[64,32,32,16] * [1,1,1,16]` becomes a 2-level nest.
 */
template <int Operands>
Nest<Operands> Collapse(const std::vector<int64_t>& dims, const std::vector<int64_t>* strides) {
  Nest<Operands> nest;
  for (size_t i = 0; i < dims.size(); ++i) {
    if (dims[i] == 1) continue;
    if (nest.rank > 0) {
      const int last = nest.rank - 1;
      bool merge = true;
      for (int o = 0; o < Operands; ++o) merge = merge && nest.strides[o][last] == strides[o][i] * dims[i];
      if (merge) {
        nest.dims[last] *= dims[i];
        for (int o = 0; o < Operands; ++o) nest.strides[o][last] = strides[o][i];
        continue;
      }
    }
    nest.dims[nest.rank] = dims[i];
    for (int o = 0; o < Operands; ++o) nest.strides[o][nest.rank] = strides[o][i];
    ++nest.rank;
  }
  if (nest.rank == 0) {
    nest.rank = 1;
    nest.dims[0] = 1;
    for (int o = 0; o < Operands; ++o) nest.strides[o][0] = 0;
  }
  return nest;
}

/**
 * Calls body(outer, offsets) for every outer index of `nest` (all dimensions but the innermost),
 * split over the OpenMP threads when `parallel`; offsets[o] is operand o's element offset.
 */
template <int Operands, typename Body>
void ForOuter(const Nest<Operands>& nest, bool parallel, Body body) {
  const int outer_rank = nest.rank - 1;
  int64_t outer = 1;
  for (int k = 0; k < outer_rank; ++k) outer *= nest.dims[k];
#pragma omp parallel if (parallel && outer > 1)
  {
    const int64_t threads = omp_get_num_threads();
    const int64_t thread = omp_get_thread_num();
    const int64_t begin = outer * thread / threads;
    const int64_t end = outer * (thread + 1) / threads;
    int64_t index[kMaxRank] = {0};
    int64_t offset[Operands] = {0};
    int64_t rest = begin;
    for (int k = outer_rank - 1; k >= 0; --k) {
      index[k] = rest % nest.dims[k];
      rest /= nest.dims[k];
      for (int o = 0; o < Operands; ++o) offset[o] += index[k] * nest.strides[o][k];
    }
    for (int64_t i = begin; i < end; ++i) {
      body(i, offset);
      for (int k = outer_rank - 1; k >= 0; --k) {
        ++index[k];
        for (int o = 0; o < Operands; ++o) offset[o] += nest.strides[o][k];
        if (index[k] < nest.dims[k]) break;
        for (int o = 0; o < Operands; ++o) offset[o] -= nest.strides[o][k] * nest.dims[k];
        index[k] = 0;
      }
    }
  }
}

int64_t Product(const std::vector<int64_t>& dims) {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  return n;
}

// ---- binary ops with two-way broadcasting ----


// kReluGrad: a = dy, b = x -> dy * step(x), exactly tfjs' Relu gradient (`dy * step(x)`, NaN where x is NaN) in one pass.
enum BinaryOp { kAdd = 0, kSub = 1, kMul = 2, kDiv = 3, kSquaredDifference = 4, kReluGrad = 5 };

/** The largest divisor of `rows` that keeps `n * divisor` within `limit` (1 when there is none). */
int64_t RowsPerTile(int64_t rows, int64_t n, int64_t limit) {
  for (int64_t c = std::min<int64_t>(rows, limit / n); c > 1; --c) {
    if (rows % c == 0) return c;
  }
  return 1;
}

constexpr int64_t kShortRow = 256;
constexpr int64_t kTile = 2048;

template <typename F>
void BinaryRun(F f, const Nest<3>& nest, float* out, const float* a, const float* b, bool parallel, bool tile = true) {
  // [rows, n] op [n] with a short n (per-channel scale and shift of NHWC batch norm, n = C): the
  // vector is repeated k times into a tile so that the inner loop covers k rows at once instead of
  // paying the loop overhead on every row of 8 or 16 elements.
  if (tile && nest.rank == 2 && nest.dims[1] < kShortRow) {
    const int64_t rows = nest.dims[0], n = nest.dims[1];
    const bool rows_contiguous = nest.strides[0][0] == n && nest.strides[0][1] == 1;
    const bool b_vector = nest.strides[1][0] == n && nest.strides[1][1] == 1 && nest.strides[2][0] == 0 && nest.strides[2][1] == 1;
    const bool a_vector = nest.strides[2][0] == n && nest.strides[2][1] == 1 && nest.strides[1][0] == 0 && nest.strides[1][1] == 1;
    const int64_t k = rows_contiguous && (a_vector || b_vector) ? RowsPerTile(rows, n, kTile) : 1;
    if (k > 1) {
      std::vector<float> repeated(n * k);
      const float* vector = b_vector ? b : a;
      for (int64_t j = 0; j < n * k; ++j) repeated[j] = vector[j % n];
      Nest<3> tiled = nest;
      tiled.dims[0] = rows / k;
      tiled.dims[1] = n * k;
      tiled.strides[0][0] = n * k;
      tiled.strides[b_vector ? 1 : 2][0] = n * k;
      BinaryRun(f, tiled, out, b_vector ? a : repeated.data(), b_vector ? repeated.data() : b, parallel, false);
      return;
    }
  }
  const int inner = nest.rank - 1;
  const int64_t n = nest.dims[inner];
  const int64_t sa = nest.strides[1][inner];
  const int64_t sb = nest.strides[2][inner];
  ForOuter<3>(nest, parallel, [&](int64_t, const int64_t* offset) {
    float* o = out + offset[0];
    const float* x = a + offset[1];
    const float* y = b + offset[2];
    if (sa == 1 && sb == 1) {
      for (int64_t j = 0; j < n; ++j) o[j] = f(x[j], y[j]);
    } else if (sa == 1) {
      const float v = y[0];
      for (int64_t j = 0; j < n; ++j) o[j] = f(x[j], v);
    } else if (sb == 1) {
      const float v = x[0];
      for (int64_t j = 0; j < n; ++j) o[j] = f(v, y[j]);
    } else {
      for (int64_t j = 0; j < n; ++j) o[j] = f(x[j * sa], y[j * sb]);
    }
  });
}

/**
 * binary(op, outShape, out, a, aStrides, b, bStrides): out = a op b, every array contiguous,
 * strides given in out's dimensions (0 where an operand broadcasts).
 */
Napi::Value Binary(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 7 || !info[0].IsNumber()) throw Napi::TypeError::New(env, "binary(op, shape, out, a, aStrides, b, bStrides)");
  const int op = info[0].As<Napi::Number>().Int32Value();
  const std::vector<int64_t> dims = Ints(info[1], "shape", 1);
  std::vector<int64_t> strides[3] = {std::vector<int64_t>(dims.size()), Ints(info[4], "aStrides"), Ints(info[6], "bStrides")};
  if (dims.size() > kMaxRank || strides[1].size() != dims.size() || strides[2].size() != dims.size()) {
    throw Napi::RangeError::New(env, "binary: shape and strides must have the same rank <= 8");
  }
  int64_t step = 1;
  int64_t extent[2] = {1, 1};
  for (int k = static_cast<int>(dims.size()) - 1; k >= 0; --k) {
    strides[0][k] = step;
    step *= dims[k];
    for (int o = 0; o < 2; ++o) extent[o] += (dims[k] - 1) * strides[o + 1][k];
  }
  const int64_t size = step;
  float* out = Floats(info[2], size, "out");
  auto operand = [&](int i, int o) {
    if (!info[i].IsTypedArray()) throw Napi::TypeError::New(env, "binary operands must be Float32Arrays");
    const size_t length = info[i].As<Napi::TypedArray>().ElementLength();
    if (static_cast<int64_t>(length) < extent[o]) throw Napi::RangeError::New(env, "binary: an operand is shorter than its strides need");
    return Floats(info[i], length, o == 0 ? "a" : "b");
  };
  const float* a = operand(3, 0);
  const float* b = operand(5, 1);
  const Nest<3> nest = Collapse<3>(dims, strides);
  const bool parallel = size >= ParallelMin();
  switch (op) {
    case kAdd: BinaryRun([](float x, float y) { return x + y; }, nest, out, a, b, parallel); break;
    case kSub: BinaryRun([](float x, float y) { return x - y; }, nest, out, a, b, parallel); break;
    case kMul: BinaryRun([](float x, float y) { return x * y; }, nest, out, a, b, parallel); break;
    case kDiv: BinaryRun([](float x, float y) { return x / y; }, nest, out, a, b, parallel); break;
    case kSquaredDifference:
      BinaryRun([](float x, float y) { const double d = static_cast<double>(x) - y; return static_cast<float>(d * d); },
                nest, out, a, b, parallel);
      break;
    case kReluGrad:
      BinaryRun([](float dy, float x) { return dy * Select(x != x, x, Select(x > 0.f, 1.f, 0.f)); }, nest, out, a, b, parallel);
      break;
    default: throw Napi::RangeError::New(env, "binary: unknown op");
  }
  return env.Undefined();
}

// ---- unary ops ----

enum UnaryOp { kRelu = 0, kStep = 1, kNeg = 2, kSquare = 3, kSqrt = 4, kRsqrt = 5, kExp = 6, kLog = 7 };


template <typename F>
void UnaryRun(F f, float* out, const float* x, int64_t n) {
#pragma omp parallel for schedule(static) if (n >= ParallelMin())
  for (int64_t i = 0; i < n; ++i) out[i] = f(x[i]);
}

/** unary(op, x, out, alpha): out = op(x) element-wise (alpha: Step's value for x <= 0). */
Napi::Value Unary(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 4 || !info[0].IsNumber() || !info[1].IsTypedArray() || !info[3].IsNumber()) {
    throw Napi::TypeError::New(env, "unary(op, x, out, alpha)");
  }
  const int op = info[0].As<Napi::Number>().Int32Value();
  const size_t n = info[1].As<Napi::TypedArray>().ElementLength();
  const float* x = Floats(info[1], n, "x");
  float* out = Floats(info[2], n, "out");
  const float alpha = info[3].As<Napi::Number>().FloatValue();
  const int64_t size = static_cast<int64_t>(n);
  switch (op) {
    // NaN stays NaN in both, as in tfjs (v == v is false only for NaN; no branch, so it vectorises).
    case kRelu: UnaryRun([](float v) { return ReluOf(v); }, out, x, size); break;
    case kStep: UnaryRun([alpha](float v) { return Select(v != v, v, Select(v > 0.f, 1.f, alpha)); }, out, x, size); break;
    case kNeg: UnaryRun([](float v) { return -v; }, out, x, size); break;
    case kSquare: UnaryRun([](float v) { return v * v; }, out, x, size); break;
    case kSqrt: UnaryRun([](float v) { return std::sqrt(v); }, out, x, size); break;
    case kRsqrt: UnaryRun([](float v) { return static_cast<float>(1.0 / std::sqrt(static_cast<double>(v))); }, out, x, size); break;
    case kExp: UnaryRun([](float v) { return static_cast<float>(std::exp(static_cast<double>(v))); }, out, x, size); break;
    case kLog: UnaryRun([](float v) { return static_cast<float>(std::log(static_cast<double>(v))); }, out, x, size); break;
    default: throw Napi::RangeError::New(env, "unary: unknown op");
  }
  return env.Undefined();
}

// ---- reductions over any set of axes ----

enum ReduceOp { kSum = 0, kMean = 1, kMax = 2 };

inline void Accumulate(int op, double& acc, float v) {
  if (op == kMax) {
    if (std::isnan(v) || v > acc) acc = v;
  } else {
    acc += v;
  }
}

/**
 * reduce(op, shape, reduced, x, out): out = op over the dimensions k with reduced[k] != 0 of the
 * contiguous x of `shape`; out holds the kept dimensions in order. Accumulates in double.
 */
Napi::Value Reduce(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 5 || !info[0].IsNumber()) throw Napi::TypeError::New(env, "reduce(op, shape, reduced, x, out)");
  const int op = info[0].As<Napi::Number>().Int32Value();
  if (op < kSum || op > kMax) throw Napi::RangeError::New(env, "reduce: unknown op");
  const std::vector<int64_t> dims = Ints(info[1], "shape", 1);
  const std::vector<int64_t> reduced = Ints(info[2], "reduced");
  if (dims.size() > kMaxRank || reduced.size() != dims.size()) throw Napi::RangeError::New(env, "reduce: bad rank");
  std::vector<int64_t> strides[2] = {std::vector<int64_t>(dims.size()), std::vector<int64_t>(dims.size())};
  int64_t in_step = 1, out_step = 1, count = 1;
  for (int k = static_cast<int>(dims.size()) - 1; k >= 0; --k) {
    strides[0][k] = in_step;
    in_step *= dims[k];
    if (reduced[k] != 0) {
      strides[1][k] = 0;
      count *= dims[k];
    } else {
      strides[1][k] = out_step;
      out_step *= dims[k];
    }
  }
  const float* x = Floats(info[3], in_step, "x");
  float* out = Floats(info[4], out_step, "out");
  Nest<2> nest = Collapse<2>(dims, strides);
  // [rows, n] reduced over rows with a short n (per-channel batch statistics in NHWC): accumulate
  // k rows side by side into n * k partial sums (one long inner loop instead of one per row), then
  // fold the k partials.
  int64_t fold = 1;
  if (nest.rank == 2 && nest.strides[1][0] == 0 && nest.strides[1][1] == 1 && nest.dims[1] < kShortRow) {
    fold = RowsPerTile(nest.dims[0], nest.dims[1], kTile);
    nest.dims[0] /= fold;
    nest.dims[1] *= fold;
    nest.strides[0][0] = nest.dims[1];
  }
  const int64_t acc_size = out_step * fold;
  const int inner = nest.rank - 1;
  const int64_t n = nest.dims[inner];
  const bool inner_kept = nest.strides[1][inner] == 1;
  const double init = op == kMax ? -std::numeric_limits<double>::infinity() : 0.0;
  auto run = [&](const Nest<2>& part, const float* base, double* acc) {
    ForOuter<2>(part, false, [&](int64_t, const int64_t* offset) {
      const float* v = base + offset[0];
      double* a = acc + offset[1];
      if (inner_kept) {
        for (int64_t j = 0; j < n; ++j) Accumulate(op, a[j], v[j]);
      } else if (op == kMax) {
        for (int64_t j = 0; j < n; ++j) Accumulate(op, a[0], v[j]);
      } else {
        double s = 0;
        for (int64_t j = 0; j < n; ++j) s += v[j];
        a[0] += s;
      }
    });
  };

  // Parallel: split the outermost dimension over threads; each thread accumulates into its own
  // buffer when that dimension is reduced (summed in thread order afterwards: deterministic for a
  // given thread count), or into disjoint parts of the shared one when it is kept.
  const int threads = in_step >= ParallelMin() && nest.rank > 1 ? omp_get_max_threads() : 1;
  const bool outer_reduced = nest.strides[1][0] == 0;
  const int buffers = outer_reduced ? threads : 1;
  std::vector<double> acc(static_cast<size_t>(acc_size) * buffers, init);
#pragma omp parallel num_threads(threads) if (threads > 1)
  {
    const int64_t t = omp_get_thread_num(), T = omp_get_num_threads();
    const int64_t begin = nest.dims[0] * t / T, end = nest.dims[0] * (t + 1) / T;
    if (end > begin) {
      Nest<2> part = nest;
      part.dims[0] = end - begin;
      double* target = acc.data() + (outer_reduced ? acc_size * t : 0);
      run(part, x + begin * nest.strides[0][0], target + (outer_reduced ? 0 : begin * nest.strides[1][0]));
    }
  }
  auto combine = [op](double& a, double v) {
    if (op != kMax) a += v;
    else if (std::isnan(v) || v > a) a = v;
  };
  for (int b = 1; b < buffers; ++b) {
    for (int64_t i = 0; i < acc_size; ++i) combine(acc[i], acc[b * acc_size + i]);
  }
  for (int64_t i = out_step; i < acc_size; ++i) combine(acc[i % out_step], acc[i]);
  for (int64_t i = 0; i < out_step; ++i) out[i] = static_cast<float>(op == kMean ? acc[i] / count : acc[i]);
  return env.Undefined();
}

// ---- AddN and strided copies ----

/** addN(out, [x0, x1, ...]): out = x0 + x1 + ... (summed in order in float32, as tfjs). */
Napi::Value AddN(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 2 || !info[0].IsTypedArray() || !info[1].IsArray()) throw Napi::TypeError::New(env, "addN(out, inputs)");
  const size_t n = info[0].As<Napi::TypedArray>().ElementLength();
  float* out = Floats(info[0], n, "out");
  Napi::Array list = info[1].As<Napi::Array>();
  std::vector<const float*> inputs;
  for (uint32_t i = 0; i < list.Length(); ++i) inputs.push_back(Floats(list.Get(i), n, "inputs[i]"));
  if (inputs.empty()) throw Napi::RangeError::New(env, "addN needs at least one input");
  const int64_t size = static_cast<int64_t>(n);
  const size_t count = inputs.size();
#pragma omp parallel for schedule(static) if (size >= ParallelMin())
  for (int64_t j = 0; j < size; ++j) {
    float s = inputs[0][j];
    for (size_t i = 1; i < count; ++i) s += inputs[i][j];
    out[j] = s;
  }
  return env.Undefined();
}

/**
 * copy(shape, dst, dstOffset, dstStrides, src, srcOffset, srcStrides): for every index i of
 * shape, dst[dstOffset + i . dstStrides] = src[srcOffset + i . srcStrides] (Slice, Pad).
 */
Napi::Value Copy(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 7 || !info[2].IsNumber() || !info[5].IsNumber() || !info[1].IsTypedArray() || !info[4].IsTypedArray()) {
    throw Napi::TypeError::New(env, "copy(shape, dst, dstOffset, dstStrides, src, srcOffset, srcStrides)");
  }
  const std::vector<int64_t> dims = Ints(info[0], "shape", 1);
  std::vector<int64_t> strides[2] = {Ints(info[3], "dstStrides"), Ints(info[6], "srcStrides")};
  if (dims.size() > kMaxRank || strides[0].size() != dims.size() || strides[1].size() != dims.size()) {
    throw Napi::RangeError::New(env, "copy: bad rank");
  }
  const int64_t offsets[2] = {info[2].As<Napi::Number>().Int64Value(), info[5].As<Napi::Number>().Int64Value()};
  const size_t lengths[2] = {info[1].As<Napi::TypedArray>().ElementLength(), info[4].As<Napi::TypedArray>().ElementLength()};
  for (int o = 0; o < 2; ++o) {
    int64_t last = offsets[o];
    for (size_t k = 0; k < dims.size(); ++k) last += (dims[k] - 1) * strides[o][k];
    if (offsets[o] < 0 || last >= static_cast<int64_t>(lengths[o])) throw Napi::RangeError::New(env, "copy: out of bounds");
  }
  float* dst = Floats(info[1], lengths[0], "dst") + offsets[0];
  const float* src = Floats(info[4], lengths[1], "src") + offsets[1];
  const Nest<2> nest = Collapse<2>(dims, strides);
  const int inner = nest.rank - 1;
  const int64_t n = nest.dims[inner], sd = nest.strides[0][inner], ss = nest.strides[1][inner];
  ForOuter<2>(nest, Product(dims) >= ParallelMin(), [&](int64_t, const int64_t* offset) {
    float* d = dst + offset[0];
    const float* s = src + offset[1];
    if (sd == 1 && ss == 1) {
      std::memcpy(d, s, n * sizeof(float));
    } else {
      for (int64_t j = 0; j < n; ++j) d[j * sd] = s[j * ss];
    }
  });
  return env.Undefined();
}

// ---- MatMul on oneDNN ----

struct MatmulEntry {
  dnnl::matmul primitive;
  dnnl::memory::desc a, b, c;
};

std::mutex& MatmulMutex() {
  static std::mutex mutex;
  return mutex;
}

std::map<std::vector<int64_t>, std::unique_ptr<MatmulEntry>>& MatmulCache() {
  static std::map<std::vector<int64_t>, std::unique_ptr<MatmulEntry>> cache;
  return cache;
}

/**
 * matmul(dims, a, b, out) with dims = [batch, m, k, n, transposeA, transposeB]:
 * out[batch, m, n] = op(a) @ op(b), a stored [batch, m, k] (or [batch, k, m] transposed),
 * b stored [batch, k, n] (or [batch, n, k]).
 */
Napi::Value Matmul(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 4) throw Napi::TypeError::New(env, "matmul(dims, a, b, out)");
  const std::vector<int64_t> key = Ints(info[0], "dims");
  if (key.size() != 6 || key[0] < 1 || key[1] < 1 || key[2] < 1 || key[3] < 1) {
    throw Napi::RangeError::New(env, "matmul: dims = [batch >= 1, m >= 1, k >= 1, n >= 1, transposeA, transposeB]");
  }
  const int64_t batch = key[0], m = key[1], k = key[2], n = key[3];
  const bool ta = key[4] != 0, tb = key[5] != 0;
  float* a = Floats(info[1], batch * m * k, "a");
  float* b = Floats(info[2], batch * k * n, "b");
  float* out = Floats(info[3], batch * m * n, "out");
  using dnnl::memory;
  const std::lock_guard<std::mutex> lock(MatmulMutex());
  try {
    std::vector<int64_t> cache_key = key;
    cache_key.push_back(Threads());  // oneDNN fixes a primitive's thread count at creation
    auto found = MatmulCache().find(cache_key);
    if (found == MatmulCache().end()) {
      auto entry = std::make_unique<MatmulEntry>();
      entry->a = memory::desc({batch, m, k}, memory::data_type::f32,
                              ta ? memory::dims{m * k, 1, m} : memory::dims{m * k, k, 1});
      entry->b = memory::desc({batch, k, n}, memory::data_type::f32,
                              tb ? memory::dims{k * n, 1, k} : memory::dims{k * n, n, 1});
      entry->c = memory::desc({batch, m, n}, memory::data_type::f32, memory::dims{m * n, n, 1});
      const dnnl::matmul::desc desc(entry->a, entry->b, entry->c);
      entry->primitive = dnnl::matmul(dnnl::matmul::primitive_desc(desc, Engine()));
      found = MatmulCache().emplace(cache_key, std::move(entry)).first;
    }
    MatmulEntry& e = *found->second;
    e.primitive.execute(Stream(), {{DNNL_ARG_SRC, memory(e.a, Engine(), a)},
                                   {DNNL_ARG_WEIGHTS, memory(e.b, Engine(), b)},
                                   {DNNL_ARG_DST, memory(e.c, Engine(), out)}});
    Stream().wait();
  } catch (const dnnl::error& error) {
    throw Napi::Error::New(env, std::string("oneDNN: ") + error.what() + " (status " + std::to_string(error.status) + ")");
  }
  return env.Undefined();
}

// ---- allocator ----

/**
 * retainFreedMemory(): makes glibc's malloc serve large blocks from its heap and keep freed memory
 * instead of returning it to the system (M_MMAP_THRESHOLD 1 GiB, M_TRIM_THRESHOLD 4 GiB,
 * M_TOP_PAD 64 MiB). Every tfjs cpu kernel output is a new Float32Array; by default each large
 * one is a fresh mmap whose pages fault (and are zeroed) on first touch, which costs more than the
 * element-wise kernel that fills it. Process-wide; the resident size stays at its peak. Returns
 * false when the C library is not glibc or refused the setting.
 */
Napi::Value RetainFreedMemory(const Napi::CallbackInfo& info) {
#ifdef __GLIBC__
  bool ok = mallopt(M_MMAP_THRESHOLD, 1 << 30) == 1;
  if (!ok) ok = mallopt(M_MMAP_THRESHOLD, 32 << 20) == 1;  // older glibc caps it at 32 MiB
  ok = mallopt(M_TRIM_THRESHOLD, static_cast<int>((1u << 31) - 1)) == 1 && ok;
  ok = mallopt(M_TOP_PAD, 64 << 20) == 1 && ok;
  return Napi::Boolean::New(info.Env(), ok);
#else
  return Napi::Boolean::New(info.Env(), false);
#endif
}

}  // namespace

size_t MatmulCacheSize() {
  const std::lock_guard<std::mutex> lock(MatmulMutex());
  return MatmulCache().size();
}

void ClearMatmulCache() {
  const std::lock_guard<std::mutex> lock(MatmulMutex());
  MatmulCache().clear();
}

void InitElementwise(Napi::Env env, Napi::Object exports) {
  exports.Set("binary", Napi::Function::New(env, Binary, "binary"));
  exports.Set("unary", Napi::Function::New(env, Unary, "unary"));
  exports.Set("reduce", Napi::Function::New(env, Reduce, "reduce"));
  exports.Set("addN", Napi::Function::New(env, AddN, "addN"));
  exports.Set("copy", Napi::Function::New(env, Copy, "copy"));
  exports.Set("matmul", Napi::Function::New(env, Matmul, "matmul"));
  exports.Set("retainFreedMemory", Napi::Function::New(env, RetainFreedMemory, "retainFreedMemory"));
}

}  // namespace lmreg
