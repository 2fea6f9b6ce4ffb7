# oneDNN's sgemm for the float32 matrix products (src/core/detail/gemm.cpp). Debian's LibTorch
# already loads oneDNN (libdnnl.so.2) for its own kernels; libdnnl-dev adds the header. oneDNN
# picks its kernels per CPU at run time (AVX-512 where there is one), where OpenBLAS 0.3.21 runs
# its Haswell (AVX2) kernels on CPUs it does not know, e.g. AMD Zen 4 (docs/performance.md).
# AUTO uses it when found; ON requires it; OFF (and the default with CRITNET_DEPS_PREFIX, i.e. a
# LibTorch that bundles its own oneDNN) sends every product to ATen.
set(CRITNET_ONEDNN AUTO CACHE STRING "oneDNN's sgemm for float32 products: AUTO, ON or OFF")
set_property(CACHE CRITNET_ONEDNN PROPERTY STRINGS AUTO ON OFF)
set(CRITNET_WITH_ONEDNN 0)
if(CRITNET_ONEDNN STREQUAL "ON" OR (CRITNET_ONEDNN STREQUAL "AUTO" AND NOT CRITNET_DEPS_PREFIX))
  find_path(CRITNET_DNNL_INCLUDE_DIR dnnl.h)
  find_library(CRITNET_DNNL_LIBRARY dnnl)
  if(CRITNET_DNNL_INCLUDE_DIR AND CRITNET_DNNL_LIBRARY)
    set(CRITNET_WITH_ONEDNN 1)
  elseif(CRITNET_ONEDNN STREQUAL "ON")
    message(FATAL_ERROR "CRITNET_ONEDNN=ON but dnnl.h or libdnnl was not found "
                        "(apt-get install libdnnl-dev)")
  endif()
endif()
message(STATUS "critnet: oneDNN sgemm for float32 products: ${CRITNET_WITH_ONEDNN}")
