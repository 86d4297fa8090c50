// Batch normalisation with batch statistics (training mode) and its gradient on oneDNN's
// batch_normalization primitives, NHWC float32, affine (separate scale and shift), biased
// variance: y = gamma * (x - mean) / sqrt(var + eps) + beta, statistics over N, H and W. One
// forward pass computes the statistics and y; one backward pass (after one read of x for the
// statistics) gives dx, dgamma and dbeta. The composite form in tfjs ops costs ~8 kernels forward
// and ~25 backward, each a pass over x.
#include <napi.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common.h"

namespace lmreg {
namespace {

using dnnl::memory;

struct BatchNormEntry {
  memory::desc data, stats;
  dnnl::batch_normalization_forward forward;
  dnnl::batch_normalization_backward backward;
};

using BatchNormKey = std::array<int64_t, 6>;  // n, h, w, c, bits of epsilon, thread count

std::mutex& BatchNormMutex() {
  static std::mutex mutex;
  return mutex;
}

std::map<BatchNormKey, std::unique_ptr<BatchNormEntry>>& BatchNormCache() {
  static std::map<BatchNormKey, std::unique_ptr<BatchNormEntry>> cache;
  return cache;
}

BatchNormEntry& BatchNormLookup(int64_t n, int64_t h, int64_t w, int64_t c, float epsilon) {
  uint32_t bits;
  std::memcpy(&bits, &epsilon, sizeof bits);
  const BatchNormKey key{n, h, w, c, bits, Threads()};
  auto found = BatchNormCache().find(key);
  if (found != BatchNormCache().end()) return *found->second;
  auto entry = std::make_unique<BatchNormEntry>();
  entry->data = memory::desc({n, c, h, w}, memory::data_type::f32, memory::format_tag::nhwc);
  entry->stats = memory::desc({c}, memory::data_type::f32, memory::format_tag::x);
  const auto flags = dnnl::normalization_flags::use_scale | dnnl::normalization_flags::use_shift;
  const dnnl::batch_normalization_forward::desc forward_desc(dnnl::prop_kind::forward_training, entry->data, epsilon, flags);
  const dnnl::batch_normalization_forward::primitive_desc forward_pd(forward_desc, Engine());
  const dnnl::batch_normalization_backward::desc backward_desc(dnnl::prop_kind::backward, entry->data, entry->data, epsilon, flags);
  const dnnl::batch_normalization_backward::primitive_desc backward_pd(backward_desc, Engine(), forward_pd);
  entry->forward = dnnl::batch_normalization_forward(forward_pd);
  entry->backward = dnnl::batch_normalization_backward(backward_pd);
  BatchNormEntry& result = *entry;
  BatchNormCache().emplace(key, std::move(entry));
  return result;
}

struct Dims {
  int64_t n, h, w, c;
  float epsilon;
};

Dims ReadDims(const Napi::CallbackInfo& info) {
  const std::vector<int64_t> d = Ints(info[0], "dims", 1);
  if (d.size() != 4) throw Napi::RangeError::New(info.Env(), "dims must be [n, h, w, c]");
  if (!info[1].IsNumber()) throw Napi::TypeError::New(info.Env(), "epsilon must be a number");
  const float epsilon = info[1].As<Napi::Number>().FloatValue();
  if (!(epsilon >= 0.f)) throw Napi::RangeError::New(info.Env(), "epsilon must be >= 0");
  return {d[0], d[1], d[2], d[3], epsilon};
}

/** batchNorm(dims, epsilon, x, gamma, beta, y): training-mode forward (statistics of this batch). */
Napi::Value BatchNorm(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 6) throw Napi::TypeError::New(env, "batchNorm(dims, epsilon, x, gamma, beta, y)");
  const Dims d = ReadDims(info);
  const size_t size = d.n * d.h * d.w * d.c;
  float* x = Floats(info[2], size, "x");
  float* gamma = Floats(info[3], d.c, "gamma");
  float* beta = Floats(info[4], d.c, "beta");
  float* y = Floats(info[5], size, "y");
  try {
    BatchNormForward(d.n, d.h, d.w, d.c, d.epsilon, x, gamma, beta, y);
  } catch (const dnnl::error& error) {
    throw Napi::Error::New(env, std::string("oneDNN: ") + error.what() + " (status " + std::to_string(error.status) + ")");
  }
  return env.Undefined();
}

/**
 * Per-channel mean and biased variance of the NHWC x viewed as [rows, c], accumulated in double
 * (the backward pass recomputes them: one read of x, cheaper than keeping them as extra tfjs
 * outputs whose gradients would then have to be honoured too).
 */
void Statistics(const float* x, int64_t rows, int64_t c, float* mean, float* variance) {
  std::vector<double> sum(static_cast<size_t>(c), 0.0), squares(static_cast<size_t>(c), 0.0);
  for (int64_t i = 0; i < rows; ++i) {
    const float* row = x + i * c;
    for (int64_t j = 0; j < c; ++j) {
      const double v = row[j];
      sum[j] += v;
      squares[j] += v * v;
    }
  }
  for (int64_t j = 0; j < c; ++j) {
    const double m = sum[j] / rows;
    mean[j] = static_cast<float>(m);
    variance[j] = static_cast<float>(std::max(0.0, squares[j] / rows - m * m));
  }
}

/**
 * batchNormGrad(dims, epsilon, dy, x, gamma, dx, dgamma, dbeta): the gradient of the training-mode
 * forward (through the batch statistics) with respect to x, gamma and beta.
 */
Napi::Value BatchNormGrad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 8) throw Napi::TypeError::New(env, "batchNormGrad(dims, epsilon, dy, x, gamma, dx, dgamma, dbeta)");
  const Dims d = ReadDims(info);
  const size_t size = d.n * d.h * d.w * d.c;
  float* dy = Floats(info[2], size, "dy");
  float* x = Floats(info[3], size, "x");
  float* gamma = Floats(info[4], d.c, "gamma");
  float* dx = Floats(info[5], size, "dx");
  float* dgamma = Floats(info[6], d.c, "dgamma");
  float* dbeta = Floats(info[7], d.c, "dbeta");
  try {
    BatchNormBackward(d.n, d.h, d.w, d.c, d.epsilon, dy, x, gamma, dx, dgamma, dbeta);
  } catch (const dnnl::error& error) {
    throw Napi::Error::New(env, std::string("oneDNN: ") + error.what() + " (status " + std::to_string(error.status) + ")");
  }
  return env.Undefined();
}

}  // namespace

void BatchNormForward(int64_t n, int64_t h, int64_t w, int64_t c, float epsilon, const float* x, const float* gamma,
                      const float* beta, float* y) {
  std::vector<float> mean(static_cast<size_t>(c)), variance(static_cast<size_t>(c));
  const std::lock_guard<std::mutex> lock(BatchNormMutex());
  const ThreadLimit limit(BarrierPrimitiveThreads());
  BatchNormEntry& e = BatchNormLookup(n, h, w, c, epsilon);
  auto in = [](const memory::desc& desc, const float* data) { return memory(desc, Engine(), const_cast<float*>(data)); };
  e.forward.execute(Stream(), {{DNNL_ARG_SRC, in(e.data, x)},
                               {DNNL_ARG_DST, memory(e.data, Engine(), y)},
                               {DNNL_ARG_SCALE, in(e.stats, gamma)},
                               {DNNL_ARG_SHIFT, in(e.stats, beta)},
                               {DNNL_ARG_MEAN, memory(e.stats, Engine(), mean.data())},
                               {DNNL_ARG_VARIANCE, memory(e.stats, Engine(), variance.data())}});
  Stream().wait();
}

void BatchNormBackward(int64_t n, int64_t h, int64_t w, int64_t c, float epsilon, const float* dy, const float* x,
                       const float* gamma, float* dx, float* dgamma, float* dbeta) {
  std::vector<float> mean(static_cast<size_t>(c)), variance(static_cast<size_t>(c));
  Statistics(x, n * h * w, c, mean.data(), variance.data());
  // oneDNN 2.6 lists the shift among the backward pass's arguments although the gradient does not
  // depend on it: hand it zeros.
  std::vector<float> shift(static_cast<size_t>(c), 0.f);
  const std::lock_guard<std::mutex> lock(BatchNormMutex());
  const ThreadLimit limit(BarrierPrimitiveThreads());
  BatchNormEntry& e = BatchNormLookup(n, h, w, c, epsilon);
  auto in = [](const memory::desc& desc, const float* data) { return memory(desc, Engine(), const_cast<float*>(data)); };
  e.backward.execute(Stream(), {{DNNL_ARG_SRC, in(e.data, x)},
                                {DNNL_ARG_DIFF_DST, in(e.data, dy)},
                                {DNNL_ARG_SCALE, in(e.stats, gamma)},
                                {DNNL_ARG_SHIFT, memory(e.stats, Engine(), shift.data())},
                                {DNNL_ARG_MEAN, memory(e.stats, Engine(), mean.data())},
                                {DNNL_ARG_VARIANCE, memory(e.stats, Engine(), variance.data())},
                                {DNNL_ARG_DIFF_SRC, memory(e.data, Engine(), dx)},
                                {DNNL_ARG_DIFF_SCALE, memory(e.stats, Engine(), dgamma)},
                                {DNNL_ARG_DIFF_SHIFT, memory(e.stats, Engine(), dbeta)}});
  Stream().wait();
}

size_t BatchNormCacheSize() {
  const std::lock_guard<std::mutex> lock(BatchNormMutex());
  return BatchNormCache().size();
}

void ClearBatchNormCache() {
  const std::lock_guard<std::mutex> lock(BatchNormMutex());
  BatchNormCache().clear();
}

void InitBatchNorm(Napi::Env env, Napi::Object exports) {
  exports.Set("batchNorm", Napi::Function::New(env, BatchNorm, "batchNorm"));
  exports.Set("batchNormGrad", Napi::Function::New(env, BatchNormGrad, "batchNormGrad"));
}

}  // namespace lmreg
