// Fused super-net edge operations: ReLU -> [depthwise conv ->] conv -> training-mode batch norm,
// forward in one call and backward in one call (NB201's ReLU-Conv-BN; DARTS' separable / dilated
// convolution halves, ReLU + depthwise + pointwise + BN). Each tfjs kernel of the composite form
// allocates its output and, with the gradient, saves its inputs; here the intermediates (relu(x),
// the depthwise output, their gradients) live in process-wide scratch buffers that are reused.
//
// The forward pass also returns the convolution's output z (pre-normalisation), which tfjs keeps
// for the backward pass; relu(x) and the depthwise output are recomputed there (one cheap pass each)
// instead of being kept.
#include <napi.h>

#include <omp.h>

#include <cstring>
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "common.h"
#include "relu.h"

namespace lmreg {
namespace {

constexpr size_t kGeometry = 18;  // conv.cc's layout: n h w c kh kw o oh ow sh sw dh dw pt pl pb pr groups

struct Geometry {
  std::vector<int64_t> g;
  int64_t In() const { return g[0] * g[1] * g[2] * g[3]; }
  int64_t Out() const { return g[0] * g[7] * g[8] * g[6]; }
  int64_t Weights() const { return g[4] * g[5] * (g[3] / g[17]) * g[6]; }
};

Geometry CheckGeometry(Napi::Env env, std::vector<int64_t> numbers, const std::string& name) {
  Geometry geometry{std::move(numbers)};
  const auto& g = geometry.g;
  for (size_t i = 0; i < 13; ++i) {
    if (g[i] < 1) throw Napi::RangeError::New(env, name + ": sizes, strides and dilations must be >= 1");
  }
  if (g[17] < 1 || g[3] % g[17] != 0 || g[6] % g[17] != 0) throw Napi::RangeError::New(env, name + ": groups must divide the channels");
  auto fits = [](int64_t size, int64_t before, int64_t after, int64_t k, int64_t d, int64_t s, int64_t out) {
    const int64_t span = size + before + after, window = (k - 1) * d + 1;
    return span >= window && (span - window) / s + 1 == out;
  };
  if (!fits(g[1], g[13], g[15], g[4], g[11], g[9], g[7]) || !fits(g[2], g[14], g[16], g[5], g[12], g[10], g[8])) {
    throw Napi::RangeError::New(env, name + ": the output size does not match the input, window, stride and padding");
  }
  return geometry;
}

/** Grow-only scratch buffers shared by every call (calls take turns on the mutex). */
struct Scratch {
  std::vector<float> relu, depthwise, dz, ddepthwise, drelu;
  // the residual reduction block's: relu(a), the pooled input, the shortcut's output and their gradients
  std::vector<float> relu2, pooled, shortcut, dpooled, dz2, da;
};

std::mutex& FusedMutex() {
  static std::mutex mutex;
  return mutex;
}

Scratch& Buffers() {
  static Scratch scratch;
  return scratch;
}

/**
 * Depthwise (multiplier 1) backward passes as plain loops over NHWC rows of c channels, for the
 * shapes where oneDNN 2.6 has no jit_dw kernel and falls back to its generic grouped convolution
 * (5x5 and dilated backward passes: 5-20x slower than the forward pass).
 * g: n h w c kh kw o oh ow sh sw dh dw pt pl pb pr groups.
 */
void DepthwiseBackwardWeights(const std::vector<int64_t>& g, const float* x, const float* dy, float* dw) {
  const int64_t n = g[0], h = g[1], w = g[2], c = g[3], kh = g[4], kw = g[5], oh = g[7], ow = g[8];
  const int64_t sh = g[9], sw = g[10], dh = g[11], dwl = g[12], pt = g[13], pl = g[14];
  const int64_t taps = kh * kw * c;
  std::vector<double> total(static_cast<size_t>(taps), 0.0);
#pragma omp parallel if (n * oh * ow * taps >= kComputeParallelMin)
  {
    std::vector<double> acc(static_cast<size_t>(taps), 0.0);
    std::vector<float> row(static_cast<size_t>(taps));
#pragma omp for schedule(static)
    for (int64_t r = 0; r < n * oh; ++r) {
      const int64_t b = r / oh, oi = r % oh;
      std::fill(row.begin(), row.end(), 0.f);
      for (int64_t oj = 0; oj < ow; ++oj) {
        const float* d = dy + (r * ow + oj) * c;
        for (int64_t ti = 0; ti < kh; ++ti) {
          const int64_t ii = oi * sh - pt + ti * dh;
          if (ii < 0 || ii >= h) continue;
          for (int64_t tj = 0; tj < kw; ++tj) {
            const int64_t jj = oj * sw - pl + tj * dwl;
            if (jj < 0 || jj >= w) continue;
            const float* xr = x + ((b * h + ii) * w + jj) * c;
            float* a = row.data() + (ti * kw + tj) * c;
#pragma omp simd
            for (int64_t ch = 0; ch < c; ++ch) a[ch] += xr[ch] * d[ch];
          }
        }
      }
      for (int64_t t = 0; t < taps; ++t) acc[t] += row[t];
    }
#pragma omp critical
    for (int64_t t = 0; t < taps; ++t) total[t] += acc[t];
  }
  for (int64_t t = 0; t < taps; ++t) dw[t] = static_cast<float>(total[t]);
}

void DepthwiseBackwardData(const std::vector<int64_t>& g, const float* dy, const float* wt, float* dx) {
  const int64_t n = g[0], h = g[1], w = g[2], c = g[3], kh = g[4], kw = g[5], oh = g[7], ow = g[8];
  const int64_t sh = g[9], sw = g[10], dh = g[11], dwl = g[12], pt = g[13], pl = g[14];
#pragma omp parallel for schedule(static) if (n * h * w * c * kh * kw >= kComputeParallelMin)
  for (int64_t b = 0; b < n; ++b) {
    float* image = dx + b * h * w * c;
    std::fill(image, image + h * w * c, 0.f);
    for (int64_t oi = 0; oi < oh; ++oi) {
      for (int64_t oj = 0; oj < ow; ++oj) {
        const float* d = dy + ((b * oh + oi) * ow + oj) * c;
        for (int64_t ti = 0; ti < kh; ++ti) {
          const int64_t ii = oi * sh - pt + ti * dh;
          if (ii < 0 || ii >= h) continue;
          for (int64_t tj = 0; tj < kw; ++tj) {
            const int64_t jj = oj * sw - pl + tj * dwl;
            if (jj < 0 || jj >= w) continue;
            float* out = image + (ii * w + jj) * c;
            const float* f = wt + (ti * kw + tj) * c;
#pragma omp simd
            for (int64_t ch = 0; ch < c; ++ch) out[ch] += d[ch] * f[ch];
          }
        }
      }
    }
  }
}

/** True when oneDNN's primitive for this depthwise pass is its dedicated jit_dw kernel. */
bool HasDepthwiseKernel(int op, const std::vector<int64_t>& g) {
  if (std::getenv("LMREG_NATIVE_DEPTHWISE_LOOPS") != nullptr) return false;
  return ConvImplementation(op, g.data()).rfind("jit_dw", 0) == 0;
}

struct Problem {
  Geometry conv;
  bool has_depthwise = false;
  Geometry depthwise;
  float epsilon = 0.f;
};

Problem ReadProblem(const Napi::CallbackInfo& info) {
  Problem p;
  const Napi::Value geometries = info[0];
  if (!geometries.IsTypedArray()) throw Napi::TypeError::New(info.Env(), "geometries must be an Int32Array");
  const size_t length = geometries.As<Napi::TypedArray>().ElementLength();
  if (length != kGeometry && length != 2 * kGeometry) throw Napi::RangeError::New(info.Env(), "geometries must hold 18 or 36 numbers");
  const std::vector<int64_t> all = Ints(geometries, "geometries", 0);
  const auto tail = all.end() - static_cast<std::ptrdiff_t>(kGeometry);
  p.conv = CheckGeometry(info.Env(), std::vector<int64_t>(tail, all.end()), "conv geometry");
  if (length == 2 * kGeometry) {
    p.has_depthwise = true;
    p.depthwise = CheckGeometry(info.Env(), std::vector<int64_t>(all.begin(), tail), "depthwise geometry");
    const auto& d = p.depthwise.g;
    const auto& c = p.conv.g;
    if (d[17] != d[3] || d[6] != d[3]) throw Napi::RangeError::New(info.Env(), "the depthwise convolution needs groups = channels = outputs");
    if (c[0] != d[0] || c[1] != d[7] || c[2] != d[8] || c[3] != d[6]) {
      throw Napi::RangeError::New(info.Env(), "the convolution's input must be the depthwise convolution's output");
    }
  }
  if (!info[1].IsNumber()) throw Napi::TypeError::New(info.Env(), "epsilon must be a number");
  p.epsilon = info[1].As<Napi::Number>().FloatValue();
  if (!(p.epsilon >= 0.f)) throw Napi::RangeError::New(info.Env(), "epsilon must be >= 0");
  return p;
}

[[noreturn]] void Rethrow(Napi::Env env, const dnnl::error& error) {
  throw Napi::Error::New(env, std::string("oneDNN: ") + error.what() + " (status " + std::to_string(error.status) + ")");
}

/**
 * fusedConvBn(geometries, epsilon, x, depthwiseFilter | null, filter, gamma, beta, z, y):
 * z = conv(depthwise?(relu(x))), y = batchNorm(z) with z's own statistics. geometries: the
 * depthwise convolution's 18 numbers (when there is one) followed by the convolution's.
 */
Napi::Value FusedConvBn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 9) throw Napi::TypeError::New(env, "fusedConvBn(geometries, epsilon, x, depthwiseFilter, filter, gamma, beta, z, y)");
  const Problem p = ReadProblem(info);
  const Geometry& first = p.has_depthwise ? p.depthwise : p.conv;
  const auto& c = p.conv.g;
  float* x = Floats(info[2], first.In(), "x");
  float* dw = p.has_depthwise ? Floats(info[3], p.depthwise.Weights(), "depthwiseFilter") : nullptr;
  float* filter = Floats(info[4], p.conv.Weights(), "filter");
  float* gamma = Floats(info[5], c[6], "gamma");
  float* beta = Floats(info[6], c[6], "beta");
  float* z = Floats(info[7], p.conv.Out(), "z");
  float* y = Floats(info[8], p.conv.Out(), "y");
  const std::lock_guard<std::mutex> lock(FusedMutex());
  Scratch& s = Buffers();
  try {
    float* r = Sized(s.relu, first.In());
    Relu(x, r, first.In());
    float* src = r;
    if (p.has_depthwise) {
      src = Sized(s.depthwise, p.depthwise.Out());
      RunConv(0, p.depthwise.g.data(), r, dw, src);
    }
    RunConv(0, c.data(), src, filter, z);
    BatchNormForward(c[0], c[7], c[8], c[6], p.epsilon, z, gamma, beta, y);
  } catch (const dnnl::error& error) {
    Rethrow(env, error);
  }
  return env.Undefined();
}

/**
 * fusedConvBnGrad(geometries, epsilon, dy, x, depthwiseFilter | null, filter, gamma, z,
 *                 dx, dDepthwiseFilter | null, dFilter, dGamma, dBeta):
 * the gradient of fusedConvBn through the batch statistics, given the forward's z.
 */
Napi::Value FusedConvBnGrad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 13) {
    throw Napi::TypeError::New(env, "fusedConvBnGrad(geometries, epsilon, dy, x, depthwiseFilter, filter, gamma, z, dx, dDepthwiseFilter, dFilter, dGamma, dBeta)");
  }
  const Problem p = ReadProblem(info);
  const Geometry& first = p.has_depthwise ? p.depthwise : p.conv;
  const auto& c = p.conv.g;
  float* dy = Floats(info[2], p.conv.Out(), "dy");
  float* x = Floats(info[3], first.In(), "x");
  float* dw = p.has_depthwise ? Floats(info[4], p.depthwise.Weights(), "depthwiseFilter") : nullptr;
  float* filter = Floats(info[5], p.conv.Weights(), "filter");
  float* gamma = Floats(info[6], c[6], "gamma");
  float* z = Floats(info[7], p.conv.Out(), "z");
  float* dx = Floats(info[8], first.In(), "dx");
  float* ddw = p.has_depthwise ? Floats(info[9], p.depthwise.Weights(), "dDepthwiseFilter") : nullptr;
  float* dfilter = Floats(info[10], p.conv.Weights(), "dFilter");
  float* dgamma = Floats(info[11], c[6], "dGamma");
  float* dbeta = Floats(info[12], c[6], "dBeta");
  const std::lock_guard<std::mutex> lock(FusedMutex());
  Scratch& s = Buffers();
  try {
    float* dz = Sized(s.dz, p.conv.Out());
    BatchNormBackward(c[0], c[7], c[8], c[6], p.epsilon, dy, z, gamma, dz, dgamma, dbeta);
    float* r = Sized(s.relu, first.In());
    Relu(x, r, first.In());
    float* dr = Sized(s.drelu, first.In());
    if (p.has_depthwise) {
      float* d = Sized(s.depthwise, p.depthwise.Out());
      RunConv(0, p.depthwise.g.data(), r, dw, d);
      float* dd = Sized(s.ddepthwise, p.depthwise.Out());
      RunConv(2, c.data(), d, dz, dfilter);
      RunConv(1, c.data(), dz, filter, dd);
      if (HasDepthwiseKernel(2, p.depthwise.g)) RunConv(2, p.depthwise.g.data(), r, dd, ddw);
      else DepthwiseBackwardWeights(p.depthwise.g, r, dd, ddw);
      if (HasDepthwiseKernel(1, p.depthwise.g)) RunConv(1, p.depthwise.g.data(), dd, dw, dr);
      else DepthwiseBackwardData(p.depthwise.g, dd, dw, dr);
    } else {
      RunConv(2, c.data(), r, dz, dfilter);
      RunConv(1, c.data(), dz, filter, dr);
    }
    ReluBackward(dr, x, dx, first.In());
  } catch (const dnnl::error& error) {
    Rethrow(env, error);
  }
  return env.Undefined();
}


// ---- NB201's residual reduction block (ResNet basic block, stride 2) ----
//
// y = bn_b(conv_b(relu(bn_a(conv_a(relu(x)))))) + conv_down(avgPool2x2(x)), conv_a 3x3 stride 2
// pad 1 (cin -> cout), conv_b 3x3 stride 1 pad 1, conv_down 1x1 on the 2x2 / stride 2 average pool,
// batch norms with batch statistics. The forward pass keeps z_a = conv_a(.), a = bn_a(z_a) and
// z_b = conv_b(.) in one `saved` buffer [z_a | a | z_b] for the backward pass, which recomputes
// relu(x), relu(a) and the pooled input.

struct Block {
  int64_t n, h, w, cin, cout, oh, ow;
  float epsilon;
  std::vector<int64_t> conv_a, conv_b, down;
  int64_t In() const { return n * h * w * cin; }
  int64_t Out() const { return n * oh * ow * cout; }
  int64_t Pooled() const { return n * oh * ow * cin; }
};

Block ReadBlock(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::vector<int64_t> d = Ints(info[0], "dims", 1);
  if (d.size() != 5) throw Napi::RangeError::New(env, "dims must be [n, h, w, cin, cout]");
  Block b{d[0], d[1], d[2], d[3], d[4], d[1] / 2, d[2] / 2, 0.f, {}, {}, {}};
  if (b.h % 2 != 0 || b.w % 2 != 0) throw Napi::RangeError::New(env, "the residual reduction block needs even height and width");
  if (!info[1].IsNumber()) throw Napi::TypeError::New(env, "epsilon must be a number");
  b.epsilon = info[1].As<Napi::Number>().FloatValue();
  if (!(b.epsilon >= 0.f)) throw Napi::RangeError::New(env, "epsilon must be >= 0");
  // conv.cc's layout: n h w c kh kw o oh ow sh sw dh dw pt pl pb pr groups
  b.conv_a = {b.n, b.h, b.w, b.cin, 3, 3, b.cout, b.oh, b.ow, 2, 2, 1, 1, 1, 1, 1, 1, 1};
  b.conv_b = {b.n, b.oh, b.ow, b.cout, 3, 3, b.cout, b.oh, b.ow, 1, 1, 1, 1, 1, 1, 1, 1, 1};
  b.down = {b.n, b.oh, b.ow, b.cin, 1, 1, b.cout, b.oh, b.ow, 1, 1, 1, 1, 0, 0, 0, 0, 1};
  return b;
}

/** 2x2 average pool, stride 2, no padding (even sizes): ((a + b) + c) + d, times 1/4. */
void AvgPool2(const Block& b, const float* x, float* out) {
  const int64_t c = b.cin, rows = b.n * b.oh;
#pragma omp parallel for schedule(static) if (b.In() >= ParallelMin())
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t img = r / b.oh, i = r % b.oh;
    const float* top = x + ((img * b.h + 2 * i) * b.w) * c;
    const float* bottom = top + b.w * c;
    float* o = out + r * b.ow * c;
    for (int64_t j = 0; j < b.ow; ++j) {
      const float* t = top + 2 * j * c;
      const float* u = bottom + 2 * j * c;
#pragma omp simd
      for (int64_t k = 0; k < c; ++k) o[j * c + k] = (((t[k] + t[c + k]) + u[k]) + u[c + k]) * 0.25f;
    }
  }
}

/** Its adjoint: each input pixel gets a quarter of its window's gradient. */
void AvgPool2Backward(const Block& b, const float* dout, float* dx) {
  const int64_t c = b.cin, rows = b.n * b.oh;
#pragma omp parallel for schedule(static) if (b.In() >= ParallelMin())
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t img = r / b.oh, i = r % b.oh;
    float* top = dx + ((img * b.h + 2 * i) * b.w) * c;
    float* bottom = top + b.w * c;
    const float* d = dout + r * b.ow * c;
    for (int64_t j = 0; j < b.ow; ++j) {
      float* t = top + 2 * j * c;
      float* u = bottom + 2 * j * c;
#pragma omp simd
      for (int64_t k = 0; k < c; ++k) {
        const float q = d[j * c + k] * 0.25f;
        t[k] = q;
        t[c + k] = q;
        u[k] = q;
        u[c + k] = q;
      }
    }
  }
}

/**
 * residualBlock(dims [n, h, w, cin, cout], epsilon, x, filterA, gammaA, betaA, filterB, gammaB,
 *               betaB, filterDown, saved, y): the block's forward pass; saved = [z_a | a | z_b].
 */
Napi::Value ResidualBlock(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 12) {
    throw Napi::TypeError::New(env, "residualBlock(dims, epsilon, x, filterA, gammaA, betaA, filterB, gammaB, betaB, filterDown, saved, y)");
  }
  const Block b = ReadBlock(info);
  const int64_t m = b.Out();
  float* x = Floats(info[2], b.In(), "x");
  float* wa = Floats(info[3], 9 * b.cin * b.cout, "filterA");
  float* ga = Floats(info[4], b.cout, "gammaA");
  float* ba = Floats(info[5], b.cout, "betaA");
  float* wb = Floats(info[6], 9 * b.cout * b.cout, "filterB");
  float* gb = Floats(info[7], b.cout, "gammaB");
  float* bb = Floats(info[8], b.cout, "betaB");
  float* wd = Floats(info[9], b.cin * b.cout, "filterDown");
  float* saved = Floats(info[10], 3 * m, "saved");
  float* y = Floats(info[11], m, "y");
  float* za = saved;
  float* a = saved + m;
  float* zb = saved + 2 * m;
  const std::lock_guard<std::mutex> lock(FusedMutex());
  Scratch& s = Buffers();
  try {
    float* r = Sized(s.relu, b.In());
    Relu(x, r, b.In());
    RunConv(0, b.conv_a.data(), r, wa, za);
    BatchNormForward(b.n, b.oh, b.ow, b.cout, b.epsilon, za, ga, ba, a);
    float* r2 = Sized(s.relu2, m);
    Relu(a, r2, m);
    RunConv(0, b.conv_b.data(), r2, wb, zb);
    BatchNormForward(b.n, b.oh, b.ow, b.cout, b.epsilon, zb, gb, bb, y);
    float* pooled = Sized(s.pooled, b.Pooled());
    AvgPool2(b, x, pooled);
    float* shortcut = Sized(s.shortcut, m);
    RunConv(0, b.down.data(), pooled, wd, shortcut);
#pragma omp parallel for simd schedule(static) if (parallel: m >= ParallelMin())
    for (int64_t i = 0; i < m; ++i) y[i] = shortcut[i] + y[i];
  } catch (const dnnl::error& error) {
    Rethrow(env, error);
  }
  return env.Undefined();
}

/**
 * residualBlockGrad(dims, epsilon, dy, x, filterA, gammaA, filterB, gammaB, filterDown, saved,
 *                   dx, dFilterA, dGammaA, dBetaA, dFilterB, dGammaB, dBetaB, dFilterDown).
 */
Napi::Value ResidualBlockGrad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 18) {
    throw Napi::TypeError::New(env,
                               "residualBlockGrad(dims, epsilon, dy, x, filterA, gammaA, filterB, gammaB, filterDown, saved, dx, dFilterA, dGammaA, "
                               "dBetaA, dFilterB, dGammaB, dBetaB, dFilterDown)");
  }
  const Block b = ReadBlock(info);
  const int64_t m = b.Out();
  float* dy = Floats(info[2], m, "dy");
  float* x = Floats(info[3], b.In(), "x");
  float* wa = Floats(info[4], 9 * b.cin * b.cout, "filterA");
  float* ga = Floats(info[5], b.cout, "gammaA");
  float* wb = Floats(info[6], 9 * b.cout * b.cout, "filterB");
  float* gb = Floats(info[7], b.cout, "gammaB");
  float* wd = Floats(info[8], b.cin * b.cout, "filterDown");
  float* saved = Floats(info[9], 3 * m, "saved");
  float* dx = Floats(info[10], b.In(), "dx");
  float* dwa = Floats(info[11], 9 * b.cin * b.cout, "dFilterA");
  float* dga = Floats(info[12], b.cout, "dGammaA");
  float* dba = Floats(info[13], b.cout, "dBetaA");
  float* dwb = Floats(info[14], 9 * b.cout * b.cout, "dFilterB");
  float* dgb = Floats(info[15], b.cout, "dGammaB");
  float* dbb = Floats(info[16], b.cout, "dBetaB");
  float* dwd = Floats(info[17], b.cin * b.cout, "dFilterDown");
  const float* za = saved;
  const float* a = saved + m;
  const float* zb = saved + 2 * m;
  const std::lock_guard<std::mutex> lock(FusedMutex());
  Scratch& s = Buffers();
  try {
    // shortcut: dx = avgPool2'(conv_down'(dy))
    float* pooled = Sized(s.pooled, b.Pooled());
    AvgPool2(b, x, pooled);
    RunConv(2, b.down.data(), pooled, dy, dwd);
    float* dpooled = Sized(s.dpooled, b.Pooled());
    RunConv(1, b.down.data(), dy, wd, dpooled);
    AvgPool2Backward(b, dpooled, dx);
    // second ReLU-conv-BN
    float* dz = Sized(s.dz2, m);
    BatchNormBackward(b.n, b.oh, b.ow, b.cout, b.epsilon, dy, zb, gb, dz, dgb, dbb);
    float* r2 = Sized(s.relu2, m);
    Relu(a, r2, m);
    RunConv(2, b.conv_b.data(), r2, dz, dwb);
    float* dr2 = Sized(s.drelu, m);
    RunConv(1, b.conv_b.data(), dz, wb, dr2);
    float* da = Sized(s.da, m);
    ReluBackward(dr2, a, da, m);
    // first ReLU-conv-BN
    BatchNormBackward(b.n, b.oh, b.ow, b.cout, b.epsilon, da, za, ga, dz, dga, dba);
    float* r = Sized(s.relu, b.In());
    Relu(x, r, b.In());
    RunConv(2, b.conv_a.data(), r, dz, dwa);
    float* dr = Sized(s.ddepthwise, b.In());
    RunConv(1, b.conv_a.data(), dz, wa, dr);
    const int64_t n = b.In();
#pragma omp parallel for simd schedule(static) if (parallel: n >= ParallelMin())
    for (int64_t i = 0; i < n; ++i) {
      const float v = x[i];
      const float g = dr[i] * StepOf(v);
      dx[i] = dx[i] + g;
    }
  } catch (const dnnl::error& error) {
    Rethrow(env, error);
  }
  return env.Undefined();
}

}  // namespace

void InitFused(Napi::Env env, Napi::Object exports) {
  exports.Set("fusedConvBn", Napi::Function::New(env, FusedConvBn, "fusedConvBn"));
  exports.Set("fusedConvBnGrad", Napi::Function::New(env, FusedConvBnGrad, "fusedConvBnGrad"));
  exports.Set("residualBlock", Napi::Function::New(env, ResidualBlock, "residualBlock"));
  exports.Set("residualBlockGrad", Napi::Function::New(env, ResidualBlockGrad, "residualBlockGrad"));
}

}  // namespace lmreg
