{
  # The native backend's addon (src/backends/tfjs/native/): tfjs matmul kernels over a system BLAS,
  # and elementwise and fused kernels on a small thread pool.
  # Built by scripts/build-native.mjs (never by npm's automatic `node-gyp rebuild`: this file is
  # not at the package root on purpose, so a machine without a compiler still installs tfmc).
  "targets": [
    {
      "target_name": "tfmc_native",
      "sources": ["src/addon.cc", "src/gemm.cc", "src/gemv.cc", "src/elementwise.cc", "src/fused.cc", "src/pool.cc", "src/decode_attention.cc", "src/attention.cc", "src/gather.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
      # -fno-math-errno and -fno-trapping-math let the elementwise loops vectorise; they do not
      # reorder arithmetic, so results are unchanged.
      "cflags_cc": ["-O3", "-std=c++17", "-pthread", "-fno-math-errno", "-fno-trapping-math"],
      "conditions": [
        ["OS=='mac'", {
          "defines": ["TFMC_ACCELERATE"],
          "libraries": ["-framework Accelerate"],
          "xcode_settings": { "OTHER_CPLUSPLUSFLAGS": ["-O3", "-std=c++17", "-fno-math-errno", "-fno-trapping-math"] }
        }, {
          "libraries": ["-lopenblas", "-pthread"]
        }]
      ]
    }
  ]
}
