// DARTS' FactorizedReduce (a reduction cell's skip_connect, and a cell's input-0 preprocessing
// after a reduction) forward in one call and backward in one call:
//   y = batchNorm(concat(conv1(r[:, 0::2, 0::2]), conv2(r[:, 1::2, 1::2]))), r = relu(x),
// conv1 and conv2 1x1 (c -> co / 2, no bias), the concat along channels, batch norm with batch
// statistics; h and w even. The tfjs composite (relu, slice, two stride-2 1x1 convs on NHWC
// inputs that oneDNN reorders to its blocked layout, concat, batch norm) takes 6 kernels forward
// and 9 backward (split, pad, add). Here both phases are gathered (with the ReLU) into dense
// images, the convs are plain 1x1 convs on them, and the backward pass scatters straight into dx.
// The forward pass also returns z (the concat, pre-normalisation) for the backward pass.
#include <napi.h>

#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "common.h"
#include "relu.h"

namespace lmreg {
namespace {

struct Reduce {
  int64_t n, h, w, c, co, oh, ow, half;
  float epsilon;
  std::vector<int64_t> conv;  // conv.cc's layout: n h w c kh kw o oh ow sh sw dh dw pt pl pb pr groups
  int64_t In() const { return n * h * w * c; }
  int64_t Out() const { return n * oh * ow * co; }
  int64_t Phase() const { return n * oh * ow * c; }
  int64_t HalfOut() const { return n * oh * ow * half; }
};

Reduce ReadReduce(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::vector<int64_t> d = Ints(info[0], "dims", 1);
  if (d.size() != 5) throw Napi::RangeError::New(env, "dims must be [n, h, w, c, co]");
  Reduce r{d[0], d[1], d[2], d[3], d[4], d[1] / 2, d[2] / 2, d[4] / 2, 0.f, {}};
  if (r.h % 2 != 0 || r.w % 2 != 0) throw Napi::RangeError::New(env, "FactorizedReduce needs even height and width");
  if (r.co % 2 != 0) throw Napi::RangeError::New(env, "FactorizedReduce needs an even number of output channels");
  if (!info[1].IsNumber()) throw Napi::TypeError::New(env, "epsilon must be a number");
  r.epsilon = info[1].As<Napi::Number>().FloatValue();
  if (!(r.epsilon >= 0.f)) throw Napi::RangeError::New(env, "epsilon must be >= 0");
  r.conv = {r.n, r.oh, r.ow, r.c, 1, 1, r.half, r.oh, r.ow, 1, 1, 1, 1, 0, 0, 0, 0, 1};
  return r;
}

/** Grow-only scratch buffers shared by every call (calls take turns on the mutex). */
struct Scratch {
  std::vector<float> even, odd, z1, z2, dz;
};

std::mutex& ReduceMutex() {
  static std::mutex mutex;
  return mutex;
}

Scratch& Buffers() {
  static Scratch scratch;
  return scratch;
}

/** out[b, i, j, :] = relu(x[b, 2i + phase, 2j + phase, :]). */
void GatherRelu(const Reduce& r, const float* x, int64_t phase, float* out) {
  const int64_t c = r.c, rows = r.n * r.oh;
#pragma omp parallel for schedule(static) if (r.Phase() >= ParallelMin())
  for (int64_t row = 0; row < rows; ++row) {
    const int64_t b = row / r.oh, i = row % r.oh;
    const float* src = x + ((b * r.h + 2 * i + phase) * r.w + phase) * c;
    float* dst = out + row * r.ow * c;
    for (int64_t j = 0; j < r.ow; ++j) {
      const float* s = src + 2 * j * c;
      float* o = dst + j * c;
#pragma omp simd
      for (int64_t k = 0; k < c; ++k) o[k] = ReluOf(s[k]);
    }
  }
}

/** z[p, :half] = a[p], z[p, half:] = b[p] for every pixel p (the channel concat). */
void Join(const Reduce& r, const float* a, const float* b, float* z) {
  const int64_t pixels = r.n * r.oh * r.ow, half = r.half;
#pragma omp parallel for schedule(static) if (r.Out() >= ParallelMin())
  for (int64_t p = 0; p < pixels; ++p) {
    std::copy(a + p * half, a + (p + 1) * half, z + p * 2 * half);
    std::copy(b + p * half, b + (p + 1) * half, z + p * 2 * half + half);
  }
}

/** Its adjoint: a[p] = z[p, :half], b[p] = z[p, half:]. */
void Split(const Reduce& r, const float* z, float* a, float* b) {
  const int64_t pixels = r.n * r.oh * r.ow, half = r.half;
#pragma omp parallel for schedule(static) if (r.Out() >= ParallelMin())
  for (int64_t p = 0; p < pixels; ++p) {
    std::copy(z + p * 2 * half, z + p * 2 * half + half, a + p * half);
    std::copy(z + p * 2 * half + half, z + (p + 1) * 2 * half, b + p * half);
  }
}

/**
 * dx = step(x) * (the phase images' gradients d0, d1 put back at their pixels), 0 at the pixels
 * neither phase reads (even row and odd column, or odd row and even column).
 */
void ScatterReluBackward(const Reduce& r, const float* x, const float* d0, const float* d1, float* dx) {
  const int64_t c = r.c, rows = r.n * r.h;
#pragma omp parallel for schedule(static) if (r.In() >= ParallelMin())
  for (int64_t row = 0; row < rows; ++row) {
    const int64_t b = row / r.h, i = row % r.h, phase = i % 2;
    const float* d = (phase == 0 ? d0 : d1) + ((b * r.oh + i / 2) * r.ow) * c;
    const float* xr = x + row * r.w * c;
    float* out = dx + row * r.w * c;
    for (int64_t j = 0; j < r.w; ++j) {
      float* o = out + j * c;
      if (j % 2 != phase) {
        std::fill(o, o + c, 0.f);
        continue;
      }
      const float* dj = d + (j / 2) * c;
      const float* xj = xr + j * c;
#pragma omp simd
      for (int64_t k = 0; k < c; ++k) o[k] = dj[k] * StepOf(xj[k]);
    }
  }
}

[[noreturn]] void Rethrow(Napi::Env env, const dnnl::error& error) {
  throw Napi::Error::New(env, std::string("oneDNN: ") + error.what() + " (status " + std::to_string(error.status) + ")");
}

/** factorizedReduce(dims [n, h, w, c, co], epsilon, x, filter1, filter2, gamma, beta, z, y). */
Napi::Value FactorizedReduce(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 9) throw Napi::TypeError::New(env, "factorizedReduce(dims, epsilon, x, filter1, filter2, gamma, beta, z, y)");
  const Reduce r = ReadReduce(info);
  float* x = Floats(info[2], r.In(), "x");
  float* w1 = Floats(info[3], r.c * r.half, "filter1");
  float* w2 = Floats(info[4], r.c * r.half, "filter2");
  float* gamma = Floats(info[5], r.co, "gamma");
  float* beta = Floats(info[6], r.co, "beta");
  float* z = Floats(info[7], r.Out(), "z");
  float* y = Floats(info[8], r.Out(), "y");
  const std::lock_guard<std::mutex> lock(ReduceMutex());
  Scratch& s = Buffers();
  try {
    float* even = Sized(s.even, r.Phase());
    float* odd = Sized(s.odd, r.Phase());
    GatherRelu(r, x, 0, even);
    GatherRelu(r, x, 1, odd);
    float* z1 = Sized(s.z1, r.HalfOut());
    float* z2 = Sized(s.z2, r.HalfOut());
    RunConv(0, r.conv.data(), even, w1, z1);
    RunConv(0, r.conv.data(), odd, w2, z2);
    Join(r, z1, z2, z);
    BatchNormForward(r.n, r.oh, r.ow, r.co, r.epsilon, z, gamma, beta, y);
  } catch (const dnnl::error& error) {
    Rethrow(env, error);
  }
  return env.Undefined();
}

/** factorizedReduceGrad(dims, epsilon, dy, x, filter1, filter2, gamma, z, dx, dFilter1, dFilter2, dGamma, dBeta). */
Napi::Value FactorizedReduceGrad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 13) {
    throw Napi::TypeError::New(env, "factorizedReduceGrad(dims, epsilon, dy, x, filter1, filter2, gamma, z, dx, dFilter1, dFilter2, dGamma, dBeta)");
  }
  const Reduce r = ReadReduce(info);
  float* dy = Floats(info[2], r.Out(), "dy");
  float* x = Floats(info[3], r.In(), "x");
  float* w1 = Floats(info[4], r.c * r.half, "filter1");
  float* w2 = Floats(info[5], r.c * r.half, "filter2");
  float* gamma = Floats(info[6], r.co, "gamma");
  float* z = Floats(info[7], r.Out(), "z");
  float* dx = Floats(info[8], r.In(), "dx");
  float* dw1 = Floats(info[9], r.c * r.half, "dFilter1");
  float* dw2 = Floats(info[10], r.c * r.half, "dFilter2");
  float* dgamma = Floats(info[11], r.co, "dGamma");
  float* dbeta = Floats(info[12], r.co, "dBeta");
  const std::lock_guard<std::mutex> lock(ReduceMutex());
  Scratch& s = Buffers();
  try {
    float* dz = Sized(s.dz, r.Out());
    BatchNormBackward(r.n, r.oh, r.ow, r.co, r.epsilon, dy, z, gamma, dz, dgamma, dbeta);
    float* dz1 = Sized(s.z1, r.HalfOut());
    float* dz2 = Sized(s.z2, r.HalfOut());
    Split(r, dz, dz1, dz2);
    float* even = Sized(s.even, r.Phase());
    float* odd = Sized(s.odd, r.Phase());
    GatherRelu(r, x, 0, even);
    GatherRelu(r, x, 1, odd);
    RunConv(2, r.conv.data(), even, dz1, dw1);
    RunConv(2, r.conv.data(), odd, dz2, dw2);
    // the phase images' gradients overwrite the phase images (no longer needed)
    RunConv(1, r.conv.data(), dz1, w1, even);
    RunConv(1, r.conv.data(), dz2, w2, odd);
    ScatterReluBackward(r, x, even, odd, dx);
  } catch (const dnnl::error& error) {
    Rethrow(env, error);
  }
  return env.Undefined();
}

}  // namespace

void InitReduce(Napi::Env env, Napi::Object exports) {
  exports.Set("factorizedReduce", Napi::Function::New(env, FactorizedReduce, "factorizedReduce"));
  exports.Set("factorizedReduceGrad", Napi::Function::New(env, FactorizedReduceGrad, "factorizedReduceGrad"));
}

}  // namespace lmreg
