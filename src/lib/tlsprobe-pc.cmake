# Writes tlsprobe.pc at install time (run by install(CODE) in CMakeLists.txt):
# CMAKE_INSTALL_PREFIX is then the prefix really installed to (cmake --install
# --prefix P), not the one configured. Directories relative to the prefix are
# written as ${prefix}/..., absolute ones as they are.
set(TP_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
foreach(d LIBDIR INCLUDEDIR)
  if(IS_ABSOLUTE "${TP_PC_${d}}")
    set(TP_PC_${d}_FULL "${TP_PC_${d}}")
  else()
    set(TP_PC_${d}_FULL "\${prefix}/${TP_PC_${d}}")
  endif()
endforeach()
configure_file("${TP_PC_IN}" "${TP_PC_OUT}" @ONLY)
