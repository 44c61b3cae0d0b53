# `cmake --install BUILD --prefix P` installs what a program needs to use Onyx:
#   P/include/onyx/onyx_c_api.h, onyx.hpp     the public API (nothing from src/)
#   P/lib/libonyx.so*                         the library
#   P/bin/onyx                                the CLI
#   P/lib/cmake/onyx/                         find_package(onyx) -> target onyx::onyx
#   P/lib/pkgconfig/onyx.pc                   pkg-config --cflags --libs onyx
# Both the CMake package and onyx.pc find the prefix from their own location,
# so an installed tree may be moved.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS onyx EXPORT onyxTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${CMAKE_SOURCE_DIR}/include/onyx DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.h" PATTERN "*.hpp")

# The CLI finds the library in ../lib wherever the tree is installed.
file(RELATIVE_PATH _onyx_bin_to_lib ${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}
     ${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR})
set_target_properties(onyx_cli PROPERTIES INSTALL_RPATH "$ORIGIN/${_onyx_bin_to_lib}")
install(TARGETS onyx_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

set(ONYX_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/onyx)
install(EXPORT onyxTargets NAMESPACE onyx:: DESTINATION ${ONYX_CMAKE_DIR})
configure_package_config_file(${CMAKE_SOURCE_DIR}/cmake/onyxConfig.cmake.in
  ${CMAKE_BINARY_DIR}/cmake/onyxConfig.cmake INSTALL_DESTINATION ${ONYX_CMAKE_DIR})
# Same major version: the C API keeps old tables as prefixes of new ones.
write_basic_package_version_file(${CMAKE_BINARY_DIR}/cmake/onyxConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES ${CMAKE_BINARY_DIR}/cmake/onyxConfig.cmake ${CMAKE_BINARY_DIR}/cmake/onyxConfigVersion.cmake
  DESTINATION ${ONYX_CMAKE_DIR})

# onyx.pc: ${pcfiledir} is where pkg-config found the file, so the prefix is
# computed from it rather than fixed at configure time.
file(RELATIVE_PATH _onyx_pc_to_prefix ${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR}/pkgconfig ${CMAKE_INSTALL_PREFIX})
string(REGEX REPLACE "/$" "" _onyx_pc_to_prefix "${_onyx_pc_to_prefix}")
configure_file(${CMAKE_SOURCE_DIR}/cmake/onyx.pc.in ${CMAKE_BINARY_DIR}/cmake/onyx.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/cmake/onyx.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
