#include "workflow/workflow.hpp"

#include <Poco/DigestEngine.h>
#include <Poco/SHA2Engine.h>

namespace weft::daemon {

std::string cache_key_of(const nlohmann::json& rendered) {
  std::string text = rendered.is_string() ? rendered.get<std::string>()
                                          : rendered.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (text.size() <= kLongestCacheKey) return text;
  Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
  engine.update(text);
  return "sha256:" + Poco::DigestEngine::digestToHex(engine.digest());
}

}  // namespace weft::daemon
