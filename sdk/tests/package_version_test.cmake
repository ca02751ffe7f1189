# The installed WeftSDKConfigVersion.cmake, asked as find_package() asks it:
# WeftSDK's major is the ABI major, so `find_package(WeftSDK <ABI major>)`
# accepts it and `find_package(WeftSDK <ABI major + 1>)` refuses it.
#   cmake -DVERSION_FILE=<WeftSDKConfigVersion.cmake> -DABI_MAJOR=<n> -P package_version_test.cmake
cmake_minimum_required(VERSION 3.25)
function(expect_compatible requested expected)
  string(REGEX MATCH "^[0-9]+" PACKAGE_FIND_VERSION_MAJOR "${requested}")
  set(PACKAGE_FIND_VERSION "${requested}")
  set(PACKAGE_FIND_VERSION_COUNT 1)
  include("${VERSION_FILE}")
  if(PACKAGE_VERSION_UNSUITABLE)
    message(FATAL_ERROR "WeftSDK ${PACKAGE_VERSION} calls itself unsuitable for this build")
  endif()
  if(NOT PACKAGE_VERSION_COMPATIBLE STREQUAL expected)
    message(FATAL_ERROR "find_package(WeftSDK ${requested}): expected compatible=${expected}, "
                        "WeftSDK ${PACKAGE_VERSION} said ${PACKAGE_VERSION_COMPATIBLE}")
  endif()
endfunction()

math(EXPR _next_major "${ABI_MAJOR} + 1")
expect_compatible("${ABI_MAJOR}" TRUE)
expect_compatible("${_next_major}" FALSE)
