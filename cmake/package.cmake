# CPack: the Debian package sio-server (the install component "server": sio-testserver, the apps
# sio-forwarder / sio-jobmanager / sio-coordinator with their assets, the systemd unit
# sio-testserver.service, /etc/sio/testserver.conf). Built from the main build:
#   cpack --config build/CPackConfig.cmake -B build/package     -> build/package/sio-server_<version>_<arch>.deb
# Depends is computed by dpkg-shlibdeps from the programs' shared libraries. docs/install.md.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME sio)
set(CPACK_PACKAGE_VENDOR "sio-cpp")
set(CPACK_PACKAGE_CONTACT "sio-cpp maintainers <sio-cpp@localhost>")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Socket.IO server in C++ (reference server and deployment apps)")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)  # /etc/sio: cmake/install.cmake
set(CPACK_STRIP_FILES ON)

set(CPACK_COMPONENTS_ALL server)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_SERVER_PACKAGE_NAME sio-server)
set(CPACK_DEBIAN_SERVER_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_SERVER_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_SERVER_DESCRIPTION
    "Socket.IO server in C++ (reference server and deployment apps)\n sio-testserver (the reference Socket.IO v4 server, run by the systemd unit\n sio-testserver.service with /etc/sio/testserver.conf) and the apps sio-forwarder,\n sio-jobmanager and sio-coordinator.")
set(CPACK_DEBIAN_SERVER_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_SERVER_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/packaging/conffiles
    ${PROJECT_SOURCE_DIR}/packaging/postinst
    ${PROJECT_SOURCE_DIR}/packaging/prerm
    ${PROJECT_SOURCE_DIR}/packaging/postrm)
set(CPACK_DEBIAN_SERVER_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
