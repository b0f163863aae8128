// A convolution's weights gradient as one matrix product: dw[K, OC] = columns[K, P] × dy[P, OC], where
// columns holds, for each of the P output pixels, the K = KH·KW·IC input values its filter window
// covers (im2col), one row per filter element. dy in NHWC is already the P × OC matrix, and dw comes
// out in HWIO, tfjs's layout, with nothing to reorder on either side.
#pragma once
#include <cstdint>

#include "conv.h"

namespace onednn_backend {

// Whether the product is the faster way to this gradient. On an AVX2 host, over the layers of a pix2pix
// training step (3 to 1024 channels), it took about half the time of oneDNN's backward-weights
// primitive with its reorders at 256 px batch 1, and 0.8-0.9 of it at batch 4 or at 512 px; at 32 output
// channels it was still faster. Below that, writing the columns outweighs the product (2·OC FLOPs per
// column element): at 16 the two ran even, at 8 and fewer oneDNN's direct kernel was mostly faster, by
// up to 5x. Where AVX-512 is available oneDNN runs other kernels, which this was not measured against.
bool columnsSuit(const ConvGeometry& g);

// Floats of scratch `columnsWeightsGradient` needs: the columns of as many whole output rows as fit a
// fixed budget (at least one row).
int64_t columnsScratchFloats(const ConvGeometry& g);

// dw[KH,KW,IC,OC] = gradient of the forward convolution with respect to w, given x[N,IH,IW,IC] and
// dy[N,OH,OW,OC]; `scratch` holds columnsScratchFloats(g) floats. `parallel`: split the copying over
// the chunk pool's threads (the product uses OpenMP's thread count).
void columnsWeightsGradient(const ConvGeometry& g, const float* x, const float* dy, float* dw, float* scratch,
                            bool parallel);

}  // namespace onednn_backend
