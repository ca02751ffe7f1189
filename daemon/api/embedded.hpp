// Files built into weftd: the OpenAPI documents (docs/openapi.json and the
// OGC face's), the browsable API page with Swagger UI's assets (from npm's
// swagger-ui-dist), and the web page that web/ builds, so that /api/docs and
// / work with no network and no installed share/ files.
#pragma once

#include <optional>
#include <string_view>

namespace weft::daemon {

struct EmbeddedFile {
  std::string_view bytes;
  std::string_view content_type;
};

std::string_view openapi_document();
// The OGC API – Processes face's own description (daemon/api/ogc/openapi.json).
std::string_view ogc_openapi_document();
// A file of the /api/docs page by its name ("index.html", "swagger-ui.css", ...).
std::optional<EmbeddedFile> docs_file(std::string_view name);
// The web page's index.html, and a file it loads by its name ("app.js", ...).
EmbeddedFile web_page_index();
std::optional<EmbeddedFile> web_page_file(std::string_view name);
// Names what the page's files are now (a hash of them): index.html loads
// them under /web/<version>/, so browsers may keep them for good.
std::string_view web_page_version();

}  // namespace weft::daemon
