#include "weights-blocks.h"

#include <immintrin.h>

#include <cstdint>

namespace onednn_backend {
namespace {

constexpr int64_t kBlock = 8;

// The 8 rows at `rows` (`stride` floats apart), transposed or not, into the 64 floats at `tile`; by
// streaming stores where `tile` is 32-byte aligned.
__attribute__((target("avx2"))) void storeTile(const float* rows, int64_t stride, bool transpose, bool stream,
                                               float* tile) {
  __m256 r[kBlock];
  for (int k = 0; k < kBlock; ++k) r[k] = _mm256_loadu_ps(rows + k * stride);
  if (transpose) {
    __m256 t[kBlock], u[kBlock];
    for (int k = 0; k < kBlock; k += 2) {
      t[k] = _mm256_unpacklo_ps(r[k], r[k + 1]);
      t[k + 1] = _mm256_unpackhi_ps(r[k], r[k + 1]);
    }
    for (int k = 0; k < kBlock; k += 4) {
      u[k] = _mm256_shuffle_ps(t[k], t[k + 2], 0x44);
      u[k + 1] = _mm256_shuffle_ps(t[k], t[k + 2], 0xEE);
      u[k + 2] = _mm256_shuffle_ps(t[k + 1], t[k + 3], 0x44);
      u[k + 3] = _mm256_shuffle_ps(t[k + 1], t[k + 3], 0xEE);
    }
    for (int k = 0; k < 4; ++k) {
      r[k] = _mm256_permute2f128_ps(u[k], u[k + 4], 0x20);
      r[k + 4] = _mm256_permute2f128_ps(u[k], u[k + 4], 0x31);
    }
  }
  for (int k = 0; k < kBlock; ++k) {
    if (stream) {
      _mm256_stream_ps(tile + k * kBlock, r[k]);
    } else {
      _mm256_storeu_ps(tile + k * kBlock, r[k]);
    }
  }
}

__attribute__((target("avx2"))) void fence() { _mm_sfence(); }

}  // namespace

std::optional<Blocks8> blocks8Of(const dnnl::memory::desc& desc) {
  if (!__builtin_cpu_supports("avx2")) return std::nullopt;
  const dnnl_memory_desc_t& d = desc.data;
  if (d.ndims != 4 || d.format_kind != dnnl_blocked || d.offset0 != 0) return std::nullopt;
  for (int k = 0; k < 4; ++k) {
    if (d.padded_dims[k] != d.dims[k]) return std::nullopt;
  }
  const int64_t o = d.dims[0], i = d.dims[1], h = d.dims[2], w = d.dims[3];
  const dnnl_blocking_desc_t& b = d.format_desc.blocking;
  if (o % kBlock != 0 || i % kBlock != 0 || b.inner_nblks != 2 || b.inner_blks[0] != kBlock ||
      b.inner_blks[1] != kBlock) {
    return std::nullopt;
  }
  const int64_t tile = kBlock * kBlock;
  if (b.strides[3] != tile || b.strides[2] != w * tile || b.strides[1] != h * w * tile ||
      b.strides[0] != (i / kBlock) * h * w * tile) {
    return std::nullopt;
  }
  if (b.inner_idxs[0] == 0 && b.inner_idxs[1] == 1) return Blocks8::InputInner;
  if (b.inner_idxs[0] == 1 && b.inner_idxs[1] == 0) return Blocks8::OutputInner;
  return std::nullopt;
}

void copyIntoBlocks8(const float* hwio, int64_t outChannels, int64_t inChannels, int64_t height, int64_t width,
                     Blocks8 kind, float* blocked) {
  const int64_t positions = height * width, oBlocks = outChannels / kBlock, iBlocks = inChannels / kBlock;
  const bool transpose = kind == Blocks8::InputInner;
  const bool stream = reinterpret_cast<uintptr_t>(blocked) % 32 == 0;
  // Each task reads 8 HWIO rows front to back, one tile per output block. Every thread fences its own
  // streaming stores before the region's closing barrier.
#pragma omp parallel
  {
#pragma omp for collapse(2) schedule(static) nowait
    for (int64_t hw = 0; hw < positions; ++hw) {
      for (int64_t ib = 0; ib < iBlocks; ++ib) {
        const float* rows = hwio + (hw * inChannels + ib * kBlock) * outChannels;
        for (int64_t ob = 0; ob < oBlocks; ++ob) {
          storeTile(rows + ob * kBlock, outChannels, transpose, stream,
                    blocked + ((ob * iBlocks + ib) * positions + hw) * kBlock * kBlock);
        }
      }
    }
    fence();
  }
}

}  // namespace onednn_backend
