// HWIO weights (tfjs's filter layout) copied into oneDNN's 8×8-blocked convolution layouts, the ones
// its AVX2 kernels read: blocks of 8 output by 8 input channels, ordered [O/8][I/8][H][W], each
// block's 64 values with output channels innermost (ABcd8b8a, the forward's) or input channels
// innermost (ABcd8a8b, backward data's: every 8×8 tile transposed). A training step copies each of the
// generator's filters into both, as the filters change every step; tile by tile in registers, with
// streaming stores (no read of the destination's old lines), the copies took half the time of oneDNN's
// reorder and of the table-driven copy together.
#pragma once
#include <cstdint>
#include <optional>

#include "oneapi/dnnl/dnnl.hpp"

namespace onednn_backend {

enum class Blocks8 { OutputInner, InputInner };

// Which of the two layouts `desc` (weights [O, I, H, W]) is, with no padding; none for any other, or
// without AVX2.
std::optional<Blocks8> blocks8Of(const dnnl::memory::desc& desc);

// blocked = hwio[H, W, I, O] in layout `kind`, on OpenMP's threads.
void copyIntoBlocks8(const float* hwio, int64_t outChannels, int64_t inChannels, int64_t height, int64_t width,
                     Blocks8 kind, float* blocked);

}  // namespace onednn_backend
