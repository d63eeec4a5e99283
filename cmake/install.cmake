# Install rules (included by the top-level CMakeLists.txt when SIO_INSTALL is on). Two components:
#   dev     headers, the static libraries, the CMake package "sio" (sioConfig.cmake, its version
#           file, the exported targets sio::core, sio::client, sio::server) and sio.pc
#   server  the programs (sio-testserver, sio-forwarder, sio-jobmanager, sio-coordinator), the
#           apps' assets, the systemd unit and its configuration in /etc/sio (the .deb, package.cmake)
# `cmake --install build` installs both; `--component dev` only what a C++ project needs.
# An Emscripten build (emcmake) installs sio::core and sio::client only. docs/install.md.
include(CMakePackageConfigHelpers)

set(SIO_CMAKE_INSTALL_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/sio)
set(SIO_PACKAGE_TARGETS sio_core)
set(SIO_PACKAGE_HAS_CLIENT OFF)
set(SIO_PACKAGE_HAS_SERVER OFF)
if(TARGET sio_client)
  list(APPEND SIO_PACKAGE_TARGETS sio_client)
  set(SIO_PACKAGE_HAS_CLIENT ON)
endif()
if(TARGET sio_server AND NOT EMSCRIPTEN)
  list(APPEND SIO_PACKAGE_TARGETS sio_server_engine sio_server)
  set(SIO_PACKAGE_HAS_SERVER ON)
endif()

# Headers: the public include/ folders of each library, and the generated <sio/version.hpp>.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/sdk/include/ ${SIO_GENERATED_INCLUDE_DIR}/
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT dev FILES_MATCHING PATTERN "*.hpp")
if(SIO_PACKAGE_HAS_CLIENT)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/client/include/
          DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT dev FILES_MATCHING PATTERN "*.hpp")
endif()
if(SIO_PACKAGE_HAS_SERVER)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/testserver/include/
          DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT dev FILES_MATCHING PATTERN "*.hpp")
endif()
if(EMSCRIPTEN)
  # emcc must never see -I/usr/include (wasm/CMakeLists.txt): the header-only nlohmann/json the
  # package was built with goes with it, under include/sio-deps/.
  install(DIRECTORY ${SIO_EMSCRIPTEN_INCLUDE_DIR}/nlohmann/
          DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/sio-deps/nlohmann COMPONENT dev)
endif()

install(TARGETS ${SIO_PACKAGE_TARGETS} EXPORT sioTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev)
install(EXPORT sioTargets NAMESPACE sio:: FILE sioTargets.cmake
        DESTINATION ${SIO_CMAKE_INSTALL_DIR} COMPONENT dev)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/sioConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/package/sioConfig.cmake
                              INSTALL_DESTINATION ${SIO_CMAKE_INSTALL_DIR})
# 0.x: a minor version may break the API, so only the same major.minor is compatible.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/package/sioConfigVersion.cmake
                                 VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/package/sioConfig.cmake ${PROJECT_BINARY_DIR}/package/sioConfigVersion.cmake
        DESTINATION ${SIO_CMAKE_INSTALL_DIR} COMPONENT dev)

# pkg-config: sio (core + client, what a client program links) and sio-server (native only).
if(NOT EMSCRIPTEN)
  # Relocatable: the prefix is found from the .pc file's own place (cmake --install --prefix).
  file(RELATIVE_PATH _sio_pc_up /p/${CMAKE_INSTALL_LIBDIR}/pkgconfig /p)
  string(REGEX REPLACE "/$" "" _sio_pc_up "${_sio_pc_up}")
  set(SIO_PC_PREFIX "\${pcfiledir}/${_sio_pc_up}")
  set(SIO_PC_LIBDIR "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
  set(SIO_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
  if(SIO_PACKAGE_HAS_CLIENT)
    configure_file(${PROJECT_SOURCE_DIR}/cmake/sio.pc.in ${PROJECT_BINARY_DIR}/package/sio.pc @ONLY)
    install(FILES ${PROJECT_BINARY_DIR}/package/sio.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT dev)
  endif()
  if(SIO_PACKAGE_HAS_SERVER)
    configure_file(${PROJECT_SOURCE_DIR}/cmake/sio-server.pc.in ${PROJECT_BINARY_DIR}/package/sio-server.pc @ONLY)
    install(FILES ${PROJECT_BINARY_DIR}/package/sio-server.pc
            DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT dev)
  endif()
endif()

# The server component: programs, assets, systemd unit, configuration.
if(TARGET sio-testserver AND NOT EMSCRIPTEN)
  install(TARGETS sio-testserver RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT server)
  # The configuration: <prefix>/etc/sio/, but /etc/sio for the prefix /usr (the .deb; cpack
  # stages it as <staging>/usr). Decided at install time, so that `cmake --install --prefix` and
  # cpack pick it.
  install(CODE "
    set(_sio_etc \"\${CMAKE_INSTALL_PREFIX}/etc/sio\")
    if(CMAKE_INSTALL_PREFIX MATCHES \"(^|/)usr/?$\")
      get_filename_component(_sio_etc \"\${CMAKE_INSTALL_PREFIX}/../etc/sio\" ABSOLUTE)
    endif()
    file(INSTALL DESTINATION \"\${_sio_etc}\" TYPE FILE FILES \"${PROJECT_SOURCE_DIR}/packaging/testserver.conf\")"
    COMPONENT server)
  install(FILES ${PROJECT_SOURCE_DIR}/packaging/sio-testserver.service
          DESTINATION lib/systemd/system COMPONENT server)
endif()
foreach(app forwarder jobmanager coordinator)
  if(TARGET sio-${app})
    install(TARGETS sio-${app} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT server)
  endif()
endforeach()
if(TARGET sio-forwarder)
  # The apps find them at <bindir>/../share/sio/apps-assets (sio::apps::installed_asset).
  install(DIRECTORY $<TARGET_FILE_DIR:sio-forwarder>/sio-apps-assets/
          DESTINATION ${CMAKE_INSTALL_DATADIR}/sio/apps-assets COMPONENT server OPTIONAL)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/testserver/apps/forwarder/ ${PROJECT_SOURCE_DIR}/testserver/apps/jobmanager/
                    ${PROJECT_SOURCE_DIR}/testserver/apps/coordinator/
          DESTINATION ${CMAKE_INSTALL_DATADIR}/sio/examples COMPONENT server
          FILES_MATCHING PATTERN "*.example.json" PATTERN "env.example")
endif()
