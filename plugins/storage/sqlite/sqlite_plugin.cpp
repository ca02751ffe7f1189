// The plugin's entry point: the only file that is not also in the unit tests' object library.
#include "sqlite_config.hpp"
#include "sqlite_store.hpp"

WEFT_PLUGIN("sqlite", "0.1.0",
            weft::sdk::store<weft::storage::sqlite::SqliteStore>("sqlite", weft::storage::sqlite::kConfigSchema))
