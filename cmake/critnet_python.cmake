# Finds what the Python extension (python/) needs: a Python 3 interpreter with torch, its
# development files, pybind11 and pybind11_json (CONFIG), and torch's libtorch_python from
# that torch install.
# Sets CRITNET_PYTHON_FOUND and, when found, CRITNET_TORCH_PYTHON_LIBRARY; says why not
# otherwise. The interpreter defaults to /usr/bin/python3 (Debian's, the one with
# python3-torch), not the first python3 on PATH (pyenv or a venv without torch).
set(CRITNET_PYTHON_FOUND FALSE)
if(NOT Python3_EXECUTABLE AND EXISTS /usr/bin/python3)
  set(Python3_EXECUTABLE /usr/bin/python3)
endif()
find_package(Python3 COMPONENTS Interpreter Development.Module QUIET)
if(NOT Python3_FOUND)
  set(CRITNET_PYTHON_WHY "no Python 3 interpreter with development files (python3-dev)")
  return()
endif()
execute_process(
  COMMAND ${Python3_EXECUTABLE} -c "import torch, os; print(os.path.dirname(torch.__file__))"
  OUTPUT_VARIABLE _critnet_torch_dir OUTPUT_STRIP_TRAILING_WHITESPACE
  RESULT_VARIABLE _critnet_torch_rc ERROR_QUIET)
if(NOT _critnet_torch_rc EQUAL 0)
  set(CRITNET_PYTHON_WHY "${Python3_EXECUTABLE} cannot import torch (python3-torch)")
  return()
endif()
find_library(CRITNET_TORCH_PYTHON_LIBRARY torch_python HINTS "${_critnet_torch_dir}/lib"
             NO_DEFAULT_PATH)
if(NOT CRITNET_TORCH_PYTHON_LIBRARY)
  set(CRITNET_PYTHON_WHY "no libtorch_python.so in ${_critnet_torch_dir}/lib")
  return()
endif()
# That torch must be the LibTorch critnet links (Debian: python3-torch's lib/ holds links to
# libtorch-dev's libraries); another build (a pip wheel next to Debian's LibTorch, or the
# reverse) would load two different LibTorch copies into one process.
get_filename_component(_critnet_c10_ours "${c10_LIBRARY}" REALPATH)
get_filename_component(_critnet_c10_python "${_critnet_torch_dir}/lib/libc10.so" REALPATH)
if(c10_LIBRARY AND NOT _critnet_c10_ours STREQUAL _critnet_c10_python)
  set(CRITNET_PYTHON_WHY "the torch of ${Python3_EXECUTABLE} (${_critnet_torch_dir}) is not the \
LibTorch critnet links (${_critnet_c10_ours}); pass -DPython3_EXECUTABLE of a matching one")
  return()
endif()
find_package(pybind11 CONFIG QUIET)
if(NOT pybind11_FOUND)
  set(CRITNET_PYTHON_WHY "no pybind11 CMake package (pybind11-dev)")
  return()
endif()
# Documents cross the binding as Python objects (nlohmann::json <-> dict, list, ...).
find_package(pybind11_json CONFIG QUIET)
if(NOT pybind11_json_FOUND)
  set(CRITNET_PYTHON_WHY "no pybind11_json CMake package (pybind11-json-dev)")
  return()
endif()
set(CRITNET_PYTHON_FOUND TRUE)
