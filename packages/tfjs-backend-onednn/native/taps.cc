#include "taps.h"

#include <algorithm>

#include "sgemm.h"

namespace onednn_backend {
namespace {

int64_t taps(const ConvGeometry& g) { return g.filterHeight * g.filterWidth; }
int64_t pixels(const ConvGeometry& g) { return g.inHeight * g.inWidth; }

// Calls visit(inputPixel, tap, outputPixel) for each input pixel a filter tap reaches from an output pixel.
template <typename Visit>
void forEachReach(const ConvGeometry& g, Visit visit) {
  for (int64_t oy = 0; oy < g.outHeight; ++oy) {
    for (int64_t kh = 0; kh < g.filterHeight; ++kh) {
      const int64_t iy = oy * g.strideHeight - g.padTop + kh;
      if (iy < 0 || iy >= g.inHeight) continue;
      for (int64_t ox = 0; ox < g.outWidth; ++ox) {
        for (int64_t kw = 0; kw < g.filterWidth; ++kw) {
          const int64_t ix = ox * g.strideWidth - g.padLeft + kw;
          if (ix < 0 || ix >= g.inWidth) continue;
          visit(iy * g.inWidth + ix, kh * g.filterWidth + kw, oy * g.outWidth + ox);
        }
      }
    }
  }
}

// G for one image: what each input pixel meets of dy through each tap.
void gatherDy(const ConvGeometry& g, const float* dy, float* reached) {
  std::fill(reached, reached + pixels(g) * taps(g), 0.0f);
  forEachReach(g, [&](int64_t in, int64_t tap, int64_t out) { reached[in * taps(g) + tap] = dy[out]; });
}

}  // namespace

bool tapsSuit(const ConvGeometry& g) {
  return g.outChannels == 1 && g.dilationHeight == 1 && g.dilationWidth == 1;
}

int64_t tapsScratchFloats(const ConvGeometry& g) { return pixels(g) * taps(g); }

void tapsForward(const ConvGeometry& g, const float* x, const float* w, float* y, float* scratch) {
  const int64_t outPixels = g.outHeight * g.outWidth;
  for (int64_t n = 0; n < g.batch; ++n) {
    sgemm('N', 'T', pixels(g), taps(g), g.inChannels, x + n * pixels(g) * g.inChannels, g.inChannels, w,
          g.inChannels, 0.0f, scratch, taps(g));
    float* out = y + n * outPixels;
    std::fill(out, out + outPixels, 0.0f);
    forEachReach(g, [&](int64_t in, int64_t tap, int64_t o) { out[o] += scratch[in * taps(g) + tap]; });
  }
}

void tapsBackwardData(const ConvGeometry& g, const float* dy, const float* w, float* dx, float* scratch) {
  const int64_t outPixels = g.outHeight * g.outWidth;
  for (int64_t n = 0; n < g.batch; ++n) {
    gatherDy(g, dy + n * outPixels, scratch);
    sgemm('N', 'N', pixels(g), g.inChannels, taps(g), scratch, taps(g), w, g.inChannels, 0.0f,
          dx + n * pixels(g) * g.inChannels, g.inChannels);
  }
}

void tapsBackwardWeights(const ConvGeometry& g, const float* x, const float* dy, float* dw, float* scratch) {
  const int64_t outPixels = g.outHeight * g.outWidth;
  for (int64_t n = 0; n < g.batch; ++n) {
    gatherDy(g, dy + n * outPixels, scratch);
    sgemm('T', 'N', taps(g), g.inChannels, pixels(g), scratch, taps(g), x + n * pixels(g) * g.inChannels,
          g.inChannels, n == 0 ? 0.0f : 1.0f, dw, g.inChannels);
  }
}

}  // namespace onednn_backend
