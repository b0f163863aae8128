// Splitting loops over threads, robust to a busy machine. OpenMP's fork/join makes every parallel
// region wait until each thread of the team has run; when other processes hold the cores, that wait is
// a scheduler time slice, far longer than the element-wise work itself. Here the work is cut into
// chunks that threads claim: the calling thread starts at once, does every chunk no helper has claimed,
// and waits only for chunks a helper is running. A helper that wakes late finds nothing and sleeps.
#pragma once
#include <cstdint>
#include <functional>

namespace onednn_backend {

// Below this much work (elements times a per-element cost), one thread is faster than any hand-off.
constexpr int64_t kParallelGrain = 1 << 16;

// Calls body(begin, end) on disjoint ranges covering [0, n); in parallel when `work` is big enough.
void parallelRangesImpl(int64_t n, int64_t work, const std::function<void(int64_t, int64_t)>& body);

template <typename Body>
void parallelRanges(int64_t n, int64_t work, Body body) {
  if (work < kParallelGrain || n < 2) {
    if (n > 0) body(int64_t{0}, n);
    return;
  }
  parallelRangesImpl(n, work, std::function<void(int64_t, int64_t)>(body));
}

// Threads used for parallel loops (the OpenMP default: one per core).
int parallelThreads();

}  // namespace onednn_backend
