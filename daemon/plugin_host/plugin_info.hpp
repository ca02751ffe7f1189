// What GET /api/v1/plugins shows of each plugin file the host looked at.
#pragma once

#include <string>
#include <vector>

namespace weft::daemon {

struct PluginInfo {
  std::string name;                   // the plugin's own name, or the file name if it has none or
                                      // was refused before it could be read (e.g. another ABI major)
  std::string kind;                   // "node", "executor", "storage" (of its first factory), or "" if unknown
  std::string version;                // the plugin's version, "" if unknown
  std::string abi;                    // "major.minor" the plugin was built for, "" if unknown
  std::string path;                   // the file
  bool loaded = false;                // status: loaded | rejected
  std::string error;                  // why it was rejected
  std::vector<std::string> provides;  // "kind/type" of each factory, e.g. "node/command"
  // "kind/type: why" of each executor left out because weftd.json has no
  // settings for it and it cannot start without some (a remote engine's URL).
  std::vector<std::string> unconfigured;
};

}  // namespace weft::daemon
