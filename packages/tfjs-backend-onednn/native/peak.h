// The machine's matrix-multiply peak, which the convolutions' FLOP rate is measured against.
#pragma once
#include <cstdint>

namespace onednn_backend {

// GFLOP/s of oneDNN's sgemm on two square float32 matrices of `size`, with every thread: the best of
// `repetitions` timed calls after one untimed warm-up.
double gemmGflops(int64_t size, int repetitions);

}  // namespace onednn_backend
