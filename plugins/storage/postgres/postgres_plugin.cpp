// The plugin's entry point: the only file that is not also in the unit tests' object library.
#include "postgres_config.hpp"
#include "postgres_store.hpp"

WEFT_PLUGIN("postgres", "0.1.0",
            weft::sdk::store<weft::storage::postgres::PostgresStore>("postgres",
                                                                     weft::storage::postgres::kConfigSchema))
