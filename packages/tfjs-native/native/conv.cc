// oneDNN convolution kernels for @lmreg/tfjs-native.
//
// Tensors arrive as the Float32Arrays of the TensorFlow.js cpu backend (NHWC activations, HWIO
// filters) and are used in place: oneDNN wraps their buffers as "user" memories. For each
// (operation, geometry) the primitive works on NHWC activations (no reorders) unless oneDNN has
// only a gemm or reference kernel for them and a jit one for its blocked layout (format_tag::any,
// reorders at the boundaries): a choice by name, so the same machine always computes a shape the
// same way (LMREG_NATIVE_CONV_LAYOUT=nhwc, the default; =any always blocked; =auto builds both,
// times them once and keeps the faster: a little faster on a few shapes, but timing noise flips
// the choice between processes, and the two layouts round differently, so runs with the same
// seed and thread count then differ in the last bits). Primitive descriptors, primitives,
// reorders and blocked scratch buffers are cached by (operation, geometry, OpenMP thread count). All calls are synchronous on the calling thread; oneDNN parallelises
// with OpenMP (OMP_NUM_THREADS, or setThreads()).
#include <napi.h>

#include "common.h"

#include <dnnl.hpp>
#include <omp.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdlib>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace {

using dnnl::memory;
using tag = memory::format_tag;
using dt = memory::data_type;

enum Op : int64_t { kForward = 0, kBackwardData = 1, kBackwardWeights = 2 };

// n, h, w, c, kh, kw, o, oh, ow, sh, sw, dh, dw, pt, pl, pb, pr (dilation as a rate, >= 1), groups
// (1, or c for a depthwise convolution with o = c * multiplier; JS may leave it out).
constexpr size_t kGeometrySize = 18;
using Geometry = std::array<int64_t, kGeometrySize>;
// op, geometry, thread count (lmreg::Threads(): oneDNN fixes a primitive's thread count at creation)
using Key = std::array<int64_t, kGeometrySize + 2>;

using lmreg::Engine;
using lmreg::Floats;
using lmreg::Stream;

/**
 * True when `internal` is a channel-blocked activation layout (aBcd16b, aBcd8b, aBcd4b) whose block
 * is exactly the channel count: then it is byte for byte NHWC and the user buffer is used as is
 * (C = 16 is common in NB201 cells; the reorder would copy the whole tensor for nothing).
 */
bool SameBytesAsNhwc(const memory::desc& user, const memory::desc& internal) {
  const memory::dims dims = user.dims();
  if (dims.size() != 4 || user != memory::desc(dims, dt::f32, tag::nhwc)) return false;
  const std::pair<int64_t, tag> blocks[] = {{16, tag::aBcd16b}, {8, tag::aBcd8b}, {4, tag::aBcd4b}};
  for (const auto& [block, blocked] : blocks) {
    if (dims[1] == block && internal == memory::desc(dims, dt::f32, blocked)) return true;
  }
  return false;
}

/** One argument of a primitive: the plain layout JS uses and the layout the primitive wants. */
struct Port {
  memory::desc user;
  memory::desc internal;
  bool reordered = false;
  memory scratch;         // the internal-layout buffer, when reordered
  dnnl::reorder convert;  // user -> internal for inputs, internal -> user for outputs

  void Init(const memory::desc& user_desc, const memory::desc& internal_desc, bool is_output) {
    user = SameBytesAsNhwc(user_desc, internal_desc) ? internal_desc : user_desc;
    internal = internal_desc;
    reordered = user != internal;
    if (!reordered) return;
    scratch = memory(internal, Engine());
    memory user_memory(user, Engine(), DNNL_MEMORY_NONE);
    convert = is_output ? dnnl::reorder(scratch, user_memory) : dnnl::reorder(user_memory, scratch);
  }

  /** The memory to hand the primitive for an input living at `data`. */
  memory In(float* data) {
    memory user_memory(user, Engine(), data);
    if (!reordered) return user_memory;
    convert.execute(Stream(), {{DNNL_ARG_FROM, user_memory}, {DNNL_ARG_TO, scratch}});
    return scratch;
  }

  /** The memory the primitive writes an output into (call Out() after the primitive ran). */
  memory Target(float* data) { return reordered ? scratch : memory(user, Engine(), data); }

  void Out(float* data) {
    if (!reordered) return;
    memory user_memory(user, Engine(), data);
    convert.execute(Stream(), {{DNNL_ARG_FROM, scratch}, {DNNL_ARG_TO, user_memory}});
  }
};

struct Entry {
  dnnl::primitive primitive;
  Port a;  // fwd: src;      bwd-data: diff_dst;  bwd-weights: src
  Port b;  // fwd: weights;  bwd-data: weights;   bwd-weights: diff_dst
  Port c;  // fwd: dst;      bwd-data: diff_src;  bwd-weights: diff_weights
  std::string implementation;
};

/** The cache, its scratch buffers and the stream are process-wide: worker threads take turns. */
std::mutex& CacheMutex() {
  static std::mutex mutex;
  return mutex;
}

std::map<Key, std::unique_ptr<Entry>>& Cache() {
  static std::map<Key, std::unique_ptr<Entry>> cache;
  return cache;
}

/**
 * The primitive for (op, g) with activations (src, dst and their gradients) in layout `act`:
 * `any` lets oneDNN pick its blocked layout (reorders at the boundaries unless the block equals
 * C), `nhwc` asks for a kernel that works on the cpu backend's buffers directly.
 */
std::unique_ptr<Entry> Build(Op op, const Geometry& g, tag act) {
  const auto [n, h, w, c, kh, kw, o, oh, ow, sh, sw, dh, dw, pt, pl, pb, pr, groups] = g;
  const memory::dims src_dims{n, c, h, w};
  const memory::dims wei_dims{o, c, kh, kw};
  const memory::dims dst_dims{n, o, oh, ow};
  const memory::dims strides{sh, sw};
  const memory::dims dilates{dh - 1, dw - 1};
  const memory::dims pad_l{pt, pl};
  const memory::dims pad_r{pb, pr};
  // Grouped (depthwise) weights are {groups, o / groups, c / groups, kh, kw}; tfjs stores a
  // depthwise filter as [kh, kw, c, multiplier], i.e. o = c * multiplier with o index c * m + j.
  const memory::dims group_dims{groups, o / groups, c / groups, kh, kw};
  const memory::desc wei_any = groups == 1 ? memory::desc(wei_dims, dt::f32, tag::any) : memory::desc(group_dims, dt::f32, tag::any);
  const memory::desc src_any(src_dims, dt::f32, act);
  const memory::desc dst_any(dst_dims, dt::f32, act);
  const memory::desc src_user(src_dims, dt::f32, tag::nhwc);
  const int64_t per_group = o / groups;
  const memory::desc wei_user = groups == 1 ? memory::desc(wei_dims, dt::f32, tag::hwio)
                                            : memory::desc(group_dims, dt::f32, memory::dims{per_group, 1, per_group, kw * o, o});
  const memory::desc dst_user(dst_dims, dt::f32, tag::nhwc);

  const dnnl::convolution_forward::desc forward_desc(dnnl::prop_kind::forward_training,
                                                     dnnl::algorithm::convolution_direct, src_any, wei_any,
                                                     dst_any, strides, dilates, pad_l, pad_r);
  const dnnl::convolution_forward::primitive_desc forward_pd(forward_desc, Engine());

  auto entry = std::make_unique<Entry>();
  if (op == kForward) {
    entry->primitive = dnnl::convolution_forward(forward_pd);
    entry->a.Init(src_user, forward_pd.src_desc(), false);
    entry->b.Init(wei_user, forward_pd.weights_desc(), false);
    entry->c.Init(dst_user, forward_pd.dst_desc(), true);
    entry->implementation = forward_pd.impl_info_str();
  } else if (op == kBackwardData) {
    const dnnl::convolution_backward_data::desc desc(dnnl::algorithm::convolution_direct, src_any, wei_any, dst_any,
                                                     strides, dilates, pad_l, pad_r);
    const dnnl::convolution_backward_data::primitive_desc pd(desc, Engine(), forward_pd);
    entry->primitive = dnnl::convolution_backward_data(pd);
    entry->a.Init(dst_user, pd.diff_dst_desc(), false);
    entry->b.Init(wei_user, pd.weights_desc(), false);
    entry->c.Init(src_user, pd.diff_src_desc(), true);
    entry->implementation = pd.impl_info_str();
  } else {
    const dnnl::convolution_backward_weights::desc desc(dnnl::algorithm::convolution_direct, src_any, wei_any,
                                                        dst_any, strides, dilates, pad_l, pad_r);
    const dnnl::convolution_backward_weights::primitive_desc pd(desc, Engine(), forward_pd);
    entry->primitive = dnnl::convolution_backward_weights(pd);
    entry->a.Init(src_user, pd.src_desc(), false);
    entry->b.Init(dst_user, pd.diff_dst_desc(), false);
    entry->c.Init(wei_user, pd.diff_weights_desc(), true);
    entry->implementation = pd.impl_info_str();
  }
  return entry;
}

/** Runs `entry` on user buffers: reorders in, the primitive, reorder out. */
void Execute(Op op, Entry& entry, float* a, float* b, float* out) {
  memory ma = entry.a.In(a);
  memory mb = entry.b.In(b);
  memory mc = entry.c.Target(out);
  if (op == kForward) {
    entry.primitive.execute(Stream(), {{DNNL_ARG_SRC, ma}, {DNNL_ARG_WEIGHTS, mb}, {DNNL_ARG_DST, mc}});
  } else if (op == kBackwardData) {
    entry.primitive.execute(Stream(), {{DNNL_ARG_DIFF_DST, ma}, {DNNL_ARG_WEIGHTS, mb}, {DNNL_ARG_DIFF_SRC, mc}});
  } else {
    entry.primitive.execute(Stream(), {{DNNL_ARG_SRC, ma}, {DNNL_ARG_DIFF_DST, mb}, {DNNL_ARG_DIFF_WEIGHTS, mc}});
  }
  entry.c.Out(out);
  Stream().wait();
}

/** Seconds of one run of `entry` on the scratch buffers. */
double TimeOnce(Op op, Entry& entry, std::vector<float>* buffers) {
  const auto start = std::chrono::steady_clock::now();
  Execute(op, entry, buffers[0].data(), buffers[1].data(), buffers[2].data());
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

/**
 * True when `first` is faster than `second`: best of 3 runs each, interleaved (a busy machine
 * slows both alike), on zero-filled scratch buffers of the op's sizes.
 */
bool Faster(Op op, Entry& first, Entry& second, const size_t* sizes) {
  std::vector<float> buffers[3] = {std::vector<float>(sizes[0], 0.f), std::vector<float>(sizes[1], 0.f),
                                   std::vector<float>(sizes[2], 0.f)};
  double best_first = 1e30, best_second = 1e30;
  for (int r = 0; r < 3; ++r) {
    best_first = std::min(best_first, TimeOnce(op, first, buffers));
    best_second = std::min(best_second, TimeOnce(op, second, buffers));
  }
  return best_first < best_second;
}

/**
 * Activation layout policy: LMREG_NATIVE_CONV_LAYOUT=nhwc (default: no reorders; the blocked
 * layout when oneDNN has no NHWC kernel, or only a gemm / reference one and a jit one for the
 * blocked layout), any (oneDNN's blocked layout + reorders) or auto (both built and timed once on
 * the first call of each shape, the faster kept). Measured with auto on AVX-512 (NB201 C=16 N=5
 * and DARTS C=16 shapes, 1 thread, 3 processes): NHWC was faster on most shapes; the blocked one
 * won clearly only on NB201's 3-channel stem forward (~0.45 vs ~0.65 ms) and 5x5 depthwise
 * forwards at 8x8; on ~1 shape in 5 the choice flipped between processes (times within a few %,
 * or one noisy run), which made same-seed runs differ.
 */
enum class Layout { kAny, kNhwc, kAuto };

Layout LayoutPolicy() {
  static const Layout policy = [] {
    const char* value = std::getenv("LMREG_NATIVE_CONV_LAYOUT");
    const std::string v = value == nullptr ? "nhwc" : value;
    return v == "any" ? Layout::kAny : v == "auto" ? Layout::kAuto : Layout::kNhwc;
  }();
  return policy;
}

/** True for oneDNN's generic convolution implementations (gemm-based or reference), not a jit kernel. */
bool IsGeneric(const Entry& entry) {
  return entry.implementation.find("gemm") != std::string::npos || entry.implementation.find("ref") != std::string::npos;
}

Entry& Lookup(Op op, const Geometry& g) {
  Key key;
  key[0] = op;
  for (size_t i = 0; i < kGeometrySize; ++i) key[i + 1] = g[i];
  key[kGeometrySize + 1] = lmreg::Threads();
  auto found = Cache().find(key);
  if (found != Cache().end()) return *found->second;

  const Layout policy = LayoutPolicy();
  const bool strided_1x1 = g[4] == 1 && g[5] == 1 && (g[9] > 1 || g[10] > 1);
  std::unique_ptr<Entry> blocked = policy == Layout::kNhwc && !strided_1x1 ? nullptr : Build(op, g, tag::any);
  std::unique_ptr<Entry> plain;
  const bool blocked_is_plain = blocked != nullptr && !blocked->a.reordered && !blocked->c.reordered;
  // oneDNN 2.6's jit_1x1 backward-weights kernel corrupts the heap on NHWC activations with a
  // stride > 1 (e.g. n=2 h=11 w=10 c=2 -> o=5, stride 1x2; see the regression test in conv2d.test.ts): strided
  // 1x1 convolutions always keep the blocked layout.
  if (policy != Layout::kAny && !blocked_is_plain && !strided_1x1) {
    try {
      plain = Build(op, g, tag::nhwc);
    } catch (const dnnl::error&) {
      if (blocked == nullptr) blocked = Build(op, g, tag::any);  // no nhwc implementation
    }
  }
  std::unique_ptr<Entry> chosen;
  if (policy == Layout::kNhwc && plain != nullptr && blocked == nullptr && IsGeneric(*plain)) {
    blocked = Build(op, g, tag::any);
    if (IsGeneric(*blocked)) blocked = nullptr;  // both generic: keep NHWC (no reorders)
    else plain = nullptr;
  }
  if (plain == nullptr || blocked == nullptr) {
    chosen = std::move(plain != nullptr ? plain : blocked);
  } else {
    const auto [n, h, w, c, kh, kw, o, oh, ow, sh, sw, dh, dw, pt, pl, pb, pr, groups] = g;
    const size_t src = n * h * w * c, wei = kh * kw * (c / groups) * o, dst = n * oh * ow * o;
    const size_t sizes[3][3] = {{src, wei, dst}, {dst, wei, src}, {src, dst, wei}};
    chosen = std::move(Faster(op, *plain, *blocked, sizes[op]) ? plain : blocked);
  }
  Entry& result = *chosen;
  Cache().emplace(key, std::move(chosen));
  return result;
}

Geometry ReadGeometry(const Napi::Value& value) {
  const size_t length = value.IsTypedArray() ? value.As<Napi::TypedArray>().ElementLength() : 0;
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array ||
      (length != kGeometrySize && length != kGeometrySize - 1)) {
    throw Napi::TypeError::New(value.Env(), "geometry must be an Int32Array of 17 or 18 numbers");
  }
  auto array = value.As<Napi::Int32Array>();
  Geometry g;
  g[kGeometrySize - 1] = 1;
  for (size_t i = 0; i < length; ++i) {
    g[i] = array[i];
    if ((i < 13 || i == 17) && g[i] < 1) throw Napi::RangeError::New(value.Env(), "geometry sizes, strides, dilations and groups must be >= 1");
    if (i >= 13 && i < 17 && g[i] < 0) throw Napi::RangeError::New(value.Env(), "paddings must be >= 0");
  }
  const int64_t groups = g[17];
  if (groups > 1 && (g[3] % groups != 0 || g[6] % groups != 0)) {
    throw Napi::RangeError::New(value.Env(), "groups must divide the input and output channels");
  }
  return g;
}

/** conv(op, geometry, a, b, out): out = op(a, b); see Entry for the meaning of a, b and out. */
Napi::Value Conv(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 5 || !info[0].IsNumber()) throw Napi::TypeError::New(env, "conv(op, geometry, a, b, out)");
  const auto op = static_cast<Op>(info[0].As<Napi::Number>().Int32Value());
  if (op < kForward || op > kBackwardWeights) throw Napi::RangeError::New(env, "op must be 0, 1 or 2");
  const Geometry g = ReadGeometry(info[1]);
  const auto [n, h, w, c, kh, kw, o, oh, ow, sh, sw, dh, dw, pt, pl, pb, pr, groups] = g;
  const size_t src = n * h * w * c, wei = kh * kw * (c / groups) * o, dst = n * oh * ow * o;
  const size_t sizes[3][3] = {{src, wei, dst}, {dst, wei, src}, {src, dst, wei}};
  float* a = Floats(info[2], sizes[op][0], "a");
  float* b = Floats(info[3], sizes[op][1], "b");
  float* out = Floats(info[4], sizes[op][2], "out");
  const std::lock_guard<std::mutex> lock(CacheMutex());
  try {
    const lmreg::ThreadLimit limit(op == kBackwardWeights ? lmreg::BarrierPrimitiveThreads() : 0);
    Entry& entry = Lookup(op, g);
    Execute(op, entry, a, b, out);
    return Napi::String::New(env, entry.implementation);
  } catch (const dnnl::error& error) {
    throw Napi::Error::New(env, std::string("oneDNN: ") + error.what() + " (status " + std::to_string(error.status) + ")");
  }
}


// ---- Pooling (NHWC throughout: pooling is memory-bound and oneDNN has NHWC jit kernels). ----

enum PoolOp : int64_t { kAvgForward = 0, kAvgBackward = 1, kMaxForward = 2, kMaxBackward = 3 };

struct PoolEntry {
  dnnl::primitive primitive;
  dnnl::primitive forward;  // max backward: the forward pass that fills `workspace`
  memory::desc src, dst;
  memory workspace, forward_dst;
  std::string implementation;
};

std::map<Key, std::unique_ptr<PoolEntry>>& PoolCache() {
  static std::map<Key, std::unique_ptr<PoolEntry>> cache;
  return cache;
}

PoolEntry& PoolLookup(PoolOp op, const Geometry& g) {
  Key key;
  key[0] = op;
  for (size_t i = 0; i < kGeometrySize; ++i) key[i + 1] = g[i];
  key[kGeometrySize + 1] = lmreg::Threads();
  auto found = PoolCache().find(key);
  if (found != PoolCache().end()) return *found->second;
  const auto [n, h, w, c, kh, kw, o, oh, ow, sh, sw, dh, dw, pt, pl, pb, pr, groups] = g;
  auto entry = std::make_unique<PoolEntry>();
  entry->src = memory::desc({n, c, h, w}, dt::f32, tag::nhwc);
  entry->dst = memory::desc({n, c, oh, ow}, dt::f32, tag::nhwc);
  const bool is_max = op == kMaxForward || op == kMaxBackward;
  const auto algorithm = is_max ? dnnl::algorithm::pooling_max : dnnl::algorithm::pooling_avg_exclude_padding;
  const auto prop = op == kMaxBackward ? dnnl::prop_kind::forward_training : dnnl::prop_kind::forward_inference;
  const dnnl::pooling_forward::desc forward_desc(prop, algorithm, entry->src, entry->dst, {sh, sw}, {kh, kw},
                                                 {pt, pl}, {pb, pr});
  const dnnl::pooling_forward::primitive_desc forward_pd(forward_desc, Engine());
  if (op == kAvgForward || op == kMaxForward) {
    entry->primitive = dnnl::pooling_forward(forward_pd);
    entry->implementation = forward_pd.impl_info_str();
  } else {
    const dnnl::pooling_backward::desc desc(algorithm, entry->src, entry->dst, {sh, sw}, {kh, kw}, {pt, pl},
                                            {pb, pr});
    const dnnl::pooling_backward::primitive_desc pd(desc, Engine(), forward_pd);
    entry->primitive = dnnl::pooling_backward(pd);
    entry->implementation = pd.impl_info_str();
    if (op == kMaxBackward) {
      entry->forward = dnnl::pooling_forward(forward_pd);
      entry->workspace = memory(forward_pd.workspace_desc(), Engine());
      entry->forward_dst = memory(entry->dst, Engine());
    }
  }
  PoolEntry& result = *entry;
  PoolCache().emplace(key, std::move(entry));
  return result;
}

/**
 * pool(op, geometry, a, out) with geometry as for conv (o = c, kernel = window, dilation 1):
 * avg/max forward: a = x -> out = y; avg backward: a = dy -> out = dx;
 * max backward: pool(3, geometry, dy, out, x) recomputes the forward on x for the argmax.
 */
Napi::Value Pool(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 4 || !info[0].IsNumber()) throw Napi::TypeError::New(env, "pool(op, geometry, a, out[, x])");
  const auto op = static_cast<PoolOp>(info[0].As<Napi::Number>().Int32Value());
  if (op < kAvgForward || op > kMaxBackward) throw Napi::RangeError::New(env, "op must be 0..3");
  const Geometry g = ReadGeometry(info[1]);
  const auto [n, h, w, c, kh, kw, o, oh, ow, sh, sw, dh, dw, pt, pl, pb, pr, groups] = g;
  if (o != c || dh != 1 || dw != 1) throw Napi::RangeError::New(env, "pooling needs o == c and dilation 1");
  const size_t src = n * h * w * c, dst = n * oh * ow * c;
  const bool forward = op == kAvgForward || op == kMaxForward;
  float* a = Floats(info[2], forward ? src : dst, "a");
  float* out = Floats(info[3], forward ? dst : src, "out");
  float* x = op == kMaxBackward ? Floats(info.Length() > 4 ? info[4] : env.Undefined(), src, "x") : nullptr;
  const std::lock_guard<std::mutex> lock(CacheMutex());
  try {
    PoolEntry& e = PoolLookup(op, g);
    if (forward) {
      e.primitive.execute(Stream(), {{DNNL_ARG_SRC, memory(e.src, Engine(), a)}, {DNNL_ARG_DST, memory(e.dst, Engine(), out)}});
    } else if (op == kAvgBackward) {
      e.primitive.execute(Stream(), {{DNNL_ARG_DIFF_DST, memory(e.dst, Engine(), a)},
                                     {DNNL_ARG_DIFF_SRC, memory(e.src, Engine(), out)}});
    } else {
      e.forward.execute(Stream(), {{DNNL_ARG_SRC, memory(e.src, Engine(), x)},
                                   {DNNL_ARG_DST, e.forward_dst},
                                   {DNNL_ARG_WORKSPACE, e.workspace}});
      e.primitive.execute(Stream(), {{DNNL_ARG_DIFF_DST, memory(e.dst, Engine(), a)},
                                     {DNNL_ARG_WORKSPACE, e.workspace},
                                     {DNNL_ARG_DIFF_SRC, memory(e.src, Engine(), out)}});
    }
    Stream().wait();
    return Napi::String::New(env, e.implementation);
  } catch (const dnnl::error& error) {
    throw Napi::Error::New(env, std::string("oneDNN: ") + error.what() + " (status " + std::to_string(error.status) + ")");
  }
}

Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  if (info.Length() != 1 || !info[0].IsNumber()) throw Napi::TypeError::New(info.Env(), "setThreads(count)");
  const int count = info[0].As<Napi::Number>().Int32Value();
  if (count < 1) throw Napi::RangeError::New(info.Env(), "thread count must be >= 1");
  omp_set_num_threads(count);
  return info.Env().Undefined();
}

Napi::Value GetThreads(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), omp_get_max_threads()); }

Napi::Value ClearCache(const Napi::CallbackInfo& info) {
  const std::lock_guard<std::mutex> lock(CacheMutex());
  Cache().clear();
  PoolCache().clear();
  lmreg::ClearMatmulCache();
  lmreg::ClearBatchNormCache();
  return info.Env().Undefined();
}

Napi::Value CacheSize(const Napi::CallbackInfo& info) {
  const std::lock_guard<std::mutex> lock(CacheMutex());
  return Napi::Number::New(info.Env(), static_cast<double>(Cache().size() + PoolCache().size() + lmreg::MatmulCacheSize() + lmreg::BatchNormCacheSize()));
}

Napi::Value Version(const Napi::CallbackInfo& info) {
  const dnnl_version_t* v = dnnl_version();
  return Napi::String::New(info.Env(), std::to_string(v->major) + "." + std::to_string(v->minor) + "." +
                                           std::to_string(v->patch) + " (cpu runtime " +
                                           std::to_string(v->cpu_runtime) + ")");
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("conv", Napi::Function::New(env, Conv, "conv"));
  exports.Set("pool", Napi::Function::New(env, Pool, "pool"));
  exports.Set("setThreads", Napi::Function::New(env, SetThreads, "setThreads"));
  exports.Set("getThreads", Napi::Function::New(env, GetThreads, "getThreads"));
  exports.Set("clearCache", Napi::Function::New(env, ClearCache, "clearCache"));
  exports.Set("cacheSize", Napi::Function::New(env, CacheSize, "cacheSize"));
  exports.Set("version", Napi::Function::New(env, Version, "version"));
  lmreg::InitElementwise(env, exports);
  lmreg::InitBatchNorm(env, exports);
  lmreg::InitFused(env, exports);
  lmreg::InitReduce(env, exports);
  lmreg::InitOptim(env, exports);
  return exports;
}

}  // namespace

/** conv() without N-API: for the fused kernels (fused.cc). Throws dnnl::error. */
void lmreg::RunConv(int op, const int64_t* geometry, float* a, float* b, float* out) {
  Geometry g;
  std::copy(geometry, geometry + kGeometrySize, g.begin());
  const std::lock_guard<std::mutex> lock(CacheMutex());
  const lmreg::ThreadLimit limit(op == kBackwardWeights ? lmreg::BarrierPrimitiveThreads() : 0);
  Execute(static_cast<Op>(op), Lookup(static_cast<Op>(op), g), a, b, out);
}

std::string lmreg::ConvImplementation(int op, const int64_t* geometry) {
  Geometry g;
  std::copy(geometry, geometry + kGeometrySize, g.begin());
  const std::lock_guard<std::mutex> lock(CacheMutex());
  const lmreg::ThreadLimit limit(op == kBackwardWeights ? lmreg::BarrierPrimitiveThreads() : 0);
  return Lookup(static_cast<Op>(op), g).implementation;
}

NODE_API_MODULE(lmreg_tfjs_native, Init)
