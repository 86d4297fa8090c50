{
  "targets": [
    {
      "target_name": "lmreg_tfjs_native",
      "sources": ["native/conv.cc", "native/elementwise.cc", "native/batchnorm.cc", "native/fused.cc", "native/reduce.cc", "native/optim.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc": ["-std=c++17", "-O3", "-fopenmp", "-fexceptions"],
      "libraries": ["-ldnnl", "-fopenmp"]
    }
  ]
}
