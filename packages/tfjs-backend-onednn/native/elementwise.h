// Element-wise maps, broadcasting binary ops, reductions and batch-norm inference over float32,
// multi-threaded with OpenMP (the same runtime Debian's oneDNN uses).
#pragma once
#include <cstdint>
#include <vector>

namespace onednn_backend {

using Shape = std::vector<int64_t>;

// Codes shared with src/native.ts: keep both lists in the same order.
enum class UnaryOp : int {
  Relu, LeakyRelu, Tanh, Sigmoid, Exp, Log, Log1p, Abs, Neg, Sqrt, Rsqrt, Square, Sign, Step,
  Reciprocal, Elu, Relu6, Fill,
};
enum class BinaryOp : int {
  Add, Sub, Mul, Div, Maximum, Minimum, SquaredDifference,
  // Comparisons write bool (uint8) outputs.
  Greater, GreaterEqual, Less, LessEqual, Equal, NotEqual,
};
enum class ReduceOp : int { Sum, Mean, Max, Min };

inline bool isComparison(BinaryOp op) { return op >= BinaryOp::Greater; }

// y[i] = op(x[i]); `alpha` is LeakyRelu's slope, Step's value at x <= 0 and Fill's value.
void unary(UnaryOp op, float alpha, const float* x, float* y, int64_t n);

// out = op(a, b) with numpy broadcasting; `out` is float* or, for comparisons, uint8_t*.
void binary(BinaryOp op, const float* a, const Shape& aShape, const float* b, const Shape& bShape, void* out,
            const Shape& outShape);

// dx = x > 0 ? dy : alpha * dy: the gradient of LeakyRelu (and of Relu, alpha 0) in one pass.
void leakyReluGrad(float alpha, const float* dy, const float* x, float* dx, int64_t n);

// out = cond ? a : b, all of n elements.
void select(const uint8_t* cond, const float* a, const float* b, float* out, int64_t n);

// out = sum of inputs, each of n elements.
void addN(const std::vector<const float*>& inputs, float* out, int64_t n);

// Reduces x over `axes` (sorted, distinct). Returns false, writing nothing, when the axes do not form
// one contiguous block once size-1 dimensions are ignored (the caller then transposes first).
bool reduce(ReduceOp op, const float* x, const Shape& shape, const std::vector<int64_t>& axes, float* out);

// y = offset + (x - mean) * scale / sqrt(variance + epsilon), the per-channel vectors having either
// `channels` elements (the last dimension of x) or one; a null scale or offset means 1 or 0.
void batchNorm(const float* x, int64_t n, int64_t channels, const float* mean, int64_t meanSize,
               const float* variance, int64_t varianceSize, const float* scale, int64_t scaleSize,
               const float* offset, int64_t offsetSize, float epsilon, float* y);

// Batch norm with batch statistics (training), x viewed as [rows, channels]: mean and (biased)
// variance per channel, y = (x - mean) / sqrt(variance + epsilon) * scale + offset.
void batchNormTrainingForward(const float* x, int64_t rows, int64_t channels, const float* scale,
                              const float* offset, float epsilon, float* y, float* mean, float* variance);
// Its gradient, including the contributions of gradients reaching the mean and variance outputs.
void batchNormTrainingBackward(const float* dy, const float* x, int64_t rows, int64_t channels, const float* scale,
                               const float* mean, const float* variance, const float* dMean, const float* dVariance,
                               float epsilon, float* dx, float* dScale, float* dOffset);

// One Adam step (PyTorch's formula, no weight decay) in one pass, writing new arrays or, when the three
// outputs are the inputs themselves, over them:
//   m' = beta1 m + (1 - beta1) g;  v' = beta2 v + (1 - beta2) g^2
//   p' = p - stepSize m' / (sqrt(v') / biasCorrection2Sqrt + eps)
struct AdamHyper {
  float beta1, beta2, eps, stepSize, biasCorrection2Sqrt;
  // 1 − beta rounded once from double, as the op-by-op formula has it: 1 − float(0.999) is off by 1e-5.
  float oneMinusBeta1, oneMinusBeta2;
};
void adamUpdate(const AdamHyper& h, const float* param, const float* grad, const float* m, const float* v,
                float* paramOut, float* mOut, float* vOut, int64_t n);

}  // namespace onednn_backend
