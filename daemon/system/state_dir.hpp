// weftd's state directory: the database (with the default SQLite store), the
// admin token, and runs/ with the tasks' files. Tasks of the process executor
// may run as another user (run_as) and must reach their own output file under
// runs/ and nothing else, so the directory is 0711 (others pass through, never
// list) and nothing directly in it is open to others.
#pragma once

#include <filesystem>
#include <string>

namespace weft::daemon {

// Creates the directory and runs/ (0711), takes every permission of others
// from the other entries directly in it (a database made under umask 022 by
// an older weftd, say) and tightens the process umask so that others get no
// access to what weftd creates from now on. Returns an error text, empty on success.
std::string prepare_state_dir(const std::filesystem::path& dir);

}  // namespace weft::daemon
