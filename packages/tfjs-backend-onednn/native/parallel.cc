#include "parallel.h"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace onednn_backend {
namespace {

// Chunks per thread: more chunks balance better when a thread is descheduled mid-loop.
constexpr int64_t kChunksPerThread = 8;

class ChunkPool {
 public:
  explicit ChunkPool(int threads) {
    for (int i = 1; i < threads; ++i) helpers_.emplace_back([this] { helperLoop(); });
  }

  ~ChunkPool() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    for (auto& t : helpers_) t.join();
  }

  int threads() const { return static_cast<int>(helpers_.size()) + 1; }

  void run(int64_t n, const std::function<void(int64_t, int64_t)>& body) {
    std::lock_guard<std::mutex> runLock(runMutex_);  // one loop at a time (JS calls come from one thread)
    const int64_t chunks = std::min<int64_t>(n, threads() * kChunksPerThread);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      body_ = &body;
      n_ = n;
      chunks_ = chunks;
      generation_ += 1;
      remaining_.store(chunks, std::memory_order_relaxed);
      // The claim counter carries the generation, so a helper still holding the previous job claims nothing.
      next_.store(generation_ << 32, std::memory_order_release);
    }
    wake_.notify_all();
    workOn(generation_);
    while (remaining_.load(std::memory_order_acquire) != 0) std::this_thread::yield();
  }

 private:
  // Claims and runs chunks of job `generation` until none is left; false when the job is another's.
  void workOn(uint64_t generation) {
    for (;;) {
      uint64_t claim = next_.load(std::memory_order_acquire);
      do {
        if ((claim >> 32) != generation || static_cast<int64_t>(claim & 0xffffffffu) >= chunks_) return;
      } while (!next_.compare_exchange_weak(claim, claim + 1, std::memory_order_acq_rel));
      const int64_t chunk = static_cast<int64_t>(claim & 0xffffffffu);
      (*body_)(n_ * chunk / chunks_, n_ * (chunk + 1) / chunks_);
      remaining_.fetch_sub(1, std::memory_order_acq_rel);
    }
  }

  void helperLoop() {
    uint64_t seen = 0;
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return stopping_ || generation_ != seen; });
        if (stopping_) return;
        seen = generation_;
      }
      workOn(seen);
    }
  }

  std::vector<std::thread> helpers_;
  std::mutex runMutex_, mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  uint64_t generation_ = 0;
  const std::function<void(int64_t, int64_t)>* body_ = nullptr;
  int64_t n_ = 0, chunks_ = 0;
  std::atomic<uint64_t> next_{0};
  std::atomic<int64_t> remaining_{0};
};

ChunkPool& pool() {
  static ChunkPool instance(omp_get_max_threads());
  return instance;
}

}  // namespace

void parallelRangesImpl(int64_t n, int64_t work, const std::function<void(int64_t, int64_t)>& body) {
  (void)work;
  pool().run(n, body);
}

int parallelThreads() { return pool().threads(); }

}  // namespace onednn_backend
