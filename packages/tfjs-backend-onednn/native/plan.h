// An inference plan: a fixed network (convolutions, transposed convolutions and activations over
// channel slices of buffers) compiled once for one image size into oneDNN primitives, run image by
// image. What makes it faster than the same network kernel by kernel: weights reordered once into
// each primitive's layout, bias and activation applied by the primitive (post-ops), activations kept
// in oneDNN's channel-blocked layout (nChw8c / nChw16c) from layer to layer, and a concatenation on
// channels written in place (each input lands in its slice of the output buffer).
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

namespace onednn_backend {

enum class PlanActivation { None = 0, Relu = 1, LeakyRelu = 2, Tanh = 3 };
enum class PlanStepKind { Conv = 0, Deconv = 1, Eltwise = 2 };

// Channels [offset, offset + channels) of a buffer. Buffer 0 is the network's input.
struct PlanSlice {
  int64_t buffer, offset, channels;
};

struct PlanStep {
  PlanStepKind kind;
  PlanSlice src, dst;
  // Conv: OIHW; Deconv: IOHW (PyTorch's and ONNX's layouts). Empty for Eltwise.
  std::vector<float> weights;
  std::vector<float> bias;  // empty: none
  int64_t kernel = 0, stride = 1, pad = 0;
  PlanActivation activation = PlanActivation::None;
  float alpha = 0;  // LeakyRelu's slope
};

struct PlanSpec {
  std::vector<int64_t> bufferChannels;  // [0]: the input's
  int64_t output;                       // the buffer holding the result
  std::vector<PlanStep> steps;
};

class CompiledPlan;

// `spec` compiled for images of height × width; throws std::invalid_argument when the plan cannot be
// laid out (a slice that does not start on a channel block of a buffer that others slice).
std::shared_ptr<CompiledPlan> compilePlan(const PlanSpec& spec, int64_t height, int64_t width);
// [height, width, channels] of one output image.
std::vector<int64_t> planOutputShape(const CompiledPlan& plan);
// Bytes the plan holds (weights and buffers).
int64_t planBytes(const CompiledPlan& plan);
// y[N, OH, OW, OC] = the network applied to x[N, H, W, C] (NHWC), image by image.
void runPlan(CompiledPlan& plan, const float* x, float* y, int64_t batch);

}  // namespace onednn_backend
