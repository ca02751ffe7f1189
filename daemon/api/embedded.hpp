// Files built into weftd: the OpenAPI documents (docs/openapi.json and the
// OGC face's) and the browsable API page with Swagger UI's assets (from npm's swagger-ui-dist),
// so that /api/docs works with no network and no installed share/ files.
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

}  // namespace weft::daemon
