# CPack's DEB generator: one package per install component (resources/CMakeLists.txt).
#   qtus        server: qtusd, its systemd unit, sysusers and tmpfiles files, the conffile
#   qtus-admin  admin:  qtus-admin, its desktop entry and icons
# Dependencies come from dpkg-shlibdeps, so qtus depends on what qtusd links (Qt Core and
# Network, libsystemd, simdjson) and never on Widgets or X11. `make deb` builds them from
# the ordinary build directory (the prefix /usr is CPack's, set when it installs).
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME qtus)
set(CPACK_PACKAGE_VENDOR "qtus")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_CONTACT "${QTUS_DEB_MAINTAINER}")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
# Installed with DESTDIR and the prefix /usr, whatever the build's own prefix: the unit and the
# conffile's rules see /usr and pick /lib/systemd/system and /etc (resources/CMakeLists.txt).
set(CPACK_SET_DESTDIR ON)
set(CPACK_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
# `make deb` leaves build/qtus_<version>_<arch>.deb and build/qtus-admin_..., beside the build.
set(CPACK_OUTPUT_FILE_PREFIX "${PROJECT_BINARY_DIR}")

set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL server)
if(QTUS_BUILD_GUI)
    list(APPEND CPACK_COMPONENTS_ALL admin)
endif()
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE "${QTUS_DEB_RELEASE}")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

set(CPACK_DEBIAN_SERVER_PACKAGE_NAME qtus)
# Descriptions: lines under 80 characters (lintian), the first is the synopsis.
set(CPACK_DEBIAN_SERVER_DESCRIPTION "resumable-upload server for the tus protocol
qtusd serves the tus 1.0.0 resumable-upload protocol over HTTP: clients
upload files in pieces and resume after a lost connection. Each upload is
a data file plus a JSON description in one directory; a PATCH is
acknowledged once its bytes are on disk. Hooks (programs or an HTTP
service) can authorise and follow uploads.
.
This package has the headless server, qtusd, with a hardened systemd unit
(qtusd.service), its configuration in /etc/qtus/qtusd.conf and the qtus
system user. The unit is not enabled on installation.")
set(CPACK_DEBIAN_SERVER_PACKAGE_CONTROL_EXTRA
    "${CMAKE_CURRENT_LIST_DIR}/postinst;${CMAKE_CURRENT_LIST_DIR}/prerm;${CMAKE_CURRENT_LIST_DIR}/postrm;${CMAKE_CURRENT_LIST_DIR}/conffiles")

set(CPACK_DEBIAN_ADMIN_PACKAGE_NAME qtus-admin)
set(CPACK_DEBIAN_ADMIN_DESCRIPTION "tus resumable-upload server with an admin window
qtus-admin runs the same tus 1.0.0 upload server as qtusd in a Qt Widgets
window that lists every upload with its progress, state and expiry, live,
with filters, clean-up and termination. It can also watch a qtusd
elsewhere through its admin API (qtus-admin --connect).")
# A window needs a Qt platform plugin; libqt6gui6 only recommends them.
set(CPACK_DEBIAN_ADMIN_PACKAGE_DEPENDS "qt6-qpa-plugins")

include(CPack)
