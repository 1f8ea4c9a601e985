# The Debian package, built by CPack: `cmake --build build --target package` writes
# sse-gateway_<version>-<revision>_amd64.deb in the build directory. It installs the rules of
# cmake/install_layout.cmake under prefix /usr; packaging/debian holds the control files.
# Checked by tests/package/package_test.sh (lintian, install, run, purge).

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME sse-gateway)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
# Stripped whatever the build type: debug info belongs in a -dbgsym package, not here.
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
# A Debian revision makes the package non-native: changelog.Debian.gz, as lintian expects.
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER
    "sse-gateway maintainers <maintainers@users.noreply.r-seed-9f7ee232.example>")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# The project has no public home yet: -DSSEGW_PACKAGE_HOMEPAGE=https://... adds the field.
set(SSEGW_PACKAGE_HOMEPAGE "" CACHE STRING "Homepage: field of the Debian package (empty: none)")
if(SSEGW_PACKAGE_HOMEPAGE)
  set(CPACK_DEBIAN_PACKAGE_HOMEPAGE ${SSEGW_PACKAGE_HOMEPAGE})
endif()
# Depends: from the libraries the binary links, as dpkg-shlibdeps finds them.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Server-Sent Events broadcast gateway")
# The synopsis is the summary; this is the extended description under it.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "sse-gateway serves text/event-stream to very many subscribers (browsers'
EventSource, curl, services); every path is a channel. Events come in over
HTTP POST, from upstream SSE feeds, Kafka topics and MQTT topics, and go out
to subscribers and, through sinks, into Kafka and MQTT.
.
Every event has an id: Last-Event-ID replays what a subscriber missed from the
channel's history, which can be kept on disk across restarts. It speaks TLS
and HTTP/2, checks JWTs per channel and runs as a sandboxed systemd service.")

# conffiles: CMake 3.25 does not mark files under /etc by itself. The maintainer scripts
# enable, start, stop and purge the unit the way debhelper's snippets do.
set(ssegw_debian ${CMAKE_SOURCE_DIR}/packaging/debian)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${ssegw_debian}/conffiles ${ssegw_debian}/postinst
                                       ${ssegw_debian}/prerm ${ssegw_debian}/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

include(CPack)
