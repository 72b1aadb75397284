# CanbaoHelpers.cmake -- the few functions the build repeats: embedding files
# into the program and registering tests the same way everywhere.

# cb_embed_files(OUT_C SYMBOL_PREFIX FILE...) writes a C source that holds
# each file as a NUL-terminated array named <prefix>_<basename without
# extension, dots and dashes as underscores>, plus a table of
# {name, data, size}.  The generated file is rebuilt when an input changes.
function(cb_embed_files out_c prefix)
  set(inputs ${ARGN})
  add_custom_command(
    OUTPUT ${out_c}
    COMMAND ${CMAKE_COMMAND} -DOUT=${out_c} -DPREFIX=${prefix}
            "-DINPUTS=${inputs}" -P ${PROJECT_SOURCE_DIR}/cmake/embed.cmake
    DEPENDS ${inputs} ${PROJECT_SOURCE_DIR}/cmake/embed.cmake
    COMMENT "Embedding ${prefix} files"
    VERBATIM)
endfunction()

# cb_add_unit_test(NAME SOURCES... [LIBS lib...]) builds one test program per
# module and registers it with ctest under the label "unit".
function(cb_add_unit_test name)
  cmake_parse_arguments(T "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS} canbao_core canbao_flags
                        PkgConfig::CMOCKA)
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES LABELS unit TIMEOUT 120
    ENVIRONMENT "CANBAO_SOURCE_DIR=${PROJECT_SOURCE_DIR}")
endfunction()

# cb_add_integration_test(NAME SCRIPT [TIMEOUT s] [LABEL l] [ENV VAR=value...])
# registers a
# shell script of tests/integration with ctest under the label
# "integration" (or LABEL).  The script
# gets the program, the test tools (tests/tools), the source tree and the
# build tree in its environment;
# it starts and stops its own servers (tests/integration/harness.sh).
function(cb_add_integration_test name script)
  cmake_parse_arguments(T "" "TIMEOUT;LABEL" "ENV" ${ARGN})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  if(NOT T_LABEL)
    set(T_LABEL integration)
  endif()
  add_test(NAME ${name}
           COMMAND bash ${PROJECT_SOURCE_DIR}/tests/integration/${script})
  set_tests_properties(${name} PROPERTIES LABELS ${T_LABEL}
    TIMEOUT ${T_TIMEOUT}
    ENVIRONMENT "CANBAO=$<TARGET_FILE:canbao>;APPLY_TOOL=$<TARGET_FILE:apply_tool>;IDENT_TOOL=$<TARGET_FILE:ident_tool>;CANBAO_SOURCE_DIR=${PROJECT_SOURCE_DIR};CANBAO_BUILD_DIR=${PROJECT_BINARY_DIR};${T_ENV}")
endfunction()
