// Shared helpers of the addon's translation units: the oneDNN engine and stream (one per process),
// argument checks for the typed arrays JS hands in.
#pragma once

#include <napi.h>

#include <dnnl.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace lmreg {

inline dnnl::engine& Engine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

inline dnnl::stream& Stream() {
  static dnnl::stream stream(Engine());
  return stream;
}

/** The data of a Float32Array argument holding exactly `expected` elements. */
inline float* Floats(const Napi::Value& value, size_t expected, const char* name) {
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    throw Napi::TypeError::New(value.Env(), std::string(name) + " must be a Float32Array");
  }
  auto array = value.As<Napi::Float32Array>();
  if (array.ElementLength() != expected) {
    throw Napi::RangeError::New(value.Env(), std::string(name) + " has " + std::to_string(array.ElementLength()) +
                                                 " elements, expected " + std::to_string(expected));
  }
  return array.Data();
}

/** The numbers of an Int32Array argument (shapes, strides, flags), each >= `minimum`. */
inline std::vector<int64_t> Ints(const Napi::Value& value, const char* name, int64_t minimum = 0) {
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
    throw Napi::TypeError::New(value.Env(), std::string(name) + " must be an Int32Array");
  }
  auto array = value.As<Napi::Int32Array>();
  std::vector<int64_t> out(array.ElementLength());
  for (size_t i = 0; i < out.size(); ++i) {
    out[i] = array[i];
    if (out[i] < minimum) {
      throw Napi::RangeError::New(value.Env(), std::string(name) + " values must be >= " + std::to_string(minimum));
    }
  }
  return out;
}

/** Registers the element-wise, reduction, copy and matmul functions (elementwise.cc). */
void InitElementwise(Napi::Env env, Napi::Object exports);
/** Registers batchNorm / batchNormGrad (batchnorm.cc). */
void InitBatchNorm(Napi::Env env, Napi::Object exports);
size_t BatchNormCacheSize();
/** Registers the fused ReLU-(depthwise-)conv-BN kernels (fused.cc). */
void InitFused(Napi::Env env, Napi::Object exports);
/** Registers the multi-tensor clip + SGD update (optim.cc). */
void InitOptim(Napi::Env env, Napi::Object exports);
/**
 * One convolution on raw buffers (conv.cc's cached primitives; op 0 forward x,w->y, 1 backward-data
 * dy,w->dx, 2 backward-weights x,dy->dw), geometry as conv()'s 18 numbers. Throws dnnl::error.
 */
void RunConv(int op, const int64_t* geometry, float* a, float* b, float* out);
/** oneDNN's implementation name of that convolution's cached primitive (built if needed). */
std::string ConvImplementation(int op, const int64_t* geometry);
/** Training-mode batch norm forward on raw NHWC buffers (batchnorm.cc). Throws dnnl::error. */
void BatchNormForward(int64_t n, int64_t h, int64_t w, int64_t c, float epsilon, const float* x, const float* gamma,
                      const float* beta, float* y);
/** Its gradient (statistics of x recomputed): dx, dgamma, dbeta. Throws dnnl::error. */
void BatchNormBackward(int64_t n, int64_t h, int64_t w, int64_t c, float epsilon, const float* dy, const float* x,
                       const float* gamma, float* dx, float* dgamma, float* dbeta);
void ClearBatchNormCache();
/** Cached matmul primitives (elementwise.cc). */
size_t MatmulCacheSize();
void ClearMatmulCache();

}  // namespace lmreg
