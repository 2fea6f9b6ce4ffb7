# `cmake --install BUILD --prefix P` puts the library, its public headers, the critnet CLI and a
# CMake package in P, so that an out-of-tree project does
#   find_package(critnet CONFIG REQUIRED)   # with -DCMAKE_PREFIX_PATH=P
#   target_link_libraries(app PRIVATE critnet::critnet)
# (examples/cpp/). The package finds the same dependencies again in the consumer: LibTorch
# (Torch), nlohmann_json, fmt, ZLIB, GSL, Threads, OpenMP. Only for builds against the
# system's packages: a CRITNET_DEPS_PREFIX build's imported dependencies are not exported.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(CRITNET_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/critnet)
set_target_properties(critnet_lib PROPERTIES EXPORT_NAME critnet OUTPUT_NAME critnet)
install(TARGETS critnet_lib EXPORT critnetTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS critnet RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY include/critnet DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.h")
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/generated/critnet/core/version.h
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/critnet/core)
install(EXPORT critnetTargets NAMESPACE critnet:: DESTINATION ${CRITNET_INSTALL_CMAKEDIR})

configure_package_config_file(cmake/critnetConfig.cmake.in
                              ${CMAKE_CURRENT_BINARY_DIR}/critnetConfig.cmake
                              INSTALL_DESTINATION ${CRITNET_INSTALL_CMAKEDIR})
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/critnetConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/critnetConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/critnetConfigVersion.cmake
        DESTINATION ${CRITNET_INSTALL_CMAKEDIR})
