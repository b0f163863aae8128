// Convolutions with one output channel (a PatchGAN discriminator's last layer) as matrix products over
// the filter's taps. Per image, with X the input as an IH·IW × IC matrix (NHWC is one already) and W the
// HWIO filter as a KH·KW × IC matrix (the same, with one output channel):
//   forward:          Z = X·Wᵀ (each input pixel against each tap), then y sums Z along each window;
//   backward data:    G[pixel, tap] = the dy that the pixel meets through that tap (0 outside), dx = G·W;
//   backward weights: dw = Gᵀ·X, summed over images.
// oneDNN's direct kernels block over output channels, and with one of them ran at 4-5 GFLOP/s.
#pragma once
#include <cstdint>

#include "conv.h"

namespace onednn_backend {

// Whether `g` runs here: one output channel, no dilation.
bool tapsSuit(const ConvGeometry& g);

// Floats of scratch the three functions need: one IH·IW × KH·KW matrix.
int64_t tapsScratchFloats(const ConvGeometry& g);

// As convForward, convBackwardData and convBackwardWeights (conv.h), with HWIO weights.
void tapsForward(const ConvGeometry& g, const float* x, const float* w, float* y, float* scratch);
void tapsBackwardData(const ConvGeometry& g, const float* dy, const float* w, float* dx, float* scratch);
void tapsBackwardWeights(const ConvGeometry& g, const float* x, const float* dy, float* dw, float* scratch);

}  // namespace onednn_backend
