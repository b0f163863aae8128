// Convolutions over oneDNN: forward, backward-data (also the transposed convolution) and
// backward-weights. Tensors are NHWC float32 and filters HWIO float32, as tfjs stores them.
#pragma once
#include <array>
#include <cstdint>
#include <string>

namespace onednn_backend {

// The geometry of one 2-D convolution, in the forward direction (x -> y).
struct ConvGeometry {
  int64_t batch, inHeight, inWidth, inChannels;
  int64_t outHeight, outWidth, outChannels;
  int64_t filterHeight, filterWidth;
  int64_t strideHeight, strideWidth;
  int64_t dilationHeight, dilationWidth;  // tfjs convention: 1 = no dilation
  int64_t padTop, padLeft;

  std::array<int64_t, 15> key() const {
    return {batch, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, filterHeight,
            filterWidth, strideHeight, strideWidth, dilationHeight, dilationWidth, padTop, padLeft};
  }
};

// The primitive whose weights layout is meant: the forward convolution's or the backward-data one's.
enum class WeightsUse { Forward = 0, BackwardData = 1 };
// Floats of the weights in the layout that primitive reads; 0 when it reads HWIO itself.
int64_t convWeightsSize(const ConvGeometry& g, WeightsUse use);
// That layout, named: equal names, equal layouts (whatever the geometry: batch size does not enter the
// weights'), so one prepared copy serves them all; empty when the primitive reads HWIO itself.
std::string convWeightsLayout(const ConvGeometry& g, WeightsUse use);
// Copies HWIO weights into that layout, padding zeroed; `out` holds convWeightsSize floats.
void convPrepareWeights(const ConvGeometry& g, WeightsUse use, const float* w, float* out);

// y[N,OH,OW,OC] = conv(x[N,IH,IW,IC], w[KH,KW,IC,OC]); `prepared`: w is in the primitive's layout
// (from convPrepareWeights) rather than HWIO.
void convForward(const ConvGeometry& g, const float* x, const float* w, bool prepared, float* y);
// dx[N,IH,IW,IC] = gradient of the forward convolution with respect to x, given dy[N,OH,OW,OC].
void convBackwardData(const ConvGeometry& g, const float* dy, const float* w, bool prepared, float* dx);
// dw[KH,KW,IC,OC] = gradient of the forward convolution with respect to w.
void convBackwardWeights(const ConvGeometry& g, const float* x, const float* dy, float* dw);
// Number of cached primitive sets (one per distinct geometry), for the leak test.
int64_t convCacheSize();

}  // namespace onednn_backend
