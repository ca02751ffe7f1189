#include "workflow/workflow.hpp"

#include <Poco/DigestEngine.h>
#include <Poco/SHA2Engine.h>

namespace weft::daemon {

std::string document_digest(const nlohmann::json& document) {
  Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
  engine.update(document.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  return Poco::DigestEngine::digestToHex(engine.digest());
}

}  // namespace weft::daemon
