// Data movement kernels (any element size): transpose, slice, concat, padding and tiling.
#pragma once
#include <cstdint>
#include <vector>

#include "elementwise.h"

namespace onednn_backend {

enum class PadMode : int { Constant, Reflect, Symmetric };

void transpose(const float* x, const Shape& shape, const std::vector<int64_t>& perm, float* out);
void slice(const float* x, const Shape& shape, const Shape& begin, const Shape& size, float* out);
// Concatenates inputs viewed as [outer, innerSizes[i]] along their second dimension.
void concat(const std::vector<const float*>& inputs, int64_t outer, const std::vector<int64_t>& innerSizes,
            float* out);
void pad(const float* x, const Shape& shape, const Shape& before, const Shape& after, PadMode mode, float value,
         float* out);
void tile(const float* x, const Shape& shape, const Shape& reps, float* out);

}  // namespace onednn_backend
