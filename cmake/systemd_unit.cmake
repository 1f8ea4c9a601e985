# Writes the systemd unit for one install layout from systemd/sse-gateway.service.in, so the
# unit names the binary where that install put it: /usr/local/bin for `cmake --install`,
# /usr/bin for the Debian package. Run at install time (see the top CMakeLists.txt) and by
# tests/integration/core/verify_unit.sh, so the test checks what installs get.
#   SSEGW_UNIT_TEMPLATE  systemd/sse-gateway.service.in
#   SSEGW_UNIT_OUTPUT    the unit file to write
#   SSEGW_BINDIR         directory holding sse-gateway
#   SSEGW_DOCDIR         directory holding README.md (the unit's Documentation=)
foreach(var SSEGW_UNIT_TEMPLATE SSEGW_UNIT_OUTPUT SSEGW_BINDIR SSEGW_DOCDIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "cmake/systemd_unit.cmake: ${var} is not set")
  endif()
endforeach()
configure_file(${SSEGW_UNIT_TEMPLATE} ${SSEGW_UNIT_OUTPUT} @ONLY)
