{
  "targets": [
    {
      "target_name": "onednn",
      "sources": [
        "native/addon.cc",
        "native/columns.cc",
        "native/conv.cc",
        "native/weights-blocks.cc",
        "native/elementwise.cc",
        "native/layout.cc",
        "native/parallel.cc",
        "native/taps.cc",
        "native/peak.cc",
        "native/plan.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")"
      ],
      "defines": [
        "NAPI_VERSION=8",
        "NAPI_CPP_EXCEPTIONS",
        "NODE_ADDON_API_DISABLE_DEPRECATED"
      ],
      "cflags_cc": [
        "-std=c++17",
        "-O3",
        "-fno-trapping-math",
        "-fno-math-errno",
        "-fopenmp",
        "-fexceptions",
        "-Wall",
        "-Wextra"
      ],
      "cflags_cc!": [
        "-fno-exceptions",
        "-std=gnu++17"
      ],
      "ldflags": [
        "-fopenmp"
      ],
      "libraries": [
        "-ldnnl"
      ]
    }
  ]
}
