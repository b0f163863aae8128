// The process's one oneDNN CPU engine, shared by every primitive the addon creates.
#pragma once
#include "oneapi/dnnl/dnnl.hpp"

namespace onednn_backend {

inline dnnl::engine& cpuEngine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

}  // namespace onednn_backend
