// oneDNN's sgemm, its failure an exception.
#pragma once
#include <cstdint>
#include <stdexcept>

#include "oneapi/dnnl/dnnl.h"

namespace onednn_backend {

// Row-major c[m, n] = op(a)·op(b) + beta·c, op transposing where trans is 'T'.
inline void sgemm(char transA, char transB, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda,
                  const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  if (dnnl_sgemm(transA, transB, m, n, k, 1.0f, a, lda, b, ldb, beta, c, ldc) != dnnl_success) {
    throw std::runtime_error("dnnl_sgemm failed");
  }
}

}  // namespace onednn_backend
