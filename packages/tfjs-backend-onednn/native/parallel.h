// Splitting loops over the OpenMP threads, only when the work is big enough to pay for the fork.
#pragma once
#include <omp.h>

#include <algorithm>
#include <cstdint>

namespace onednn_backend {

// Below this many elements of simple work, one thread is faster than waking the others.
constexpr int64_t kParallelGrain = 1 << 18;

// Calls body(begin, end) on disjoint ranges covering [0, n), one per thread when n is big enough.
template <typename Body>
void parallelRanges(int64_t n, int64_t work, Body body) {
  int threads = work < kParallelGrain ? 1 : std::min<int64_t>(omp_get_max_threads(), n);
  if (threads <= 1) {
    body(int64_t{0}, n);
    return;
  }
#pragma omp parallel num_threads(threads)
  {
    const int64_t t = omp_get_thread_num(), count = omp_get_num_threads();
    const int64_t begin = n * t / count, end = n * (t + 1) / count;
    if (begin < end) body(begin, end);
  }
}

}  // namespace onednn_backend
