#include "plan.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <utility>

#include "oneapi/dnnl/dnnl.hpp"
#include "engine.h"

namespace onednn_backend {
namespace {

using dnnl::memory;
using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

// One per thread: a plan's convolutions run in pieces on several threads at once (see Compiled::chunks),
// and worker threads may run plans at once.
dnnl::stream& stream() {
  thread_local dnnl::stream s(cpuEngine());
  return s;
}

// 64-byte aligned floats, as oneDNN allocates its own: the jit kernels load whole cache lines.
struct AlignedFloats {
  float* data = nullptr;
  explicit AlignedFloats(size_t count) {
    data = static_cast<float*>(std::aligned_alloc(64, (count * sizeof(float) + 63) / 64 * 64));
    if (data == nullptr) throw std::bad_alloc();
  }
  ~AlignedFloats() { std::free(data); }
  AlignedFloats(const AlignedFloats&) = delete;
  AlignedFloats& operator=(const AlignedFloats&) = delete;
};

// The channel block oneDNN's convolutions prefer on this CPU (8 with AVX2, 16 with AVX-512), read
// from the source layout it picks for a mid-sized convolution.
int64_t preferredBlock() {
  static const int64_t block = [] {
    const memory::dims dims{1, 64, 32, 32};
    dnnl::convolution_forward::primitive_desc pd(
        dnnl::convolution_forward::desc(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct,
                                        memory::desc(dims, dt::f32, tag::any),
                                        memory::desc({64, 64, 3, 3}, dt::f32, tag::any),
                                        memory::desc(dims, dt::f32, tag::any), {1, 1}, {1, 1}, {1, 1}),
        cpuEngine());
    const dnnl_memory_desc_t& d = pd.src_desc().data;
    const auto& b = d.format_desc.blocking;
    return d.format_kind == dnnl_blocked && b.inner_nblks == 1 && b.inner_idxs[0] == 1 ? b.inner_blks[0]
                                                                                        : int64_t{8};
  }();
  return block;
}

// Sets OpenMP's thread count for the calling thread while in scope: oneDNN sizes its work split when
// a primitive is created and runs it with that many threads, so both happen inside one.
class ThreadScope {
 public:
  explicit ThreadScope(int threads) : saved_(omp_get_max_threads()) { omp_set_num_threads(threads); }
  ~ThreadScope() { omp_set_num_threads(saved_); }
  ThreadScope(const ThreadScope&) = delete;
  ThreadScope& operator=(const ThreadScope&) = delete;

 private:
  int saved_;
};

// Below this many FLOPs a convolution runs on one thread (as in conv.cc): a parallel region's
// fork/join costs more than it saves on U-Net's innermost layers.
constexpr double kParallelFlops = 2e7;

const memory::dims kNoDilation{0, 0};

// The most pieces a convolution is cut into (see Compiled::chunks).
constexpr int64_t kChunks = 8;
// The fewest output channels of a piece: with 8, the transposed convolutions (oneDNN's backward-data
// kernel, which blocks over them) ran at a third of their speed in one piece; with 64, pieces cost
// nothing against the whole primitive on a quiet machine.
constexpr int64_t kChunkChannels = 64;

// Element-wise steps (copies, activations) below this many floats run on one thread.
constexpr int64_t kParallelElements = 1 << 22;

dnnl::algorithm eltwiseAlgorithm(PlanActivation a) {
  return a == PlanActivation::Tanh ? dnnl::algorithm::eltwise_tanh : dnnl::algorithm::eltwise_relu;
}

float eltwiseAlpha(const PlanStep& s) { return s.activation == PlanActivation::LeakyRelu ? s.alpha : 0.f; }

dnnl::primitive_attr postOps(const PlanStep& s) {
  dnnl::primitive_attr attr;
  if (s.activation == PlanActivation::None) return attr;
  dnnl::post_ops ops;
  ops.append_eltwise(1.f, eltwiseAlgorithm(s.activation), eltwiseAlpha(s), 0.f);
  attr.set_post_ops(ops);
  return attr;
}

// Bias and activation over a primitive's output, in one pass: the layout is channel blocks of `block`
// (NHWC: one block of every channel), each spatial position's block contiguous.
struct Epilogue {
  int64_t block, channels;
  PlanActivation activation;
  float alpha;

  // On the OpenMP threads that ran the primitive: after a parallel region they spin for a while,
  // holding the cores, and a pass handed to another pool's threads (parallel.h) waited for them.
  void apply(float* data, const float* bias, int64_t positions, int threads) const {
    switch (activation) {
      case PlanActivation::None:
        return run(data, bias, positions, threads, [](float x) { return x; });
      case PlanActivation::Relu:
        return run(data, bias, positions, threads, [](float x) { return x > 0.f ? x : 0.f; });
      case PlanActivation::LeakyRelu:
        return run(data, bias, positions, threads, [slope = alpha](float x) { return x > 0.f ? x : slope * x; });
      case PlanActivation::Tanh:
        return run(data, bias, positions, threads, [](float x) { return std::tanh(x); });
    }
  }

 private:
  template <typename Activate>
  void run(float* data, const float* bias, int64_t positions, int threads, Activate activate) const {
    const int64_t blocks = (channels + block - 1) / block;
#pragma omp parallel for num_threads(threads) collapse(2) schedule(static)
    for (int64_t b = 0; b < blocks; ++b) {
      for (int64_t p = 0; p < positions; ++p) {
        const int64_t first = b * block, lanes = std::min(block, channels - first);
        float* v = data + (b * positions + p) * block;
        for (int64_t lane = 0; lane < lanes; ++lane) v[lane] = activate(v[lane] + (bias ? bias[first + lane] : 0.f));
      }
    }
  }
};

// Where channel c of spatial position p of one image lies, in the layouts a plan's few-channel copies
// use: NHWC, NCHW, or channel blocks (nChw8c / nChw16c, the channels padded to a whole block).
struct ChannelLayout {
  enum class Kind { Nhwc, Nchw, Blocked } kind;
  int64_t channels, positions, block;

  int64_t at(int64_t c, int64_t p) const {
    switch (kind) {
      case Kind::Nhwc:
        return p * channels + c;
      case Kind::Nchw:
        return c * positions + p;
      case Kind::Blocked:
        break;
    }
    return ((c / block) * positions + p) * block + c % block;
  }

  static std::optional<ChannelLayout> of(const memory::desc& d) {
    const memory::dims& dims = d.dims();
    if (dims.size() != 4 || dims[0] != 1) return std::nullopt;
    const int64_t c = dims[1], p = dims[2] * dims[3];
    auto is = [&](tag t) { return d == memory::desc(dims, dt::f32, t); };
    if (is(tag::nhwc)) return ChannelLayout{Kind::Nhwc, c, p, 1};
    if (is(tag::nchw)) return ChannelLayout{Kind::Nchw, c, p, 1};
    if (is(tag::nChw8c)) return ChannelLayout{Kind::Blocked, c, p, 8};
    if (is(tag::nChw16c)) return ChannelLayout{Kind::Blocked, c, p, 16};
    return std::nullopt;
  }
};

// Copies the first `channels` channels between two layouts. oneDNN's reorders of few-channel images
// (a 3-channel input or output) took 15-50 ms at 256 px on a busy 2-core machine; this, well under 1.
void copyChannels(const float* from, const ChannelLayout& f, float* to, const ChannelLayout& t, int64_t channels) {
  for (int64_t p = 0; p < f.positions; ++p) {
    for (int64_t c = 0; c < channels; ++c) to[t.at(c, p)] = from[f.at(c, p)];
  }
}

// Copies of at most this many channels go through copyChannels.
constexpr int64_t kFewChannels = 16;

// Whether a transposed convolution runs as a forward convolution by output phases (see
// CompiledPlan::compileByPhases): where its output channels do not fill whole channel blocks (the
// 3-channel image). oneDNN's backward-data kernel vectorizes over those channels, so it pads them to a
// block; the phases put four times as many channels in the blocks.
bool byPhases(const PlanStep& s) {
  return s.kernel == 4 && s.stride == 2 && s.pad == 1 && s.dst.channels % preferredBlock() != 0;
}

struct Buffer {
  int64_t channels, height = 0, width = 0;
  bool blocked = false;
  std::unique_ptr<AlignedFloats> storage;  // none for the input and the output: the caller's arrays
};

}  // namespace

class CompiledPlan {
 public:
  CompiledPlan(const PlanSpec& spec, int64_t height, int64_t width);

  void run(const float* x, float* y, int64_t batch);
  std::vector<int64_t> outputShape() const {
    const Buffer& out = buffers_[output_];
    return {out.height, out.width, out.channels};
  }
  int64_t bytes() const { return bytes_; }

 private:
  // Where a transposed convolution's phases go: the step's output slice, and the layouts of the
  // phases' buffer and of that slice.
  struct Interleave {
    PlanSlice dst;
    ChannelLayout from, to;
  };

  // A copy between a slice and the layout a primitive picked for it, through a buffer of its own.
  struct Staging {
    memory::desc desc;
    memory::desc view;  // the part of `desc` the slice holds (all of it but padded output channels)
    dnnl::reorder reorder;
    std::unique_ptr<AlignedFloats> storage;
    // For few channels: the slice's layout and the picked one's, copied by copyChannels.
    std::optional<std::pair<ChannelLayout, ChannelLayout>> few;
  };

  struct Compiled {
    PlanSlice src, dst;
    dnnl::primitive primitive;
    int threads;
    bool isReorder;
    std::unique_ptr<AlignedFloats> weights, bias;
    std::optional<memory::desc> weightsDesc, biasDesc;
    std::optional<Staging> srcStaging, dstStaging;
    // For a transposed convolution, bias and activation applied after the primitive (see compile).
    std::optional<Epilogue> epilogue;
    std::unique_ptr<AlignedFloats> scratchpad;
    std::optional<memory::desc> scratchpadDesc;
    // A convolution in pieces, each a range of its output channels on one thread, claimed by OpenMP's
    // threads as they come free: oneDNN splits a primitive's work evenly among its threads up front,
    // and when another process shares one of the cores, the thread there holds up the whole
    // convolution; pieces let the other thread take over its share. (On the chunk pool instead, the
    // pieces waited for OpenMP's threads spinning after the previous step.)
    std::vector<Compiled> chunks;
    // For a transposed convolution computed by phases (see compileByPhases): the primitive wrote the
    // phases' buffer; this moves them into the step's output.
    std::optional<Interleave> interleave;
  };

  void execute(Compiled& c, const float* x, float* y);
  void interleave(const Compiled& c, const float* x, float* y) const;

  memory::desc descOf(const PlanSlice& s) const;
  float* dataOf(const PlanSlice& s, const float* x, float* y) const;
  void layOut(const PlanSpec& spec);
  void setSize(const PlanSlice& dst, int64_t height, int64_t width);
  Compiled compile(const PlanStep& step, bool asChunk = false);
  Compiled compileByPhases(const PlanStep& step);
  std::vector<Compiled> chunksOf(const PlanStep& step);
  // The activations' layouts a convolution runs on: the slices' own; oneDNN's pick; the slices' with
  // the output channels padded to a whole block (their extra weights zero); NHWC.
  enum class Layouts { Slices, Any, PaddedOutput, Plain };
  std::string compileConvolution(const PlanStep& step, Compiled& c, Layouts layouts, bool oneThread);
  std::optional<Staging> staging(const memory::desc& slice, const memory::desc& picked, bool intoPicked);

  std::vector<Buffer> buffers_;
  int64_t output_;
  std::vector<Compiled> steps_;
  int64_t bytes_ = 0;
};

memory::desc CompiledPlan::descOf(const PlanSlice& s) const {
  const Buffer& b = buffers_[s.buffer];
  const memory::dims dims{1, s.channels, b.height, b.width};
  if (!b.blocked) return memory::desc(dims, dt::f32, tag::nhwc);
  return memory::desc(dims, dt::f32, preferredBlock() == 16 ? tag::nChw16c : tag::nChw8c);
}

float* CompiledPlan::dataOf(const PlanSlice& s, const float* x, float* y) const {
  const Buffer& b = buffers_[s.buffer];
  float* base = s.buffer == 0 ? const_cast<float*>(x) : s.buffer == output_ ? y : b.storage->data;
  // One image of a blocked buffer is its channel blocks one after another, each height × width ×
  // block: channels from a block boundary on are one contiguous run.
  return base + (b.blocked ? s.offset * b.height * b.width : 0);
}

// Which buffers are blocked: those whose every slice starts and ends on a block boundary; the others
// (the input, the output, a 3-channel image) are NHWC and may only be used whole.
void CompiledPlan::layOut(const PlanSpec& spec) {
  const int64_t block = preferredBlock();
  for (int64_t c : spec.bufferChannels) buffers_.push_back(Buffer{c, 0, 0, false, nullptr});
  for (size_t i = 1; i < buffers_.size(); ++i) buffers_[i].blocked = static_cast<int64_t>(i) != output_;
  for (const PlanStep& step : spec.steps) {
    for (const PlanSlice& s : {step.src, step.dst}) {
      if (s.buffer < 0 || s.buffer >= static_cast<int64_t>(buffers_.size()) || s.offset < 0 ||
          s.offset + s.channels > buffers_[s.buffer].channels) {
        throw std::invalid_argument("a plan step reads or writes outside its buffer");
      }
      Buffer& b = buffers_[s.buffer];
      if (s.offset % block != 0 || s.channels % block != 0) b.blocked = false;
    }
  }
  for (const PlanStep& step : spec.steps) {
    for (const PlanSlice& s : {step.src, step.dst}) {
      const Buffer& b = buffers_[s.buffer];
      if (!b.blocked && (s.offset != 0 || s.channels != b.channels)) {
        throw std::invalid_argument("a slice of a buffer that cannot be channel-blocked");
      }
    }
  }
}

void CompiledPlan::setSize(const PlanSlice& dst, int64_t height, int64_t width) {
  Buffer& b = buffers_[dst.buffer];
  if (dst.buffer == 0) throw std::invalid_argument("a plan step writes the input");
  if (b.height != 0 && (b.height != height || b.width != width)) {
    throw std::invalid_argument("slices of one buffer with different image sizes");
  }
  b.height = height;
  b.width = width;
}

CompiledPlan::Compiled CompiledPlan::compile(const PlanStep& step, bool asChunk) {
  if (step.kind == PlanStepKind::Deconv && !asChunk && byPhases(step)) return compileByPhases(step);
  const Buffer& in = buffers_[step.src.buffer];
  if (in.height == 0) throw std::invalid_argument("a plan step reads a buffer before any step wrote it");
  Compiled c{step.src, step.dst, {}, 1, false, nullptr, nullptr, std::nullopt, std::nullopt, std::nullopt,
             std::nullopt, std::nullopt, nullptr, std::nullopt, {}, std::nullopt};
  if (step.kind == PlanStepKind::Eltwise) {
    setSize(step.dst, in.height, in.width);
    const memory::desc src = descOf(step.src), dst = descOf(step.dst);
    // One pass over memory: on a busy machine a parallel region's join waits a scheduler slice for a
    // descheduled helper, longer than the pass itself below a few MB.
    c.threads = step.src.channels * in.height * in.width < kParallelElements ? 1 : omp_get_max_threads();
    ThreadScope threads(c.threads);
    if (step.activation == PlanActivation::None) {
      c.primitive = dnnl::reorder(dnnl::reorder::primitive_desc(cpuEngine(), src, cpuEngine(), dst));
      c.isReorder = true;
      return c;
    }
    if (src != dst) throw std::invalid_argument("an activation between slices of different layouts");
    c.primitive = dnnl::eltwise_forward(dnnl::eltwise_forward::primitive_desc(
        dnnl::eltwise_forward::desc(dnnl::prop_kind::forward_inference, eltwiseAlgorithm(step.activation), src,
                                    eltwiseAlpha(step), 0.f),
        cpuEngine()));
    return c;
  }
  // oneDNN has no jit kernel for some layout pairs (a 3-channel NHWC image into a blocked layout, a
  // blocked one into 3-channel NHWC) and would run its reference code, 10-100x slower, or a gemm one:
  // then other layouts are tried (see Layouts) until one runs a jit kernel, the slices copied into and
  // out of them.
  std::optional<Layouts> fallback;
  bool jit = false;
  for (Layouts layouts : {Layouts::Slices, Layouts::Any, Layouts::PaddedOutput, Layouts::Plain}) {
    const std::string implementation = compileConvolution(step, c, layouts, asChunk);
    jit = implementation.rfind("jit", 0) == 0;
    if (jit) break;
    if (!fallback && implementation.rfind("ref", 0) != 0) fallback = layouts;
  }
  if (!jit && fallback) compileConvolution(step, c, *fallback, asChunk);
  if (!asChunk && c.threads > 1 && !c.srcStaging && !c.dstStaging && buffers_[step.dst.buffer].blocked) {
    c.chunks = chunksOf(step);
    if (!c.chunks.empty()) {  // the pieces hold the weights
      bytes_ -= static_cast<int64_t>(c.weightsDesc->get_size());
      c.weights.reset();
      c.bias.reset();
      c.scratchpad.reset();
    }
  }
  return c;
}

// A transposed convolution of kernel 4, stride 2 and padding 1 is, for each phase of its output (row
// parity p, column parity q), a 2×2 convolution of its input padded by 1: output row 2m + p reads
// padded rows m + p and m + p + 1 with kernel rows 3 - p and 1 - p (columns alike). One forward
// convolution computes the four phases as groups of output channels ([phase][channel], phase 2p + q)
// over (H + 1) × (W + 1) positions, with bias and activation as post-ops, and the phases are then
// interleaved into the output.
CompiledPlan::Compiled CompiledPlan::compileByPhases(const PlanStep& step) {
  const int64_t ic = step.src.channels, oc = step.dst.channels, block = preferredBlock();
  const int64_t channels = (4 * oc + block - 1) / block * block;
  if (static_cast<int64_t>(step.weights.size()) != ic * oc * 16) {
    throw std::invalid_argument("a plan step's weights do not match its channels and kernel");
  }
  buffers_.push_back(Buffer{channels, 0, 0, true, nullptr});
  const PlanSlice phases{static_cast<int64_t>(buffers_.size()) - 1, 0, channels};
  PlanStep conv{PlanStepKind::Conv, step.src, phases, std::vector<float>(static_cast<size_t>(channels * ic * 4), 0.f),
                {}, 2, 1, 1, step.activation, step.alpha};
  for (int64_t phase = 0; phase < 4; ++phase) {
    const int64_t p = phase / 2, q = phase % 2;
    for (int64_t o = 0; o < oc; ++o) {
      for (int64_t i = 0; i < ic; ++i) {
        for (int64_t a = 0; a < 2; ++a) {
          for (int64_t b = 0; b < 2; ++b) {
            // OIHW from IOHW
            conv.weights[static_cast<size_t>((((phase * oc + o) * ic + i) * 2 + a) * 2 + b)] =
                step.weights[static_cast<size_t>(((i * oc + o) * 4 + 3 - p - 2 * a) * 4 + 3 - q - 2 * b)];
          }
        }
      }
    }
  }
  if (!step.bias.empty()) {
    conv.bias.assign(static_cast<size_t>(channels), 0.f);
    for (int64_t phase = 0; phase < 4; ++phase) {
      std::copy(step.bias.begin(), step.bias.end(), conv.bias.begin() + phase * oc);
    }
  }
  Compiled c = compile(conv);
  const Buffer& in = buffers_[step.src.buffer];
  setSize(step.dst, 2 * in.height, 2 * in.width);
  c.interleave = Interleave{step.dst, *ChannelLayout::of(descOf(phases)), *ChannelLayout::of(descOf(step.dst))};
  return c;
}

// Pieces of at least kChunkChannels channels (whole blocks), at most kChunks.
std::vector<CompiledPlan::Compiled> CompiledPlan::chunksOf(const PlanStep& step) {
  const int64_t block = preferredBlock(), blocks = step.dst.channels / block;
  const int64_t count = std::min(step.dst.channels / std::max(kChunkChannels, block), kChunks);
  std::vector<Compiled> chunks;
  if (count < 2) return chunks;
  const int64_t ic = step.src.channels, oc = step.dst.channels, area = step.kernel * step.kernel;
  const bool deconv = step.kind == PlanStepKind::Deconv;
  for (int64_t k = 0; k < count; ++k) {
    const int64_t o0 = blocks * k / count * block, o1 = blocks * (k + 1) / count * block;
    PlanStep piece{step.kind, step.src, {step.dst.buffer, step.dst.offset + o0, o1 - o0}, {}, {},
                   step.kernel, step.stride, step.pad, step.activation, step.alpha};
    // OIHW: output channels outermost; IOHW: a run of them within each input channel's
    if (deconv) {
      for (int64_t i = 0; i < ic; ++i) {
        const auto from = step.weights.begin() + (i * oc + o0) * area;
        piece.weights.insert(piece.weights.end(), from, from + (o1 - o0) * area);
      }
    } else {
      piece.weights.assign(step.weights.begin() + o0 * ic * area, step.weights.begin() + o1 * ic * area);
    }
    if (!step.bias.empty()) piece.bias.assign(step.bias.begin() + o0, step.bias.begin() + o1);
    chunks.push_back(compile(piece, true));
  }
  return chunks;
}

std::optional<CompiledPlan::Staging> CompiledPlan::staging(const memory::desc& slice, const memory::desc& picked,
                                                           bool intoPicked) {
  if (slice == picked) return std::nullopt;
  const memory::desc view = picked.dims() == slice.dims() ? picked : picked.submemory_desc(slice.dims(), {0, 0, 0, 0});
  auto pd = intoPicked ? dnnl::reorder::primitive_desc(cpuEngine(), slice, cpuEngine(), view)
                       : dnnl::reorder::primitive_desc(cpuEngine(), view, cpuEngine(), slice);
  bytes_ += static_cast<int64_t>(picked.get_size());
  std::optional<std::pair<ChannelLayout, ChannelLayout>> few;
  const auto sliceLayout = ChannelLayout::of(slice), pickedLayout = ChannelLayout::of(picked);
  if (sliceLayout && pickedLayout && slice.dims()[1] <= kFewChannels) few.emplace(*sliceLayout, *pickedLayout);
  return Staging{picked, view, dnnl::reorder(pd), std::make_unique<AlignedFloats>(picked.get_size() / sizeof(float)),
                 few};
}

// The primitive on the slices' layouts or on others (copies of the slices); returns the implementation
// oneDNN chose.
std::string CompiledPlan::compileConvolution(const PlanStep& step, Compiled& c, Layouts layouts, bool oneThread) {
  const Buffer& in = buffers_[step.src.buffer];
  const int64_t k = step.kernel, s = step.stride, p = step.pad;
  const bool deconv = step.kind == PlanStepKind::Deconv;
  auto outSize = [&](int64_t n) { return deconv ? (n - 1) * s - 2 * p + k : (n + 2 * p - k) / s + 1; };
  const int64_t oh = outSize(in.height), ow = outSize(in.width);
  if (oh < 1 || ow < 1) throw std::invalid_argument("an image too small for the plan's convolutions");
  setSize(step.dst, oh, ow);
  const int64_t ic = step.src.channels, oc = step.dst.channels;
  if (static_cast<int64_t>(step.weights.size()) != oc * ic * k * k) {
    throw std::invalid_argument("a plan step's weights do not match its channels and kernel");
  }
  const memory::desc srcSlice = descOf(step.src), dstSlice = descOf(step.dst);
  const int64_t block = preferredBlock();
  const int64_t pc = layouts == Layouts::PaddedOutput ? (oc + block - 1) / block * block : oc;
  auto laidOut = [&](const memory::desc& slice, int64_t channels) {
    switch (layouts) {
      case Layouts::Slices:
        return slice;
      case Layouts::Any:
        return memory::desc(slice.dims(), dt::f32, tag::any);
      case Layouts::PaddedOutput:
        return channels == slice.dims()[1] ? slice
                                           : memory::desc({1, channels, slice.dims()[2], slice.dims()[3]}, dt::f32,
                                                          block == 16 ? tag::nChw16c : tag::nChw8c);
      case Layouts::Plain:
        break;
    }
    return memory::desc(slice.dims(), dt::f32, tag::nhwc);
  };
  const memory::desc src = laidOut(srcSlice, ic), dst = laidOut(dstSlice, pc);
  const memory::desc weightsAny({pc, ic, k, k}, dt::f32, tag::any);
  const memory::desc biasDesc = step.bias.empty() ? memory::desc() : memory::desc({pc}, dt::f32, tag::x);
  // For the convolution, the bottom/right padding its output size implies; a transposed convolution
  // crops `pad` off every side.
  const memory::dims strides{s, s}, padL{p, p};
  const memory::dims padR = deconv ? padL : memory::dims{(oh - 1) * s + k - in.height - p, (ow - 1) * s + k - in.width - p};
  const double flops = 2.0 * (deconv ? in.height * in.width : oh * ow) * oc * ic * k * k;
  c.threads = flops < kParallelFlops || oneThread ? 1 : omp_get_max_threads();
  ThreadScope threads(c.threads);
  // Scratch memory of each primitive its own: pieces of convolutions run at once on several threads.
  auto attr = postOps(step);
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  dnnl::primitive_attr plain;
  plain.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  memory::desc scratchpadDesc;
  memory::desc weightsDesc, pickedSrc, pickedDst;
  std::string implementation;
  if (deconv) {
    // oneDNN's deconvolution is its backward-data convolution followed by bias and post-ops in
    // reference code, which took 2-6x the convolution's own time here: the convolution runs alone
    // and the epilogue adds bias and activation in one pass. Its weights are the transposed
    // convolution's IOHW read as OIHW of the convolution from dst to src.
    const memory::desc weightsT({ic, pc, k, k}, dt::f32, tag::any);
    dnnl::convolution_forward::primitive_desc hint(
        dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct, dst,
                                        weightsT, src, strides, kNoDilation, padL, padR),
        cpuEngine());
    dnnl::convolution_backward_data::primitive_desc pd(
        dnnl::convolution_backward_data::desc(dnnl::algorithm::convolution_direct, dst, weightsT, src, strides,
                                              kNoDilation, padL, padR),
        plain, cpuEngine(), hint);
    scratchpadDesc = pd.scratchpad_desc();
    weightsDesc = pd.weights_desc();
    pickedSrc = pd.diff_dst_desc();
    pickedDst = pd.diff_src_desc();
    implementation = pd.impl_info_str();
    c.primitive = dnnl::convolution_backward_data(pd);
    const memory::dims& d = pickedDst.dims();
    auto is = [&](tag t) { return pickedDst == memory::desc(d, dt::f32, t); };
    const int64_t epilogueBlock = is(tag::nChw8c) ? 8 : is(tag::nChw16c) ? 16 : is(tag::nhwc) ? pc : 0;
    if (epilogueBlock == 0) implementation = "ref (no epilogue for its output layout)";
    c.epilogue = Epilogue{epilogueBlock, oc, step.activation, eltwiseAlpha(step)};
  } else {
    c.epilogue.reset();
    dnnl::convolution_forward::primitive_desc pd(
        dnnl::convolution_forward::desc(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct, src,
                                        weightsAny, biasDesc, dst, strides, kNoDilation, padL, padR),
        attr, cpuEngine());
    weightsDesc = pd.weights_desc();
    pickedSrc = pd.src_desc();
    pickedDst = pd.dst_desc();
    implementation = pd.impl_info_str();
    scratchpadDesc = pd.scratchpad_desc();
    c.primitive = dnnl::convolution_forward(pd);
  }
  c.srcStaging = staging(srcSlice, pickedSrc, true);
  c.dstStaging = staging(dstSlice, pickedDst, false);
  c.scratchpad.reset();
  c.scratchpadDesc.reset();
  if (scratchpadDesc.get_size() > 0) {
    c.scratchpad = std::make_unique<AlignedFloats>(scratchpadDesc.get_size() / sizeof(float) + 1);
    c.scratchpadDesc = scratchpadDesc;
  }
  // The weights, once, in the layout the primitive reads (its padding zeroed by the reorder); output
  // channels added for PaddedOutput are zero.
  std::vector<float> padded;
  const float* weights = step.weights.data();
  if (pc != oc) {
    padded.assign(static_cast<size_t>(pc * ic * k * k), 0.f);
    const int64_t area = k * k;
    for (int64_t o = 0; o < oc; ++o) {
      for (int64_t i = 0; i < ic; ++i) {
        const int64_t from = deconv ? (i * oc + o) * area : (o * ic + i) * area;
        const int64_t to = deconv ? (i * pc + o) * area : (o * ic + i) * area;
        std::copy(weights + from, weights + from + area, padded.begin() + to);
      }
    }
    weights = padded.data();
  }
  const memory::desc user = deconv ? memory::desc({ic, pc, k, k}, dt::f32, tag::oihw)
                                  : memory::desc({pc, ic, k, k}, dt::f32, tag::oihw);
  if (c.weightsDesc) bytes_ -= static_cast<int64_t>(c.weightsDesc->get_size());
  c.weights = std::make_unique<AlignedFloats>(weightsDesc.get_size() / sizeof(float));
  memory from(user, cpuEngine(), const_cast<float*>(weights));
  memory to(weightsDesc, cpuEngine(), c.weights->data);
  dnnl::reorder(from, to).execute(stream(), from, to);
  stream().wait();
  c.weightsDesc = weightsDesc;
  bytes_ += static_cast<int64_t>(weightsDesc.get_size());
  if (!step.bias.empty()) {
    c.bias = std::make_unique<AlignedFloats>(static_cast<size_t>(pc));
    std::fill(c.bias->data, c.bias->data + pc, 0.f);
    std::copy(step.bias.begin(), step.bias.end(), c.bias->data);
    c.biasDesc = biasDesc;
  }
  return implementation;
}

CompiledPlan::CompiledPlan(const PlanSpec& spec, int64_t height, int64_t width) : output_(spec.output) {
  if (spec.bufferChannels.size() < 2 || output_ < 1 || output_ >= static_cast<int64_t>(spec.bufferChannels.size())) {
    throw std::invalid_argument("a plan needs an input buffer and another for its output");
  }
  layOut(spec);
  buffers_[0].height = height;
  buffers_[0].width = width;
  for (const PlanStep& step : spec.steps) steps_.push_back(compile(step));
  for (size_t i = 1; i < buffers_.size(); ++i) {
    Buffer& b = buffers_[i];
    if (b.height == 0) throw std::invalid_argument("a plan buffer that no step writes");
    if (static_cast<int64_t>(i) == output_) continue;
    b.storage = std::make_unique<AlignedFloats>(static_cast<size_t>(b.channels * b.height * b.width));
    bytes_ += b.channels * b.height * b.width * static_cast<int64_t>(sizeof(float));
  }
}

void CompiledPlan::execute(Compiled& c, const float* x, float* y) {
  if (!c.chunks.empty()) {
    const auto count = static_cast<int64_t>(c.chunks.size());
#pragma omp parallel for schedule(dynamic, 1)
    for (int64_t i = 0; i < count; ++i) execute(c.chunks[static_cast<size_t>(i)], x, y);
    return;
  }
  ThreadScope threads(c.threads);
  memory src(descOf(c.src), cpuEngine(), dataOf(c.src, x, y));
  memory dst(descOf(c.dst), cpuEngine(), dataOf(c.dst, x, y));
  if (c.isReorder) {
    c.primitive.execute(stream(), {{DNNL_ARG_FROM, src}, {DNNL_ARG_TO, dst}});
  } else if (!c.weights) {
    c.primitive.execute(stream(), {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}});
  } else {
    if (c.srcStaging) {
      memory staged(c.srcStaging->desc, cpuEngine(), c.srcStaging->storage->data);
      const Staging& st = *c.srcStaging;
      if (st.few) {
        copyChannels(static_cast<const float*>(src.get_data_handle()), st.few->first, st.storage->data,
                     st.few->second, c.src.channels);
      } else {
        memory view(st.view, cpuEngine(), st.storage->data);
        st.reorder.execute(stream(), src, view);
      }
      src = staged;
    }
    memory written = c.dstStaging ? memory(c.dstStaging->desc, cpuEngine(), c.dstStaging->storage->data) : dst;
    const memory weights(*c.weightsDesc, cpuEngine(), c.weights->data);
    std::unordered_map<int, memory> args{{DNNL_ARG_WEIGHTS, weights}};
    if (c.scratchpad) args.emplace(DNNL_ARG_SCRATCHPAD, memory(*c.scratchpadDesc, cpuEngine(), c.scratchpad->data));
    if (c.epilogue) {
      args.emplace(DNNL_ARG_DIFF_DST, src);
      args.emplace(DNNL_ARG_DIFF_SRC, written);
      c.primitive.execute(stream(), args);
      stream().wait();
      const memory::dims& d = written.get_desc().dims();
      c.epilogue->apply(static_cast<float*>(written.get_data_handle()), c.bias ? c.bias->data : nullptr,
                        d[2] * d[3], c.threads);
    } else {
      args.emplace(DNNL_ARG_SRC, src);
      args.emplace(DNNL_ARG_DST, written);
      if (c.bias) args.emplace(DNNL_ARG_BIAS, memory(*c.biasDesc, cpuEngine(), c.bias->data));
      c.primitive.execute(stream(), args);
    }
    if (c.dstStaging) {
      const Staging& st = *c.dstStaging;
      if (st.few) {
        copyChannels(st.storage->data, st.few->second, static_cast<float*>(dst.get_data_handle()), st.few->first,
                     c.dst.channels);
      } else {
        memory view(st.view, cpuEngine(), st.storage->data);
        st.reorder.execute(stream(), view, dst);
      }
    }
  }
  stream().wait();
}

// Output position (row, column) is phase (row % 2, column % 2) at position ((row + 1) / 2, (column + 1)
// / 2) of the phases' grid (see compileByPhases).
void CompiledPlan::interleave(const Compiled& c, const float* x, float* y) const {
  const Interleave& il = *c.interleave;
  const Buffer &from = buffers_[c.dst.buffer], &to = buffers_[il.dst.buffer];
  const float* phases = dataOf(c.dst, x, y);
  float* out = dataOf(il.dst, x, y);
  const int64_t channels = il.dst.channels;
  // On the primitive's OpenMP threads, as Epilogue::apply.
#pragma omp parallel for num_threads(c.threads) schedule(static)
  for (int64_t row = 0; row < to.height; ++row) {
    for (int64_t column = 0; column < to.width; ++column) {
      const int64_t phase = row % 2 * 2 + column % 2, at = (row + 1) / 2 * from.width + (column + 1) / 2;
      for (int64_t ch = 0; ch < channels; ++ch) {
        out[il.to.at(ch, row * to.width + column)] = phases[il.from.at(phase * channels + ch, at)];
      }
    }
  }
}

void CompiledPlan::run(const float* x, float* y, int64_t batch) {
  const Buffer &in = buffers_[0], &out = buffers_[output_];
  const int64_t inSize = in.channels * in.height * in.width, outSize = out.channels * out.height * out.width;
  for (int64_t n = 0; n < batch; ++n) {
    for (Compiled& c : steps_) {
      execute(c, x + n * inSize, y + n * outSize);
      if (c.interleave) interleave(c, x + n * inSize, y + n * outSize);
    }
  }
}

std::shared_ptr<CompiledPlan> compilePlan(const PlanSpec& spec, int64_t height, int64_t width) {
  return std::make_shared<CompiledPlan>(spec, height, width);
}

std::vector<int64_t> planOutputShape(const CompiledPlan& plan) { return plan.outputShape(); }

int64_t planBytes(const CompiledPlan& plan) { return plan.bytes(); }

void runPlan(CompiledPlan& plan, const float* x, float* y, int64_t batch) { plan.run(x, y, batch); }

}  // namespace onednn_backend
