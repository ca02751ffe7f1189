include_guard(GLOBAL)
# weft_add_test(<name> SOURCES ... LIBS ... [FIXTURES ...]): a GoogleTest
# executable whose tests ctest discovers; WEFT_BUILD_DIR tells tests where
# bin/ and plugins are. FIXTURES: ctest fixtures every test requires (see
# postgres_server below).
function(weft_add_test name)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "" "SOURCES;LIBS;FIXTURES")
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} GTest::gtest_main GTest::gmock)
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  target_compile_definitions(${name} PRIVATE
    WEFT_BUILD_DIR="${CMAKE_BINARY_DIR}" WEFT_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
  set(_properties TIMEOUT 300)
  if(ARG_FIXTURES)
    list(APPEND _properties FIXTURES_REQUIRED "${ARG_FIXTURES}")
  endif()
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES ${_properties})
endfunction()

# weft_add_plugin_test(<name> PLUGIN <plugin target> SOURCES ... [LIBS ...]):
# a test of a built plugin file, loaded as weftd loads it (load tests, the
# conformance suites). The file's path is WEFT_PLUGIN_FILE, and the plugin is
# built before the test.
function(weft_add_plugin_test name)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "PLUGIN" "SOURCES;LIBS;FIXTURES")
  weft_add_test(${name} SOURCES ${ARG_SOURCES} LIBS weft::sdk ${CMAKE_DL_LIBS} ${ARG_LIBS} FIXTURES ${ARG_FIXTURES})
  add_dependencies(${name} ${ARG_PLUGIN})
  target_compile_definitions(${name} PRIVATE WEFT_PLUGIN_FILE="$<TARGET_FILE:${ARG_PLUGIN}>")
endfunction()

# The ctest fixture postgres_server: one PostgreSQL server (harness/
# postgres_server.hpp) started before the tests that require it and stopped
# after them, in WEFT_POSTGRES_FIXTURE_DIR. The directory is under /tmp, not in
# the build tree, as the server's user must reach it and its socket path must
# stay short; it is named after the build tree so that two trees do not meet.
string(MD5 _build_tree_hash "${CMAKE_BINARY_DIR}")
string(SUBSTRING "${_build_tree_hash}" 0 10 _build_tree_hash)
set(WEFT_POSTGRES_FIXTURE_DIR "/tmp/weft-postgres-${_build_tree_hash}")
add_test(NAME postgres_server_start COMMAND weft_postgres_fixture start ${WEFT_POSTGRES_FIXTURE_DIR})
add_test(NAME postgres_server_stop COMMAND weft_postgres_fixture stop ${WEFT_POSTGRES_FIXTURE_DIR})
set_tests_properties(postgres_server_start PROPERTIES FIXTURES_SETUP postgres_server TIMEOUT 120)
set_tests_properties(postgres_server_stop PROPERTIES FIXTURES_CLEANUP postgres_server TIMEOUT 120)
