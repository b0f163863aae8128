#include "conv.h"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <omp.h>

#include "oneapi/dnnl/dnnl.hpp"
#include "columns.h"
#include "engine.h"
#include "parallel.h"
#include "taps.h"
#include "weights-blocks.h"

namespace onednn_backend {
namespace {

using dnnl::memory;
using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

dnnl::stream& cpuStream() {
  static dnnl::stream stream(cpuEngine());
  return stream;
}

// Where each logical weights index lands in a blocked layout, per dimension: the offset of an element
// is the sum of its four dimensions' contributions. Available when every dimension is blocked at most
// once (true of the layouts oneDNN picks for f32 convolutions here).
struct BlockedOffsets {
  std::array<std::vector<int64_t>, 4> byDim;  // O, I, H, W

  bool outputChannelsContiguous() const { return byDim[0].size() < 2 || byDim[0][1] - byDim[0][0] == 1; }

  static std::optional<BlockedOffsets> of(const memory::desc& desc) {
    const dnnl_memory_desc_t& d = desc.data;
    if (d.ndims != 4 || d.format_kind != dnnl_blocked || d.offset0 != 0) return std::nullopt;
    const dnnl_blocking_desc_t& b = d.format_desc.blocking;
    BlockedOffsets result;
    for (int dim = 0; dim < 4; ++dim) {
      int64_t block = 1, innerStride = 0, stride = 1;
      for (int k = b.inner_nblks - 1; k >= 0; --k) {
        if (b.inner_idxs[k] == dim) {
          if (block != 1) return std::nullopt;
          block = b.inner_blks[k];
          innerStride = stride;
        }
        stride *= b.inner_blks[k];
      }
      auto& table = result.byDim[dim];
      table.resize(static_cast<size_t>(d.dims[dim]));
      for (int64_t x = 0; x < d.dims[dim]; ++x) table[x] = (x / block) * b.strides[dim] + (x % block) * innerStride;
    }
    return result;
  }
};

// Buffers for data in a primitive's own layout, one per role, reused by every convolution and grown to
// the largest request. Held per primitive, they would keep three blocked copies of every filter alive
// (forward, backward data, weights gradient): 650 MB of pix2pix training's memory at 256 px. Per
// thread, so that concurrent callers never share one.
enum class Scratch { Weights, Gradient, Activation, Columns, Count };

class ScratchBuffer {
 public:
  ScratchBuffer() = default;
  ScratchBuffer(const ScratchBuffer&) = delete;
  ScratchBuffer& operator=(const ScratchBuffer&) = delete;
  ~ScratchBuffer() { std::free(data_); }

  float* atLeast(size_t bytes) {
    if (bytes > bytes_) {
      std::free(data_);
      bytes_ = 0;
      // 64-byte aligned, as oneDNN allocates its own memory: the jit kernels load whole cache lines.
      data_ = static_cast<float*>(std::aligned_alloc(64, (bytes + 63) / 64 * 64));
      if (data_ == nullptr) throw std::bad_alloc();
      bytes_ = bytes;
    }
    return data_;
  }

 private:
  float* data_ = nullptr;
  size_t bytes_ = 0;
};

float* scratchFloats(Scratch role, size_t bytes) {
  thread_local std::array<ScratchBuffer, static_cast<size_t>(Scratch::Count)> buffers;
  return buffers[static_cast<size_t>(role)].atLeast(bytes);
}

memory scratchMemory(Scratch role, const memory::desc& desc) {
  return memory(desc, cpuEngine(), scratchFloats(role, desc.get_size()));
}

memory wrap(const memory::desc& desc, const float* data) {
  return memory(desc, cpuEngine(), const_cast<float*>(data));
}

// The weights in the layout a primitive prefers, copied from (or back into) tfjs's HWIO layout through
// the Weights scratch buffer, by a table-driven tiled copy or by oneDNN's reorder, whichever was
// measured faster for the direction and layout (see the constructor). When the primitive takes HWIO
// itself, it gets the caller's array.
struct WeightsLayout {
  memory::desc userDesc;
  std::optional<memory::desc> blockedDesc;
  bool padded = false;  // the blocked layout has padding elements, which oneDNN requires to be zero
  std::optional<BlockedOffsets> offsets;
  std::optional<dnnl::reorder> reorder;  // for layouts BlockedOffsets cannot describe
  std::optional<Blocks8> blocks8;        // layouts copyIntoBlocks8 writes (then neither of the above)
  int64_t outChannels, inChannels, height, width;

  WeightsLayout(const memory::desc& user, const memory::desc& preferred, bool intoPrimitive)
      : userDesc(user),
        outChannels(user.data.dims[0]),
        inChannels(user.data.dims[1]),
        height(user.data.dims[2]),
        width(user.data.dims[3]) {
    if (user == preferred) return;
    blockedDesc = preferred;
    padded = preferred.get_size() != user.get_size();
    // Into the AVX2 kernels' 8×8-blocked layouts, copyIntoBlocks8, the fastest of the three. Into
    // other layouts copyTiles where it is the faster: output channels innermost (the forward's). With
    // input channels innermost (backward data's), every copied run is a transpose, which oneDNN's jit
    // reorder does at 1.5-2x the speed; out of the weights gradient's layout, its reorder took 40% less
    // time than copyTiles in a training step.
    if (intoPrimitive) blocks8 = blocks8Of(preferred);
    if (blocks8) return;
    if (intoPrimitive) offsets = BlockedOffsets::of(preferred);
    if (offsets && !offsets->outputChannelsContiguous()) offsets.reset();
    if (!offsets) {
      reorder.emplace(intoPrimitive ? dnnl::reorder::primitive_desc(cpuEngine(), user, cpuEngine(), preferred)
                                    : dnnl::reorder::primitive_desc(cpuEngine(), preferred, cpuEngine(), user));
    }
  }

  // The blocked layout's dimensions, padding, strides and blocks as text; empty for the user's layout.
  std::string name() const {
    if (!blockedDesc) return "";
    const dnnl_memory_desc_t& d = blockedDesc->data;
    std::string text = std::to_string(d.format_kind);
    auto add = [&](const char* label, const auto* values, int count) {
      text += label;
      for (int k = 0; k < count; ++k) text += std::to_string(values[k]) + ",";
    };
    add(" dims:", d.dims, d.ndims);
    add(" padded:", d.padded_dims, d.ndims);
    if (d.format_kind == dnnl_blocked) {
      const dnnl_blocking_desc_t& b = d.format_desc.blocking;
      add(" strides:", b.strides, d.ndims);
      add(" blocks:", b.inner_blks, b.inner_nblks);
      add(" of:", b.inner_idxs, b.inner_nblks);
    }
    return text;
  }

  // Floats a copy in the primitive's layout takes; 0 when the primitive reads the user's layout itself.
  int64_t preparedSize() const { return blockedDesc ? static_cast<int64_t>(blockedDesc->get_size() / sizeof(float)) : 0; }

  // The weights for the primitive to read: `w` itself when it is HWIO and the primitive reads that, or
  // when `prepared` (already in the primitive's layout: a copy the caller kept from an earlier call);
  // else a copy of HWIO `w` in scratch.
  memory input(const float* w, bool prepared) {
    if (!blockedDesc) return wrap(userDesc, w);
    if (prepared) return wrap(*blockedDesc, w);
    memory blocked = scratchMemory(Scratch::Weights, *blockedDesc);
    copyInto(w, static_cast<float*>(blocked.get_data_handle()));
    return blocked;
  }

  // Copies HWIO weights into `blocked`, a buffer in the primitive's layout, padding zeroed.
  void copyInto(const float* user, float* blocked) {
    if (blocks8) {
      copyIntoBlocks8(user, outChannels, inChannels, height, width, *blocks8, blocked);
      return;
    }
    if (padded) std::memset(blocked, 0, blockedDesc->get_size());
    if (reorder) {
      memory from = wrap(userDesc, user), to = wrap(*blockedDesc, blocked);
      reorder->execute(cpuStream(), from, to);
      cpuStream().wait();
      return;
    }
    copyTiles(user, blocked);
  }

  // The memory for the primitive to write weights (a gradient) into; `finish` then puts them in HWIO `w`.
  memory output(float* w) { return blockedDesc ? scratchMemory(Scratch::Weights, *blockedDesc) : wrap(userDesc, w); }

  void finish(memory written, float* w) {
    if (!blockedDesc) return;
    memory to = wrap(userDesc, w);
    reorder->execute(cpuStream(), written, to);
  }

 private:
  // Tiles of kTileI input by kTileO output channels at one filter position, in HWIO order: each tile
  // covers kTileI runs of contiguous HWIO values and the same runs of contiguous output channels in the
  // blocked layout (plain copies where a run stays in one block). Row by row over every output channel
  // instead, the blocked side scattered over all blocks, the copies ran at a third of memory speed;
  // tiles in the blocked layout's order were ~1.4x slower than in HWIO's, in a training step.
  static constexpr int64_t kTileI = 16, kTileO = 32;

  // Copies HWIO `user` into `blocked`, every element once.
  void copyTiles(const float* user, float* blocked) {
    const auto& [byO, byI, byH, byW] = offsets->byDim;
    const int64_t positions = height * width;
    const int64_t iTiles = (inChannels + kTileI - 1) / kTileI, oTiles = (outChannels + kTileO - 1) / kTileO;
    parallelRanges(positions * iTiles * oTiles, positions * inChannels * outChannels, [&](int64_t begin, int64_t end) {
      for (int64_t tile = begin; tile < end; ++tile) {
        const int64_t oTile = tile % oTiles, iTile = (tile / oTiles) % iTiles, hw = tile / (oTiles * iTiles);
        const int64_t oBegin = oTile * kTileO, oEnd = std::min(oBegin + kTileO, outChannels);
        const int64_t iBegin = iTile * kTileI, iEnd = std::min(iBegin + kTileI, inChannels);
        const bool oneRun = byO[oEnd - 1] - byO[oBegin] == oEnd - 1 - oBegin;
        const int64_t at = byH[hw / width] + byW[hw % width];
        for (int64_t i = iBegin; i < iEnd; ++i) {
          const int64_t from = (hw * inChannels + i) * outChannels, to = at + byI[i];
          if (oneRun) {
            std::copy(user + from + oBegin, user + from + oEnd, blocked + to + byO[oBegin]);
          } else {
            for (int64_t o = oBegin; o < oEnd; ++o) blocked[to + byO[o]] = user[from + o];
          }
        }
      }
    });
  }
};

// An activation (x, y or their gradients) as a primitive reads or writes it. tfjs keeps NHWC; the
// backward primitives run 1.5-2.5x faster on oneDNN's channel-blocked layouts (nChw16c) than on NHWC
// with the same jit kernel, far more than the reorders around them cost. Blocked, it lives in the
// scratch buffer of its role; when the primitive takes NHWC itself, its memory wraps the caller's array.
class ActivationLayout {
 public:
  // `isInput`: the primitive reads this activation (else it writes it).
  ActivationLayout(const memory::desc& user, const memory::desc& preferred, bool isInput, Scratch role)
      : user_(user), role_(role) {
    if (user == preferred) return;
    blocked_ = preferred;
    reorder_.emplace(isInput ? dnnl::reorder::primitive_desc(cpuEngine(), user, cpuEngine(), preferred)
                             : dnnl::reorder::primitive_desc(cpuEngine(), preferred, cpuEngine(), user));
  }

  // The memory to give the primitive for an input, with `data` (NHWC) copied into it when blocked.
  memory input(const float* data) {
    memory wrapped = wrap(user_, data);
    if (!blocked_) return wrapped;
    memory blocked = scratchMemory(role_, *blocked_);
    reorder_->execute(cpuStream(), wrapped, blocked);
    return blocked;
  }

  // The memory to give the primitive for an output; call `finish` with it after the primitive ran.
  memory output(float* data) { return blocked_ ? scratchMemory(role_, *blocked_) : wrap(user_, data); }

  void finish(memory written, float* data) {
    if (!blocked_) return;
    memory to = wrap(user_, data);
    reorder_->execute(cpuStream(), written, to);
  }

 private:
  memory::desc user_;
  Scratch role_;
  std::optional<memory::desc> blocked_;
  std::optional<dnnl::reorder> reorder_;
};

// Below this many FLOPs a convolution runs on one thread: the fork/join of a parallel region costs
// more than it saves, and far more when other processes keep the second core busy.
constexpr double kParallelFlops = 2e7;

double flopsOf(const ConvGeometry& g) {
  return 2.0 * g.batch * g.outHeight * g.outWidth * g.outChannels * g.filterHeight * g.filterWidth * g.inChannels;
}

// Sets OpenMP's thread count for the calling thread while in scope. oneDNN sizes its work split when a
// primitive is created and runs it with that many threads, so creation and execution both run inside.
class ThreadScope {
 public:
  explicit ThreadScope(int threads) : saved_(omp_get_max_threads()) { omp_set_num_threads(threads); }
  ~ThreadScope() { omp_set_num_threads(saved_); }
  ThreadScope(const ThreadScope&) = delete;
  ThreadScope& operator=(const ThreadScope&) = delete;

 private:
  int saved_;
};

bool blocksChannels(const ConvGeometry& g) { return g.inChannels % 16 == 0 && g.outChannels % 16 == 0; }

struct ConvPrimitives {
  memory::desc src, weightsUser, weightsAny, dst;
  // The activations' layout for the backward primitives: theirs to pick (see ActivationLayout) where
  // both channel counts fill whole blocks, else NHWC (a 3-channel image would pad to 16).
  memory::desc backwardSrc, backwardDst;
  memory::dims strides, dilations, padLeft, padRight;
  dnnl::convolution_forward::primitive_desc forwardPd;
  std::optional<dnnl::convolution_forward> forward;
  std::optional<WeightsLayout> forwardWeights;
  std::optional<dnnl::convolution_backward_data> backwardData;
  std::optional<WeightsLayout> backwardDataWeights;
  std::optional<ActivationLayout> backwardDataDy, backwardDataDx;
  std::optional<dnnl::convolution_backward_weights> backwardWeights;
  std::optional<WeightsLayout> backwardWeightsDiff;
  std::optional<ActivationLayout> backwardWeightsX, backwardWeightsDy;

  // Every primitive picks its weights layout: on HWIO, oneDNN falls back to gemm convolutions that ran
  // 2-10x slower than the blocked jit kernels, even on U-Net's innermost layers where the copy into a
  // blocked layout is largest relative to the work.
  explicit ConvPrimitives(const ConvGeometry& g)
      : src({g.batch, g.inChannels, g.inHeight, g.inWidth}, dt::f32, tag::nhwc),
        weightsUser({g.outChannels, g.inChannels, g.filterHeight, g.filterWidth}, dt::f32, tag::hwio),
        weightsAny({g.outChannels, g.inChannels, g.filterHeight, g.filterWidth}, dt::f32, tag::any),
        dst({g.batch, g.outChannels, g.outHeight, g.outWidth}, dt::f32, tag::nhwc),
        backwardSrc(blocksChannels(g) ? memory::desc(src.dims(), dt::f32, tag::any) : src),
        backwardDst(blocksChannels(g) ? memory::desc(dst.dims(), dt::f32, tag::any) : dst),
        strides{g.strideHeight, g.strideWidth},
        dilations{g.dilationHeight - 1, g.dilationWidth - 1},
        padLeft{g.padTop, g.padLeft},
        // The bottom/right padding that the output size implies; tfjs may name more, which no
        // output element would read.
        padRight{(g.outHeight - 1) * g.strideHeight + (g.filterHeight - 1) * g.dilationHeight + 1 -
                     g.inHeight - g.padTop,
                 (g.outWidth - 1) * g.strideWidth + (g.filterWidth - 1) * g.dilationWidth + 1 -
                     g.inWidth - g.padLeft},
        forwardPd(dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training,
                                                  dnnl::algorithm::convolution_direct, src, weightsAny,
                                                  dst, strides, dilations, padLeft, padRight),
                  cpuEngine()) {}
};

std::mutex cacheMutex;
std::map<std::array<int64_t, 15>, std::unique_ptr<ConvPrimitives>> cache;
const int maxThreads = omp_get_max_threads();

int threadsFor(const ConvGeometry& g) { return flopsOf(g) < kParallelFlops ? 1 : maxThreads; }

ConvPrimitives& primitivesFor(const ConvGeometry& g) {
  std::lock_guard<std::mutex> lock(cacheMutex);
  auto& slot = cache[g.key()];
  if (!slot) slot = std::make_unique<ConvPrimitives>(g);
  return *slot;
}

WeightsLayout& forwardReady(ConvPrimitives& p) {
  if (!p.forward) {
    p.forward.emplace(p.forwardPd);
    p.forwardWeights.emplace(p.weightsUser, p.forwardPd.weights_desc(), true);
  }
  return *p.forwardWeights;
}

WeightsLayout& backwardDataReady(ConvPrimitives& p) {
  if (!p.backwardData) {
    dnnl::convolution_backward_data::primitive_desc pd(
        dnnl::convolution_backward_data::desc(dnnl::algorithm::convolution_direct, p.backwardSrc, p.weightsAny,
                                              p.backwardDst, p.strides, p.dilations, p.padLeft, p.padRight),
        cpuEngine(), p.forwardPd);
    p.backwardData.emplace(pd);
    p.backwardDataWeights.emplace(p.weightsUser, pd.weights_desc(), true);
    p.backwardDataDy.emplace(p.dst, pd.diff_dst_desc(), true, Scratch::Gradient);
    p.backwardDataDx.emplace(p.src, pd.diff_src_desc(), false, Scratch::Activation);
  }
  return *p.backwardDataWeights;
}

// The weights layout of the primitive for `use`, creating the primitive (with the thread count it
// will run with) on first use.
WeightsLayout& weightsLayoutFor(const ConvGeometry& g, WeightsUse use) {
  ThreadScope threads(threadsFor(g));
  ConvPrimitives& p = primitivesFor(g);
  return use == WeightsUse::Forward ? forwardReady(p) : backwardDataReady(p);
}

}  // namespace

// Convolutions with one output channel run as matrix products over HWIO weights (taps.h): nothing to prepare.
int64_t convWeightsSize(const ConvGeometry& g, WeightsUse use) {
  return tapsSuit(g) ? 0 : weightsLayoutFor(g, use).preparedSize();
}

std::string convWeightsLayout(const ConvGeometry& g, WeightsUse use) {
  return tapsSuit(g) ? "" : weightsLayoutFor(g, use).name();
}

void convPrepareWeights(const ConvGeometry& g, WeightsUse use, const float* w, float* out) {
  weightsLayoutFor(g, use).copyInto(w, out);
}

namespace {

float* tapsScratch(const ConvGeometry& g) {
  return scratchFloats(Scratch::Columns, static_cast<size_t>(tapsScratchFloats(g)) * sizeof(float));
}

}  // namespace

void convForward(const ConvGeometry& g, const float* x, const float* w, bool prepared, float* y) {
  ThreadScope threads(threadsFor(g));
  if (tapsSuit(g)) {
    tapsForward(g, x, w, y, tapsScratch(g));
    return;
  }
  ConvPrimitives& p = primitivesFor(g);
  WeightsLayout& weights = forwardReady(p);
  p.forward->execute(cpuStream(), {{DNNL_ARG_SRC, wrap(p.src, x)},
                                   {DNNL_ARG_WEIGHTS, weights.input(w, prepared)},
                                   {DNNL_ARG_DST, wrap(p.dst, y)}});
  cpuStream().wait();
}

void convBackwardData(const ConvGeometry& g, const float* dy, const float* w, bool prepared, float* dx) {
  ThreadScope threads(threadsFor(g));
  if (tapsSuit(g)) {
    tapsBackwardData(g, dy, w, dx, tapsScratch(g));
    return;
  }
  ConvPrimitives& p = primitivesFor(g);
  WeightsLayout& weights = backwardDataReady(p);
  memory dxMemory = p.backwardDataDx->output(dx);
  p.backwardData->execute(cpuStream(), {{DNNL_ARG_DIFF_DST, p.backwardDataDy->input(dy)},
                                        {DNNL_ARG_WEIGHTS, weights.input(w, prepared)},
                                        {DNNL_ARG_DIFF_SRC, dxMemory}});
  p.backwardDataDx->finish(dxMemory, dx);
  cpuStream().wait();
}

void convBackwardWeights(const ConvGeometry& g, const float* x, const float* dy, float* dw) {
  const int threadCount = threadsFor(g);
  ThreadScope threads(threadCount);
  if (tapsSuit(g)) {
    tapsBackwardWeights(g, x, dy, dw, tapsScratch(g));
    return;
  }
  if (columnsSuit(g)) {
    float* columns = scratchFloats(Scratch::Columns, static_cast<size_t>(columnsScratchFloats(g)) * sizeof(float));
    columnsWeightsGradient(g, x, dy, dw, columns, threadCount > 1);
    return;
  }
  ConvPrimitives& p = primitivesFor(g);
  if (!p.backwardWeights) {
    dnnl::convolution_backward_weights::primitive_desc pd(
        dnnl::convolution_backward_weights::desc(dnnl::algorithm::convolution_direct, p.backwardSrc,
                                                 p.weightsAny, p.backwardDst, p.strides, p.dilations,
                                                 p.padLeft, p.padRight),
        cpuEngine(), p.forwardPd);
    p.backwardWeights.emplace(pd);
    p.backwardWeightsDiff.emplace(p.weightsUser, pd.diff_weights_desc(), false);
    p.backwardWeightsX.emplace(p.src, pd.src_desc(), true, Scratch::Activation);
    p.backwardWeightsDy.emplace(p.dst, pd.diff_dst_desc(), true, Scratch::Gradient);
  }
  memory dwMemory = p.backwardWeightsDiff->output(dw);
  p.backwardWeights->execute(cpuStream(), {{DNNL_ARG_SRC, p.backwardWeightsX->input(x)},
                                           {DNNL_ARG_DIFF_DST, p.backwardWeightsDy->input(dy)},
                                           {DNNL_ARG_DIFF_WEIGHTS, dwMemory}});
  p.backwardWeightsDiff->finish(dwMemory, dw);
  cpuStream().wait();
}

int64_t convCacheSize() {
  std::lock_guard<std::mutex> lock(cacheMutex);
  return static_cast<int64_t>(cache.size());
}

}  // namespace onednn_backend
