#include "peak.h"

#include <algorithm>
#include <chrono>
#include <limits>
#include <vector>

#include "sgemm.h"

namespace onednn_backend {

double gemmGflops(int64_t size, int repetitions) {
  const size_t elements = static_cast<size_t>(size) * static_cast<size_t>(size);
  // Values that stay normal through the sums: denormals would slow the FMA units down.
  std::vector<float> a(elements), b(elements), c(elements);
  for (size_t i = 0; i < elements; ++i) {
    a[i] = 1.0f + static_cast<float>(i % 7) / 8;
    b[i] = 1.0f - static_cast<float>(i % 5) / 8;
  }
  double best = std::numeric_limits<double>::infinity();
  // The first call pays for page faults and oneDNN's kernel generation; it is not timed.
  for (int call = 0; call <= repetitions; ++call) {
    const auto start = std::chrono::steady_clock::now();
    sgemm('N', 'N', size, size, size, a.data(), size, b.data(), size, 0.0f, c.data(), size);
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    if (call > 0) best = std::min(best, elapsed.count());
  }
  return 2.0 * static_cast<double>(size) * static_cast<double>(size) * static_cast<double>(size) / best / 1e9;
}

}  // namespace onednn_backend
