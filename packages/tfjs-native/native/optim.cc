// Multi-tensor optimizer update: global-norm gradient clipping (PyTorch's clip_grad_norm_) and SGD
// with momentum, dampening, Nesterov and coupled weight decay (torch.optim.SGD) over every variable
// of a training step in one call, like PyTorch's foreach / fused SGD. The composite form in tfjs
// ops costs about 9 kernels per variable (square, sum, scale, decay, momentum, step), each
// allocating its output.
//
// Rounding: every step is the float32 operation the composite form's kernel performs, in the same
// order (products and sums rounded to float32 one at a time; the binding is built without FMA
// contraction), so the updates equal the composite's bit for bit given the same norm. The norm
// sums each gradient's float32 squares in double (as the Sum kernels do), rounds each sum to
// float32 and adds those in order in float32 (as AddN does).
#include <napi.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "common.h"

namespace lmreg {
namespace {

/** Any-length Float32Array argument. */
float* AnyFloats(const Napi::Value& value, const std::string& name, size_t* length) {
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    throw Napi::TypeError::New(value.Env(), name + " must be a Float32Array");
  }
  auto array = value.As<Napi::Float32Array>();
  *length = array.ElementLength();
  return array.Data();
}

Napi::Array ArrayArgument(const Napi::Value& value, const char* name, uint32_t expected) {
  if (!value.IsArray()) throw Napi::TypeError::New(value.Env(), std::string(name) + " must be an array");
  Napi::Array array = value.As<Napi::Array>();
  if (array.Length() != expected) {
    throw Napi::RangeError::New(value.Env(), std::string(name) + " has " + std::to_string(array.Length()) + " entries, expected " +
                                                 std::to_string(expected));
  }
  return array;
}

struct Slot {
  const float* g = nullptr;
  const float* w = nullptr;
  const float* m = nullptr;  // null: no momentum buffer yet (first step: buf = d)
  float* out_w = nullptr;
  float* out_m = nullptr;  // null when momentum == 0
  int64_t n = 0;
};

/**
 * Sum of the float32 squares of g, accumulated in double (as tfjs' Square then Sum), in 8
 * interleaved partial sums (a single double accumulator is bound by the add latency).
 */
double SumOfSquares(const float* __restrict g, int64_t n) {
  double part[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    for (int k = 0; k < 8; ++k) {
      const float sq = g[i + k] * g[i + k];
      part[k] += static_cast<double>(sq);
    }
  }
  for (; i < n; ++i) {
    const float sq = g[i] * g[i];
    part[0] += static_cast<double>(sq);
  }
  return ((part[0] + part[1]) + (part[2] + part[3])) + ((part[4] + part[5]) + (part[6] + part[7]));
}

struct Hyper {
  float lr, momentum, weight_decay, one_minus_dampening, coef;
  bool has_momentum, has_decay, has_dampening, nesterov, scale;
};

/**
 * One variable's update. The options are compile-time flags so that every combination is a
 * branch-free loop the compiler vectorizes (run-time flags in a struct the output pointers might
 * alias were re-read on every element).
 */
template <bool kScale, bool kDecay, bool kMomentum, bool kBuffer, bool kDampening, bool kNesterov>
void UpdateLoop(const Slot& t, float coef, float weight_decay, float momentum, float one_minus_dampening, float lr) {
  const int64_t n = t.n;
  const float* __restrict g = t.g;
  const float* __restrict w = t.w;
  const float* __restrict m = t.m;
  float* __restrict ow = t.out_w;
  float* __restrict om = t.out_m;
  for (int64_t i = 0; i < n; ++i) {
    float d = kScale ? g[i] * coef : g[i];
    if (kDecay) {
      const float decay = w[i] * weight_decay;
      d = d + decay;
    }
    if (kMomentum) {
      float buf = d;
      if (kBuffer) {
        const float kept = m[i] * momentum;
        const float fresh = kDampening ? d * one_minus_dampening : d;
        buf = kept + fresh;
      }
      om[i] = buf;
      if (kNesterov) {
        const float ahead = buf * momentum;
        d = d + ahead;
      } else {
        d = buf;
      }
    }
    const float step = d * lr;
    ow[i] = w[i] - step;
  }
}

using UpdateFn = void (*)(const Slot&, float, float, float, float, float);

template <bool kScale, bool kDecay, bool kMomentum, bool kBuffer, bool kDampening>
UpdateFn Pick5(bool nesterov) {
  return nesterov ? &UpdateLoop<kScale, kDecay, kMomentum, kBuffer, kDampening, true> : &UpdateLoop<kScale, kDecay, kMomentum, kBuffer, kDampening, false>;
}
template <bool kScale, bool kDecay, bool kMomentum, bool kBuffer>
UpdateFn Pick4(bool dampening, bool nesterov) {
  return dampening ? Pick5<kScale, kDecay, kMomentum, kBuffer, true>(nesterov) : Pick5<kScale, kDecay, kMomentum, kBuffer, false>(nesterov);
}
template <bool kScale, bool kDecay, bool kMomentum>
UpdateFn Pick3(bool buffer, bool dampening, bool nesterov) {
  return buffer ? Pick4<kScale, kDecay, kMomentum, true>(dampening, nesterov) : Pick4<kScale, kDecay, kMomentum, false>(dampening, nesterov);
}
template <bool kScale, bool kDecay>
UpdateFn Pick2(bool momentum, bool buffer, bool dampening, bool nesterov) {
  return momentum ? Pick3<kScale, kDecay, true>(buffer, dampening, nesterov) : Pick3<kScale, kDecay, false>(false, false, false);
}
template <bool kScale>
UpdateFn Pick1(bool decay, bool momentum, bool buffer, bool dampening, bool nesterov) {
  return decay ? Pick2<kScale, true>(momentum, buffer, dampening, nesterov) : Pick2<kScale, false>(momentum, buffer, dampening, nesterov);
}

void Update(const Slot& t, const Hyper& h) {
  const UpdateFn fn = h.scale ? Pick1<true>(h.has_decay, h.has_momentum, t.m != nullptr, h.has_dampening, h.nesterov)
                              : Pick1<false>(h.has_decay, h.has_momentum, t.m != nullptr, h.has_dampening, h.nesterov);
  fn(t, h.coef, h.weight_decay, h.momentum, h.one_minus_dampening, h.lr);
}

/**
 * clipSgd(grads, weights, momenta, newWeights, newMomenta, hyper) -> the global norm before clipping.
 *   grads, weights, newWeights: arrays of Float32Array, entry i of each the same length;
 *   momenta: array of (Float32Array | null) (null: no buffer yet, the buffer starts as d), ignored
 *     when momentum is 0; newMomenta: array of Float32Array, or null when momentum is 0;
 *   hyper: Float64Array [lr, momentum, weightDecay, dampening, nesterov (0/1), maxNorm (Infinity:
 *     no clipping)].
 * Writes newWeights (and newMomenta); reads nothing it writes.
 */
Napi::Value ClipSgd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 6) throw Napi::TypeError::New(env, "clipSgd(grads, weights, momenta, newWeights, newMomenta, hyper)");
  if (!info[5].IsTypedArray() || info[5].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array ||
      info[5].As<Napi::TypedArray>().ElementLength() != 6) {
    throw Napi::TypeError::New(env, "hyper must be a Float64Array [lr, momentum, weightDecay, dampening, nesterov, maxNorm]");
  }
  const auto hyper = info[5].As<Napi::Float64Array>();
  const double lr = hyper[0], momentum = hyper[1], weight_decay = hyper[2], dampening = hyper[3], max_norm = hyper[5];
  const bool nesterov = hyper[4] != 0.0;
  if (!std::isfinite(lr) || !std::isfinite(momentum) || !std::isfinite(weight_decay) || !std::isfinite(dampening) || !(max_norm > 0.0)) {
    throw Napi::RangeError::New(env, "clipSgd: lr, momentum, weightDecay and dampening must be finite and maxNorm > 0");
  }
  if (!info[0].IsArray()) throw Napi::TypeError::New(env, "grads must be an array");
  const uint32_t count = info[0].As<Napi::Array>().Length();
  Napi::Array grads = ArrayArgument(info[0], "grads", count);
  Napi::Array weights = ArrayArgument(info[1], "weights", count);
  Napi::Array newWeights = ArrayArgument(info[3], "newWeights", count);
  const bool has_momentum = momentum != 0.0;
  Napi::Array momenta, newMomenta;
  if (has_momentum) {
    momenta = ArrayArgument(info[2], "momenta", count);
    newMomenta = ArrayArgument(info[4], "newMomenta", count);
  }
  std::vector<Slot> slots(count);
  for (uint32_t i = 0; i < count; ++i) {
    const std::string index = "[" + std::to_string(i) + "]";
    Slot& s = slots[i];
    size_t n = 0, other = 0;
    s.g = AnyFloats(grads.Get(i), "grads" + index, &n);
    s.n = static_cast<int64_t>(n);
    s.w = AnyFloats(weights.Get(i), "weights" + index, &other);
    if (other != n) throw Napi::RangeError::New(env, "weights" + index + " and grads" + index + " differ in length");
    s.out_w = AnyFloats(newWeights.Get(i), "newWeights" + index, &other);
    if (other != n) throw Napi::RangeError::New(env, "newWeights" + index + " and grads" + index + " differ in length");
    if (has_momentum) {
      const Napi::Value m = momenta.Get(i);
      if (!m.IsNull() && !m.IsUndefined()) {
        s.m = AnyFloats(m, "momenta" + index, &other);
        if (other != n) throw Napi::RangeError::New(env, "momenta" + index + " and grads" + index + " differ in length");
      }
      s.out_m = AnyFloats(newMomenta.Get(i), "newMomenta" + index, &other);
      if (other != n) throw Napi::RangeError::New(env, "newMomenta" + index + " and grads" + index + " differ in length");
    }
  }

  float total = 0.f;
  for (uint32_t i = 0; i < count; ++i) {
    const float part = static_cast<float>(SumOfSquares(slots[i].g, slots[i].n));
    total = i == 0 ? part : total + part;
  }
  const float norm = std::sqrt(total);

  Hyper h{};
  h.lr = static_cast<float>(lr);
  h.momentum = static_cast<float>(momentum);
  h.weight_decay = static_cast<float>(weight_decay);
  h.one_minus_dampening = static_cast<float>(1.0 - dampening);
  h.has_momentum = has_momentum;
  h.has_decay = weight_decay != 0.0;
  h.has_dampening = dampening != 0.0;
  h.nesterov = nesterov;
  h.scale = std::isfinite(max_norm);
  if (h.scale) {
    // min(maxNorm / (norm + 1e-6), 1) in float32, NaN propagated (as Math.min).
    const float ratio = static_cast<float>(max_norm) / (norm + static_cast<float>(1e-6));
    h.coef = std::isnan(ratio) ? ratio : (ratio < 1.f ? ratio : 1.f);
  }
  for (const Slot& s : slots) Update(s, h);
  return Napi::Number::New(env, static_cast<double>(norm));
}

}  // namespace

void InitOptim(Napi::Env env, Napi::Object exports) { exports.Set("clipSgd", Napi::Function::New(env, ClipSgd, "clipSgd")); }

}  // namespace lmreg
