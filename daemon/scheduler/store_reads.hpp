// Store reads that commands make on the caller's thread, before the loop.
#pragma once

#include "core/result.hpp"
#include "store/store_client.hpp"

#include <string>

namespace weft::daemon {

// A store that cannot be read is a 503.
template <class Read>
auto read_store(Read&& read) -> Result<decltype(read())> {
  try {
    return read();
  } catch (const StoreError& e) {
    return fail(ErrorCode::unavailable, std::string("the store cannot be read: ") + e.what());
  }
}

}  // namespace weft::daemon
