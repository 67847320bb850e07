# fuzz_cli drives the command-line layer, which is not a library: its target is
# built with src/cli/*.c except main.c (fuzz_cli.c names the commands itself).
# Used by tests/fuzz/CMakeLists.txt (libFuzzer) and tests/CMakeLists.txt (replay).
function(tp_fuzz_cli_sources target)
  if(NOT target MATCHES "fuzz_cli$")
    return()
  endif()
  file(GLOB _cli CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/src/cli/*.c)
  list(FILTER _cli EXCLUDE REGEX "/main\\.c$")
  target_sources(${target} PRIVATE ${_cli})
  target_include_directories(${target} PRIVATE ${CMAKE_SOURCE_DIR}/src/cli ${IDN2_INCLUDE_DIRS})
  target_compile_definitions(${target} PRIVATE TP_IDN2_SONAME="${TP_IDN2_SONAME}")
  target_link_libraries(${target} PRIVATE tp_lib ${CMAKE_DL_LIBS})
endfunction()
