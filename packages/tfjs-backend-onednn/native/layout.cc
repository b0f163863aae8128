#include "layout.h"

#include <algorithm>
#include <cstring>

#include "parallel.h"

namespace onednn_backend {
namespace {

Shape packedStrides(const Shape& shape) {
  Shape strides(shape.size(), 1);
  for (size_t i = shape.size(); i-- > 1;) strides[i - 1] = strides[i] * shape[i];
  return strides;
}

int64_t product(const Shape& shape, size_t from = 0, size_t to = SIZE_MAX) {
  int64_t p = 1;
  for (size_t i = from; i < shape.size() && i < to; ++i) p *= shape[i];
  return p;
}

// Calls body(row, index) for each row of an array of shape `dims` (all dimensions but the last),
// `index` holding the row's coordinates; rows are split over the threads.
template <typename Body>
void forEachRow(const Shape& dims, int64_t workPerRow, Body body) {
  const size_t last = dims.size() - 1;
  const int64_t rows = product(dims, 0, last);
  parallelRanges(rows, rows * workPerRow, [&](int64_t begin, int64_t end) {
    Shape index(last);
    for (int64_t row = begin; row < end; ++row) {
      int64_t rest = row;
      for (size_t i = last; i-- > 0;) {
        index[i] = rest % dims[i];
        rest /= dims[i];
      }
      body(row, index);
    }
  });
}

}  // namespace

void transpose(const float* x, const Shape& shape, const std::vector<int64_t>& perm, float* out) {
  // Drop size-1 dimensions and merge input dimensions that stay neighbours in the output.
  std::vector<int64_t> kept(shape.size(), -1);
  Shape inDims;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] != 1) {
      kept[i] = static_cast<int64_t>(inDims.size());
      inDims.push_back(shape[i]);
    }
  }
  std::vector<int64_t> order;  // output order of the kept input dimensions
  for (int64_t p : perm) {
    if (kept[p] >= 0) order.push_back(kept[p]);
  }
  std::vector<std::vector<int64_t>> groups;  // runs of consecutive input dims, in output order
  for (int64_t d : order) {
    if (!groups.empty() && groups.back().back() + 1 == d) {
      groups.back().push_back(d);
    } else {
      groups.push_back({d});
    }
  }
  // Merged input shape (groups sorted by their first input dim) and the output permutation over it.
  std::vector<size_t> byInput(groups.size());
  for (size_t i = 0; i < groups.size(); ++i) byInput[i] = i;
  std::sort(byInput.begin(), byInput.end(), [&](size_t a, size_t b) { return groups[a][0] < groups[b][0]; });
  Shape mergedShape(groups.size());
  std::vector<size_t> inputPosition(groups.size());
  for (size_t pos = 0; pos < byInput.size(); ++pos) {
    const auto& g = groups[byInput[pos]];
    mergedShape[pos] = 1;
    for (int64_t d : g) mergedShape[pos] *= inDims[d];
    inputPosition[byInput[pos]] = pos;
  }
  const int64_t n = product(inDims);
  if (groups.size() <= 1) {
    std::memcpy(out, x, static_cast<size_t>(n) * sizeof(float));
    return;
  }
  const Shape inStrides = packedStrides(mergedShape);
  Shape outDims(groups.size()), strideOf(groups.size());
  for (size_t k = 0; k < groups.size(); ++k) {
    outDims[k] = mergedShape[inputPosition[k]];
    strideOf[k] = inStrides[inputPosition[k]];
  }
  const size_t last = outDims.size() - 1;
  const int64_t rowLength = outDims[last], step = strideOf[last];
  forEachRow(outDims, rowLength, [&](int64_t row, const Shape& index) {
    int64_t offset = 0;
    for (size_t i = 0; i < last; ++i) offset += index[i] * strideOf[i];
    float* o = out + row * rowLength;
    const float* s = x + offset;
    for (int64_t j = 0; j < rowLength; ++j) o[j] = s[j * step];
  });
}

void slice(const float* x, const Shape& shapeIn, const Shape& beginIn, const Shape& sizeIn, float* out) {
  Shape shape = shapeIn, begin = beginIn, size = sizeIn;
  // Trailing dimensions taken whole merge into the one before them.
  while (shape.size() > 1 && begin.back() == 0 && size.back() == shape.back()) {
    const int64_t whole = shape.back();
    shape.pop_back();
    begin.pop_back();
    size.pop_back();
    shape.back() *= whole;
    begin.back() *= whole;
    size.back() *= whole;
  }
  const Shape strides = packedStrides(shape);
  const size_t last = shape.size() - 1;
  const int64_t rowLength = size[last];
  forEachRow(size, rowLength, [&](int64_t row, const Shape& index) {
    int64_t offset = begin[last];
    for (size_t i = 0; i < last; ++i) offset += (begin[i] + index[i]) * strides[i];
    std::memcpy(out + row * rowLength, x + offset, static_cast<size_t>(rowLength) * sizeof(float));
  });
}

void concat(const std::vector<const float*>& inputs, int64_t outer, const std::vector<int64_t>& innerSizes,
            float* out) {
  int64_t rowLength = 0;
  for (int64_t s : innerSizes) rowLength += s;
  parallelRanges(outer, outer * rowLength, [&](int64_t begin, int64_t end) {
    for (int64_t o = begin; o < end; ++o) {
      float* dst = out + o * rowLength;
      for (size_t i = 0; i < inputs.size(); ++i) {
        const int64_t len = innerSizes[i];
        std::memcpy(dst, inputs[i] + o * len, static_cast<size_t>(len) * sizeof(float));
        dst += len;
      }
    }
  });
}

namespace {

// The input coordinate an output coordinate reads, or -1 for the constant.
inline int64_t padSource(int64_t outIndex, int64_t before, int64_t size, PadMode mode) {
  int64_t i = outIndex - before;
  if (i >= 0 && i < size) return i;
  switch (mode) {
    case PadMode::Constant: return -1;
    case PadMode::Reflect: return i < 0 ? -i : 2 * (size - 1) - i;
    case PadMode::Symmetric: return i < 0 ? -i - 1 : 2 * size - 1 - i;
  }
  return -1;
}

}  // namespace

void pad(const float* x, const Shape& shape, const Shape& before, const Shape& after, PadMode mode, float value,
         float* out) {
  Shape outDims(shape.size());
  for (size_t i = 0; i < shape.size(); ++i) outDims[i] = shape[i] + before[i] + after[i];
  const Shape strides = packedStrides(shape);
  const size_t last = shape.size() - 1;
  const int64_t rowLength = outDims[last], inLength = shape[last], lead = before[last];
  forEachRow(outDims, rowLength, [&](int64_t row, const Shape& index) {
    float* o = out + row * rowLength;
    int64_t offset = 0;
    for (size_t i = 0; i < last; ++i) {
      const int64_t source = padSource(index[i], before[i], shape[i], mode);
      if (source < 0) {
        for (int64_t j = 0; j < rowLength; ++j) o[j] = value;
        return;
      }
      offset += source * strides[i];
    }
    const float* s = x + offset;
    for (int64_t j = 0; j < lead; ++j) {
      const int64_t source = padSource(j, lead, inLength, mode);
      o[j] = source < 0 ? value : s[source];
    }
    std::memcpy(o + lead, s, static_cast<size_t>(inLength) * sizeof(float));
    for (int64_t j = lead + inLength; j < rowLength; ++j) {
      const int64_t source = padSource(j, lead, inLength, mode);
      o[j] = source < 0 ? value : s[source];
    }
  });
}

void tile(const float* x, const Shape& shape, const Shape& reps, float* out) {
  Shape outDims(shape.size());
  for (size_t i = 0; i < shape.size(); ++i) outDims[i] = shape[i] * reps[i];
  const Shape strides = packedStrides(shape);
  const size_t last = shape.size() - 1;
  const int64_t rowLength = outDims[last], inLength = shape[last];
  forEachRow(outDims, rowLength, [&](int64_t row, const Shape& index) {
    int64_t offset = 0;
    for (size_t i = 0; i < last; ++i) offset += (index[i] % shape[i]) * strides[i];
    float* o = out + row * rowLength;
    for (int64_t r = 0; r < reps[last]; ++r) {
      std::memcpy(o + r * inLength, x + offset, static_cast<size_t>(inLength) * sizeof(float));
    }
  });
}

}  // namespace onednn_backend
