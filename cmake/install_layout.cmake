# What an install puts where. `cmake --install build` uses prefix /usr/local; the Debian
# package (cmake/package.cmake) installs the same rules with prefix /usr. The config lives in
# /etc/sse-gateway either way: the unit and the binary's default --config look there.

install(TARGETS sse-gateway RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES conf/gateway.yaml DESTINATION /etc/sse-gateway)
# The environment file holds secrets: root-only, and never overwritten by a later
# `cmake --install` (a package build stages into an empty DESTDIR, so it always gets one).
install(CODE "
  if(NOT EXISTS \"\$ENV{DESTDIR}/etc/sse-gateway/environment\")
    file(INSTALL DESTINATION /etc/sse-gateway TYPE FILE
         PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ
         FILES \"${CMAKE_SOURCE_DIR}/conf/environment\")
  endif()")

# The unit is written at install time, when the prefix is known, so ExecStart names the
# installed binary. A /usr install is the Debian layout, whose units live in /lib/systemd/system.
install(CODE "
  if(CMAKE_INSTALL_PREFIX STREQUAL \"/usr\")
    set(ssegw_unitdir /lib/systemd/system)
  else()
    set(ssegw_unitdir \"\${CMAKE_INSTALL_PREFIX}/lib/systemd/system\")
  endif()
  set(SSEGW_UNIT_TEMPLATE \"${CMAKE_SOURCE_DIR}/systemd/sse-gateway.service.in\")
  set(SSEGW_UNIT_OUTPUT \"${CMAKE_BINARY_DIR}/install-unit/sse-gateway.service\")
  set(SSEGW_BINDIR \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}\")
  set(SSEGW_DOCDIR \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_DOCDIR}\")
  include(\"${CMAKE_SOURCE_DIR}/cmake/systemd_unit.cmake\")
  file(INSTALL DESTINATION \"\${ssegw_unitdir}\" TYPE FILE FILES \"\${SSEGW_UNIT_OUTPUT}\")")

# Documentation: the README, every docs/*.md page, the copyright, the changelog and the man
# page, the last two gzip -9n compressed (no name, no timestamp: the same bytes every build).
function(ssegw_gzip source output)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${source})
  execute_process(COMMAND gzip -9n -c ${source} OUTPUT_FILE ${output} RESULT_VARIABLE status)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "gzip -9n ${source} failed")
  endif()
endfunction()
ssegw_gzip(${CMAKE_SOURCE_DIR}/packaging/debian/changelog ${CMAKE_BINARY_DIR}/changelog.Debian.gz)
# The man page names the version it documents.
configure_file(docs/sse-gateway.1 ${CMAKE_BINARY_DIR}/sse-gateway.1 @ONLY)
ssegw_gzip(${CMAKE_BINARY_DIR}/sse-gateway.1 ${CMAKE_BINARY_DIR}/sse-gateway.1.gz)

file(GLOB ssegw_doc_pages CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/docs/*.md)
install(FILES README.md ${ssegw_doc_pages} packaging/debian/copyright
              ${CMAKE_BINARY_DIR}/changelog.Debian.gz
        DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES ${CMAKE_BINARY_DIR}/sse-gateway.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
