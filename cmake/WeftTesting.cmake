include_guard(GLOBAL)
# weft_add_test(<name> SOURCES ... LIBS ...): a GoogleTest executable whose
# tests ctest discovers; WEFT_BUILD_DIR tells tests where bin/ and plugins are.
function(weft_add_test name)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "" "SOURCES;LIBS")
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} GTest::gtest_main GTest::gmock)
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  target_compile_definitions(${name} PRIVATE
    WEFT_BUILD_DIR="${CMAKE_BINARY_DIR}" WEFT_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 300)
endfunction()

# weft_add_plugin_test(<name> PLUGIN <plugin target> SOURCES ... [LIBS ...]):
# a test of a built plugin file, loaded as weftd loads it (load tests, the
# conformance suites). The file's path is WEFT_PLUGIN_FILE, and the plugin is
# built before the test.
function(weft_add_plugin_test name)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "PLUGIN" "SOURCES;LIBS")
  weft_add_test(${name} SOURCES ${ARG_SOURCES} LIBS weft::sdk ${CMAKE_DL_LIBS} ${ARG_LIBS})
  add_dependencies(${name} ${ARG_PLUGIN})
  target_compile_definitions(${name} PRIVATE WEFT_PLUGIN_FILE="$<TARGET_FILE:${ARG_PLUGIN}>")
endfunction()
