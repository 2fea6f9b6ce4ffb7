# The CBLAS of the Gram kernels (src/regularizers/detail/gram.cpp calls cblas_?syrk and
# cblas_?gemm through cblas.h), linked only when it is the BLAS LibTorch itself loads.
#
# Debian's LibTorch (libtorch_cpu.so) needs libblas.so.3, which the alternatives system points
# at OpenBLAS (libopenblas0-openmp) or at the reference BLAS (libblas3). libblas-dev's
# libblas.so, with cblas.h, has that SONAME, so the dynamic loader maps one libblas.so.3 for
# LibTorch and critnet, and critnet's cblas calls run in LibTorch's BLAS whichever library the
# alternative names; the earlier dlsym(RTLD_DEFAULT) lookup had the same property, but
# declared the functions itself with 32-bit int indices. A LibTorch that does not need the BLAS
# found here (PyTorch's own, with MKL linked in statically) gets no CBLAS, and gram() uses
# at::mm (as the lookup, which found nothing there, did).
#
# GSL's libgslcblas exports cblas_* too. critnet_lib links this BLAS before GSL::gsl, so the
# linker binds cblas_* to libblas.so.3 and the loader searches it before libgslcblas
# (tests/unit/regularizers/gram_test.cpp checks which library the calls reach).
#
# CRITNET_CBLAS: AUTO (the default: when found and LibTorch's), ON (required) or OFF.
# Sets CRITNET_WITH_CBLAS (0 or 1) and, when 1, CRITNET_CBLAS_LIBRARY and
# CRITNET_CBLAS_INCLUDE_DIR. With CRITNET_DEPS_PREFIX only that folder is searched.
set(CRITNET_CBLAS AUTO CACHE STRING
    "Link the CBLAS LibTorch loads for the Gram kernels (libblas-dev): AUTO, ON (required), OFF")
set_property(CACHE CRITNET_CBLAS PROPERTY STRINGS AUTO ON OFF)

set(CRITNET_WITH_CBLAS 0)
set(_why "")
if(CRITNET_CBLAS STREQUAL "OFF")
  set(_why "CRITNET_CBLAS=OFF")
else()
  set(_search "")
  if(CRITNET_DEPS_PREFIX)
    get_filename_component(_prefix "${CRITNET_DEPS_PREFIX}" ABSOLUTE BASE_DIR "${CMAKE_SOURCE_DIR}")
    set(_search PATHS "${_prefix}" NO_DEFAULT_PATH)
  endif()
  find_path(CRITNET_CBLAS_INCLUDE_DIR cblas.h PATH_SUFFIXES include ${_search})
  find_library(CRITNET_CBLAS_LIBRARY NAMES blas PATH_SUFFIXES lib ${_search})
  # The libraries LibTorch's CPU library needs, by SONAME.
  set(_torch_needed "")
  if(TARGET torch_cpu AND CMAKE_OBJDUMP)
    get_target_property(_torch_cpu torch_cpu LOCATION)
    if(_torch_cpu)
      execute_process(COMMAND "${CMAKE_OBJDUMP}" -p "${_torch_cpu}" OUTPUT_VARIABLE _dump
                      ERROR_QUIET)
      string(REGEX MATCHALL "NEEDED +[^\n]+" _torch_needed "${_dump}")
      list(TRANSFORM _torch_needed REPLACE "NEEDED +" "")
    endif()
  endif()
  set(_soname "")
  if(CRITNET_CBLAS_LIBRARY AND CMAKE_OBJDUMP)
    execute_process(COMMAND "${CMAKE_OBJDUMP}" -p "${CRITNET_CBLAS_LIBRARY}"
                    OUTPUT_VARIABLE _dump ERROR_QUIET)
    if(_dump MATCHES "SONAME +([^\n]+)")
      set(_soname "${CMAKE_MATCH_1}")
    endif()
  endif()
  if(NOT CRITNET_CBLAS_INCLUDE_DIR OR NOT CRITNET_CBLAS_LIBRARY)
    set(_why "no cblas.h and libblas.so (Debian: libblas-dev)")
  elseif(NOT _soname)
    set(_why "cannot read the SONAME of ${CRITNET_CBLAS_LIBRARY}")
  elseif(NOT _soname IN_LIST _torch_needed)
    set(_why "LibTorch's torch_cpu does not need ${_soname} (its BLAS is another one)")
  else()
    include(CheckCXXSourceCompiles)
    set(CMAKE_REQUIRED_INCLUDES "${CRITNET_CBLAS_INCLUDE_DIR}")
    set(CMAKE_REQUIRED_LIBRARIES "${CRITNET_CBLAS_LIBRARY}")
    check_cxx_source_compiles([[
      #include <cblas.h>
      int main() {
        float s = 0; double d = 0;
        cblas_ssyrk(CblasRowMajor, CblasUpper, CblasNoTrans, 1, 1, 1.f, &s, 1, 0.f, &s, 1);
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, 1, 1, 1.0, &d, 1, 0.0, &d, 1);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, 1, 1, 1, 1.f, &s, 1, &s, 1, 0.f, &s, 1);
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, 1, 1, 1, 1.0, &d, 1, &d, 1, 0.0, &d, 1);
        return 0;
      }]] CRITNET_CBLAS_LINKS)
    unset(CMAKE_REQUIRED_INCLUDES)
    unset(CMAKE_REQUIRED_LIBRARIES)
    if(CRITNET_CBLAS_LINKS)
      set(CRITNET_WITH_CBLAS 1)
    else()
      set(_why "cblas.h and ${CRITNET_CBLAS_LIBRARY} do not link cblas_?syrk/?gemm")
    endif()
  endif()
endif()

if(CRITNET_WITH_CBLAS)
  message(STATUS "critnet: CBLAS ${CRITNET_CBLAS_LIBRARY} (${_soname}, LibTorch's BLAS)")
elseif(CRITNET_CBLAS STREQUAL "ON")
  message(FATAL_ERROR "CRITNET_CBLAS=ON but ${_why}")
else()
  message(STATUS "critnet: no CBLAS (${_why}); the Gram kernels use at::mm")
endif()
