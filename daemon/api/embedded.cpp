#include "api/embedded.hpp"

#include <array>
#include <utility>

// The assembler copies each file in (.incbin): the build does not turn
// megabytes of JavaScript into C++ source. The paths come from CMake, which
// also makes this file depend on them. `symbol` names declarations, which
// parentheses would break.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define WEFT_EMBED(symbol, path)                                                             \
  asm(".pushsection .rodata\n.balign 16\n.global " #symbol "\n.hidden " #symbol "\n" #symbol \
      ":\n"                                                                                  \
      ".incbin \"" path "\"\n.global " #symbol "_end\n.hidden " #symbol "_end\n" #symbol     \
      "_end:\n"                                                                              \
      ".byte 0\n.popsection\n");                                                             \
  extern "C" const char symbol[];                                                            \
  extern "C" const char symbol##_end[]
// NOLINTEND(bugprone-macro-parentheses)

WEFT_EMBED(weft_openapi_json, WEFT_OPENAPI_JSON);
WEFT_EMBED(weft_ogc_openapi_json, WEFT_OGC_OPENAPI_JSON);
WEFT_EMBED(weft_docs_index_html, WEFT_DOCS_DIR "/index.html");
WEFT_EMBED(weft_docs_init_js, WEFT_DOCS_DIR "/init.js");
WEFT_EMBED(weft_swagger_ui_js, WEFT_SWAGGER_UI_DIR "/swagger-ui-bundle.js");
WEFT_EMBED(weft_swagger_ui_css, WEFT_SWAGGER_UI_DIR "/swagger-ui.css");
WEFT_EMBED(weft_swagger_ui_license, WEFT_SWAGGER_UI_DIR "/LICENSE");
WEFT_EMBED(weft_web_index_html, WEFT_WEB_PAGE_DIR "/index.html");
WEFT_EMBED(weft_web_app_js, WEFT_WEB_PAGE_DIR "/app.js");
WEFT_EMBED(weft_web_app_css, WEFT_WEB_PAGE_DIR "/app.css");
WEFT_EMBED(weft_web_layout_worker_js, WEFT_WEB_PAGE_DIR "/layout-worker.js");
WEFT_EMBED(weft_web_version, WEFT_WEB_PAGE_DIR "/version");

namespace weft::daemon {

namespace {

std::string_view between(const char* begin, const char* end) { return {begin, static_cast<size_t>(end - begin)}; }

constexpr std::string_view kJavaScript = "text/javascript; charset=utf-8";
constexpr std::string_view kCss = "text/css; charset=utf-8";

template <size_t N>
std::optional<EmbeddedFile> find_file(const std::array<std::pair<std::string_view, EmbeddedFile>, N>& files,
                                      std::string_view name) {
  for (const auto& [file_name, file] : files) {
    if (file_name == name) return file;
  }
  return std::nullopt;
}

}  // namespace

std::string_view openapi_document() { return between(weft_openapi_json, weft_openapi_json_end); }

std::string_view ogc_openapi_document() { return between(weft_ogc_openapi_json, weft_ogc_openapi_json_end); }

std::optional<EmbeddedFile> docs_file(std::string_view name) {
  const std::array<std::pair<std::string_view, EmbeddedFile>, 5> files{{
      {"index.html", {between(weft_docs_index_html, weft_docs_index_html_end), "text/html; charset=utf-8"}},
      {"init.js", {between(weft_docs_init_js, weft_docs_init_js_end), kJavaScript}},
      {"swagger-ui-bundle.js", {between(weft_swagger_ui_js, weft_swagger_ui_js_end), kJavaScript}},
      {"swagger-ui.css", {between(weft_swagger_ui_css, weft_swagger_ui_css_end), kCss}},
      {"LICENSE", {between(weft_swagger_ui_license, weft_swagger_ui_license_end), "text/plain; charset=utf-8"}},
  }};
  return find_file(files, name);
}

EmbeddedFile web_page_index() {
  return {between(weft_web_index_html, weft_web_index_html_end), "text/html; charset=utf-8"};
}

std::optional<EmbeddedFile> web_page_file(std::string_view name) {
  const std::array<std::pair<std::string_view, EmbeddedFile>, 3> files{{
      {"app.js", {between(weft_web_app_js, weft_web_app_js_end), kJavaScript}},
      {"app.css", {between(weft_web_app_css, weft_web_app_css_end), kCss}},
      {"layout-worker.js", {between(weft_web_layout_worker_js, weft_web_layout_worker_js_end), kJavaScript}},
  }};
  return find_file(files, name);
}

std::string_view web_page_version() { return between(weft_web_version, weft_web_version_end); }

}  // namespace weft::daemon
