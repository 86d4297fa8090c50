// Shared helpers of the addon's translation units: the oneDNN engine and stream (one per process),
// argument checks for the typed arrays JS hands in.
#pragma once

#include <napi.h>

#include <dnnl.hpp>
#include <omp.h>

#include <cstdint>
#include <cstdlib>
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

/**
 * The OpenMP thread count the next parallel region and oneDNN primitive will use. Part of every
 * primitive cache key: oneDNN 2.6 fixes a primitive's work split (its `parallel(nthr, ...)` calls)
 * and scratchpad at creation from this count, so a primitive built at 1 thread keeps running on 1
 * thread after setThreads(2), and one built at 2 keeps forking 2 threads after setThreads(1).
 */
inline int64_t Threads() { return omp_get_max_threads(); }

/**
 * Elements below which a memory-bound loop (element-wise ops, copies, reductions, the fused ops'
 * ReLU passes) runs on one thread: waking a sleeping OpenMP thread (the loader sets
 * OMP_WAIT_POLICY=passive) and joining it costs 10-20 us at best and ~100 us on a busy machine,
 * and on this project's 2-core VMs (a probe timing y = 2x, passive threads, load ~9) a pass over
 * 0.5 M floats took as long on 2 threads as on 1, one over 2 M 1.7x less at best.
 * LMREG_NATIVE_PARALLEL_MIN overrides it (read once).
 */
inline int64_t ParallelMin() {
  static const int64_t value = [] {
    const char* text = std::getenv("LMREG_NATIVE_PARALLEL_MIN");
    const long long parsed = text == nullptr ? -1 : std::atoll(text);
    return parsed > 0 ? static_cast<int64_t>(parsed) : static_cast<int64_t>(1) << 20;
  }();
  return value;
}

/**
 * Multiply-adds below which a compute-bound own loop (the depthwise backward passes) runs on one
 * thread: about 40 us of work on one core, more than a wake-up and join of the second thread.
 */
constexpr int64_t kComputeParallelMin = static_cast<int64_t>(1) << 17;

/** Caps the OpenMP thread count of the calling thread for its lifetime (restored after). */
class ThreadLimit {
 public:
  explicit ThreadLimit(int limit) : saved_(omp_get_max_threads()) {
    if (limit > 0 && limit < saved_) omp_set_num_threads(limit);
  }
  ~ThreadLimit() { omp_set_num_threads(saved_); }
  ThreadLimit(const ThreadLimit&) = delete;
  ThreadLimit& operator=(const ThreadLimit&) = delete;

 private:
  int saved_;
};

/**
 * Threads of the oneDNN primitives that synchronise their threads with spinning barriers inside
 * the primitive (OMP_WAIT_POLICY does not reach them): batch norm (jit) and the convolutions'
 * backward-weights pass (each thread sums a part of the batch, then they meet to reduce). Default
 * 1: whenever one thread is late (descheduled, or a sleeping thread still waking up) the others
 * spin. On the 2-core VM at 2 threads, NB201 C=8 N=1 batch 64 (ONEDNN_VERBOSE exec times): the
 * 210 batch-norm calls of 4 steps took 3,686 ms instead of 79 ms on 1 thread (load ~9), and the
 * backward-weights passes of 20 steps 953 ms instead of 124 ms at 1 thread (load ~7).
 * LMREG_NATIVE_BARRIER_THREADS=<n> (0: all) overrides it (read once).
 */
inline int BarrierPrimitiveThreads() {
  static const int value = [] {
    const char* text = std::getenv("LMREG_NATIVE_BARRIER_THREADS");
    return text == nullptr ? 1 : std::atoi(text);
  }();
  return value;
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
/** Registers DARTS' fused FactorizedReduce kernels (reduce.cc). */
void InitReduce(Napi::Env env, Napi::Object exports);
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

/** `buffer` grown (never shrunk) to at least `size` floats: a grow-only scratch buffer's data. */
inline float* Sized(std::vector<float>& buffer, int64_t size) {
  if (static_cast<int64_t>(buffer.size()) < size) buffer.resize(static_cast<size_t>(size));
  return buffer.data();
}

}  // namespace lmreg
