# weft_add_plugin_library(<target> SOURCES <src>... [LIBS <lib>...])
#
# A plugin's logic as a static library built the way the plugin is (position
# independent, hidden visibility, against weft::sdk), so that one body of code
# links both into the real plugin and directly into its unit tests.
#
# weft_add_plugin(<target> KIND node|executor|storage NAME <name> SOURCES <src>...)
#
# Builds a weft plugin the way the host expects it: a module with hidden
# visibility (no symbol of ours or of a library can shadow the daemon's),
# linked with --no-undefined (it must not lean on daemon symbols), named
# libweft-<kind>-<name>.so.<ABI major>, and installed to lib/weft/plugins.
# Set WEFT_PLUGIN_OUTPUT_DIR to choose where the build tree puts it.
include_guard(GLOBAL)
include(GNUInstallDirs)

function(weft_add_plugin_library target)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "" "SOURCES;LIBS")
  add_library(${target} STATIC ${ARG_SOURCES})
  target_include_directories(${target} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR})
  target_link_libraries(${target} PUBLIC weft::sdk ${ARG_LIBS})
  target_compile_features(${target} PUBLIC cxx_std_20)
  set_target_properties(${target} PROPERTIES
    POSITION_INDEPENDENT_CODE ON
    CXX_VISIBILITY_PRESET hidden
    C_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
endfunction()

function(weft_add_plugin target)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "KIND;NAME" "SOURCES")
  if(NOT ARG_KIND MATCHES "^(node|executor|storage)$")
    message(FATAL_ERROR "weft_add_plugin(${target}): KIND must be node, executor or storage")
  endif()
  if(NOT ARG_NAME)
    message(FATAL_ERROR "weft_add_plugin(${target}): NAME is required")
  endif()
  add_library(${target} MODULE ${ARG_SOURCES})
  target_link_libraries(${target} PRIVATE weft::sdk)
  target_compile_features(${target} PRIVATE cxx_std_20)
  set_target_properties(${target} PROPERTIES
    PREFIX "lib"
    OUTPUT_NAME "weft-${ARG_KIND}-${ARG_NAME}"
    SUFFIX ".so.${WeftSDK_ABI_MAJOR}"
    CXX_VISIBILITY_PRESET hidden
    C_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  target_link_options(${target} PRIVATE "LINKER:--no-undefined")
  if(WEFT_PLUGIN_OUTPUT_DIR)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY "${WEFT_PLUGIN_OUTPUT_DIR}")
  endif()
  install(TARGETS ${target} LIBRARY DESTINATION "lib/weft/plugins")
endfunction()
