#include "columns.h"

#include <algorithm>
#include <type_traits>

#include "oneapi/dnnl/dnnl.h"
#include "parallel.h"
#include "sgemm.h"

namespace onednn_backend {
namespace {

constexpr int64_t kMinOutChannels = 32;

// Columns of at most this many floats (16 MiB) at a time, the product accumulating over the pieces:
// pix2pix's layers at 256 px batch 1 fit whole; larger inputs take a few pieces rather than their size
// again in memory. With 4 MiB pieces, a step's gradients at batch 4 or at 512 px took longer than
// oneDNN's.
constexpr int64_t kBudgetFloats = int64_t{1} << 22;

// Padding of each column row: with a row length that is a multiple of 4 KiB (64·64 output pixels),
// sgemm's reads of the rows collided in the cache and the product ran at two thirds of its speed.
constexpr int64_t kRowPadding = 16;

// Input channels copied together. Each copying task takes one filter element and one such block of
// channels: it reads one cache line of each input pixel and writes `kChannelBlock` rows of the columns
// front to back. A task per output row instead, writing KH·KW·IC rows a little at a time, took 1.7x
// as long.
constexpr int64_t kChannelBlock = 16;

// Copies `width` channels of the input pixels for output x positions [lo, hi), `step` floats apart, into
// `width` rows of the columns. For whole channel blocks `width` is a compile-time constant, so that the
// channel loop unrolls: without that, a training step's weight gradients took 1.2x as long.
template <typename Width>
void copyPixels(const float* in, int64_t step, int64_t lo, int64_t hi, Width width, int64_t stride, float* out) {
  for (int64_t ox = lo; ox < hi; ++ox) {
    const float* pixel = in + ox * step;
    for (int64_t c = 0; c < width; ++c) out[c * stride + ox] = pixel[c];
  }
}

int64_t columnRows(const ConvGeometry& g) { return g.filterHeight * g.filterWidth * g.inChannels; }

int64_t outputRowsPerPiece(const ConvGeometry& g) {
  const int64_t rows = g.batch * g.outHeight;
  return std::clamp<int64_t>(kBudgetFloats / (columnRows(g) * g.outWidth), 1, rows);
}

// Writes the columns of output rows [first, end) (output row = image and output y) for filter element
// (kh, kw) and input channels [c0, c1): row (kh·KW + kw)·IC + c, one column per output pixel; zero where
// the filter window lies in the padding.
void copyColumns(const ConvGeometry& g, const float* x, int64_t first, int64_t end, int64_t kh, int64_t kw,
                 int64_t c0, int64_t c1, int64_t stride, float* columns) {
  // Output x positions [lo, hi) read input x = ox·strideWidth + shift, inside the image.
  const int64_t shift = kw * g.dilationWidth - g.padLeft;
  const int64_t lo = std::min(g.outWidth, shift >= 0 ? 0 : (g.strideWidth - 1 - shift) / g.strideWidth);
  const int64_t lastInside = g.inWidth - 1 - shift;
  const int64_t hi = std::max(lo, lastInside < 0 ? 0 : std::min(g.outWidth, lastInside / g.strideWidth + 1));
  float* block = columns + ((kh * g.filterWidth + kw) * g.inChannels + c0) * stride;
  for (int64_t row = first; row < end; ++row) {
    const int64_t image = row / g.outHeight;
    const int64_t iy = (row % g.outHeight) * g.strideHeight + kh * g.dilationHeight - g.padTop;
    float* out = block + (row - first) * g.outWidth;
    const bool inside = iy >= 0 && iy < g.inHeight;
    for (int64_t c = c0; c < c1; ++c) {
      float* outRow = out + (c - c0) * stride;
      std::fill(outRow, outRow + (inside ? lo : g.outWidth), 0.0f);
      if (inside) std::fill(outRow + hi, outRow + g.outWidth, 0.0f);
    }
    if (!inside) continue;
    const float* in = x + ((image * g.inHeight + iy) * g.inWidth + shift) * g.inChannels + c0;
    const int64_t step = g.strideWidth * g.inChannels;
    if (c1 - c0 == kChannelBlock) {
      copyPixels(in, step, lo, hi, std::integral_constant<int64_t, kChannelBlock>{}, stride, out);
    } else {
      copyPixels(in, step, lo, hi, c1 - c0, stride, out);
    }
  }
}

}  // namespace

bool columnsSuit(const ConvGeometry& g) {
  static const bool avx512 = (dnnl_get_effective_cpu_isa() & dnnl_cpu_isa_avx512_core) == dnnl_cpu_isa_avx512_core;
  return !avx512 && g.outChannels >= kMinOutChannels;
}

int64_t columnsScratchFloats(const ConvGeometry& g) {
  return columnRows(g) * (outputRowsPerPiece(g) * g.outWidth + kRowPadding);
}

void columnsWeightsGradient(const ConvGeometry& g, const float* x, const float* dy, float* dw, float* scratch,
                            bool parallel) {
  const int64_t rows = g.batch * g.outHeight, perPiece = outputRowsPerPiece(g);
  const int64_t blocks = (g.inChannels + kChannelBlock - 1) / kChannelBlock;
  const int64_t tasks = g.filterHeight * g.filterWidth * blocks;
  for (int64_t first = 0; first < rows; first += perPiece) {
    const int64_t end = std::min(rows, first + perPiece), pixels = (end - first) * g.outWidth;
    const int64_t stride = pixels + kRowPadding;
    const auto copy = [&](int64_t begin, int64_t stop) {
      for (int64_t task = begin; task < stop; ++task) {
        const int64_t element = task / blocks, c0 = (task % blocks) * kChannelBlock;
        copyColumns(g, x, first, end, element / g.filterWidth, element % g.filterWidth, c0,
                    std::min(g.inChannels, c0 + kChannelBlock), stride, scratch);
      }
    };
    if (parallel) {
      parallelRanges(tasks, columnRows(g) * pixels, copy);
    } else {
      copy(0, tasks);
    }
    sgemm('N', 'N', columnRows(g), g.outChannels, pixels, scratch, stride, dy + first * g.outWidth * g.outChannels,
          g.outChannels, first == 0 ? 0.0f : 1.0f, dw, g.outChannels);
  }
}

}  // namespace onednn_backend
