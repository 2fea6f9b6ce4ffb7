# critnet's dependencies besides LibTorch: from the system's packages (find_package), or, when
# CRITNET_DEPS_PREFIX names a folder made by scripts/device/pack-deps.sh, only from that folder
# (for machines without the Debian dev packages, e.g. the GPU machine: docs/cuda.md). Both
# define the same targets: CLI11::CLI11, nlohmann_json::nlohmann_json, fmt::fmt, ZLIB::ZLIB,
# GSL::gsl, GTest::gtest, GTest::gtest_main, GTest::gmock, benchmark::benchmark.
find_package(Threads REQUIRED)

if(NOT CRITNET_DEPS_PREFIX)
  find_package(CLI11 CONFIG REQUIRED)
  find_package(nlohmann_json 3 REQUIRED)
  find_package(fmt REQUIRED)
  find_package(ZLIB REQUIRED)
  find_package(GSL REQUIRED)
  return()
endif()

get_filename_component(_deps "${CRITNET_DEPS_PREFIX}" ABSOLUTE BASE_DIR "${CMAKE_SOURCE_DIR}")
foreach(f include/CLI/CLI.hpp include/nlohmann/json.hpp include/fmt/format-inl.h include/zlib.h
          include/gsl/gsl_sf_zeta.h lib/libz.a lib/libgsl.a lib/libgslcblas.a)
  if(NOT EXISTS "${_deps}/${f}")
    message(FATAL_ERROR "CRITNET_DEPS_PREFIX=${_deps} lacks ${f}: run scripts/device/pack-deps.sh")
  endif()
endforeach()
message(STATUS "critnet: dependencies from ${_deps}")
# Compile everything (googletest too) with LibTorch's ABI flag.
string(APPEND CMAKE_CXX_FLAGS " ${TORCH_CXX_FLAGS}")

function(critnet_imported name kind)
  add_library(${name} ${kind} IMPORTED GLOBAL)
  set_target_properties(${name} PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${_deps}/include")
endfunction()

critnet_imported(CLI11::CLI11 INTERFACE)
critnet_imported(nlohmann_json::nlohmann_json INTERFACE)
critnet_imported(fmt::fmt INTERFACE)  # header-only: no libfmt to carry
set_target_properties(fmt::fmt PROPERTIES INTERFACE_COMPILE_DEFINITIONS FMT_HEADER_ONLY=1)
critnet_imported(ZLIB::ZLIB STATIC)
set_target_properties(ZLIB::ZLIB PROPERTIES IMPORTED_LOCATION "${_deps}/lib/libz.a")
critnet_imported(GSL::gslcblas STATIC)
set_target_properties(GSL::gslcblas PROPERTIES IMPORTED_LOCATION "${_deps}/lib/libgslcblas.a")
critnet_imported(GSL::gsl STATIC)
set_target_properties(GSL::gsl PROPERTIES IMPORTED_LOCATION "${_deps}/lib/libgsl.a"
                                          INTERFACE_LINK_LIBRARIES "GSL::gslcblas;m")

# GoogleTest from its sources (Debian's /usr/src/googletest), built with this compiler.
if(CRITNET_BUILD_TESTS)
  if(NOT EXISTS "${_deps}/src/googletest/CMakeLists.txt")
    message(FATAL_ERROR "CRITNET_DEPS_PREFIX=${_deps} lacks src/googletest: run "
                        "scripts/device/pack-deps.sh (or -DCRITNET_BUILD_TESTS=OFF)")
  endif()
  set(INSTALL_GTEST OFF CACHE BOOL "" FORCE)
  set(BUILD_GMOCK ON CACHE BOOL "" FORCE)
  add_subdirectory("${_deps}/src/googletest" "${CMAKE_BINARY_DIR}/_deps/googletest"
                   EXCLUDE_FROM_ALL)
  foreach(t gtest gtest_main gmock)  # googletest >= 1.11 defines these aliases itself
    if(NOT TARGET GTest::${t})
      add_library(GTest::${t} ALIAS ${t})
    endif()
  endforeach()
endif()

if(CRITNET_BUILD_BENCHMARKS)
  file(GLOB _bench_so "${_deps}/lib/libbenchmark.so.*.*")
  if(NOT _bench_so OR NOT EXISTS "${_deps}/include/benchmark/benchmark.h")
    message(FATAL_ERROR "CRITNET_DEPS_PREFIX=${_deps} lacks Google Benchmark: run "
                        "scripts/device/pack-deps.sh (or -DCRITNET_BUILD_BENCHMARKS=OFF)")
  endif()
  list(GET _bench_so 0 _bench_so)
  critnet_imported(benchmark::benchmark SHARED)
  set_target_properties(benchmark::benchmark PROPERTIES IMPORTED_LOCATION "${_bench_so}"
                                                        INTERFACE_LINK_LIBRARIES Threads::Threads)
endif()
