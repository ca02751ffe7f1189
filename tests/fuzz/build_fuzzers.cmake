# The fixture of the fuzz.<name> tests: configures and builds the
# libFuzzer targets in FUZZ_TREE with clang, instrumented for coverage and
# built with AddressSanitizer and UBSan.
#   cmake -DSOURCE_DIR=... -DFUZZ_TREE=... -DCXX=clang++ -DCC=clang [-DLAUNCHER=ccache] -P build_fuzzers.cmake

# Configured every time, so that a change of these options reaches the tree
# (seconds, once configured). -O1 with assertions on: under the sanitizers it
# compiles far faster than -O3, and fuzzing needs checks more than speed.
set(_launchers "")
if(LAUNCHER)
  set(_launchers -DCMAKE_CXX_COMPILER_LAUNCHER=${LAUNCHER} -DCMAKE_C_COMPILER_LAUNCHER=${LAUNCHER})
endif()
execute_process(
  COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${FUZZ_TREE} -G Ninja -DCMAKE_BUILD_TYPE=Release
    -DCMAKE_CXX_FLAGS_RELEASE=-O1 -DCMAKE_C_FLAGS_RELEASE=-O1 -DCMAKE_CXX_COMPILER=${CXX} -DCMAKE_C_COMPILER=${CC}
    ${_launchers} -DWEFT_SANITIZE=ON -DWEFT_FUZZ=ON
  OUTPUT_QUIET
  RESULT_VARIABLE _configured)
if(NOT _configured EQUAL 0)
  message(FATAL_ERROR "configuring the fuzz tree ${FUZZ_TREE} failed (above)")
endif()

# At a lower priority: ctest runs this beside other tests, whose deadlines
# (a weftd starting, a task finishing) should not wait for the compiler.
execute_process(COMMAND nice -n 10 ${CMAKE_COMMAND} --build ${FUZZ_TREE} --target weft_fuzzers
  RESULT_VARIABLE _built)
if(NOT _built EQUAL 0)
  message(FATAL_ERROR "building the fuzz targets in ${FUZZ_TREE} failed (above)")
endif()
