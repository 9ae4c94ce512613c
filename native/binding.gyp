{
  "targets": [
    {
      "target_name": "luminate_native",
      "sources": ["lane.cc"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-O2"],
      "cflags_cc": ["-O3", "-std=c++17", "-fexceptions"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
