// The host's guard around every call into a plugin.
#pragma once

#include <weft/sdk/plugin.hpp>

namespace weft::daemon {

// Calls fn(&err) with a cleared err. The SDK's thunks never throw, but a
// plugin written against the bare C ABI in C++ might: that becomes WEFT_ERROR.
template <class Fn>
weft_status call_plugin(Fn&& fn, weft_error& err) noexcept {
  err.message[0] = '\0';
  try {
    return fn(&err);
  } catch (...) {
    sdk::set_error(&err, "the plugin let an exception escape through the C ABI");
    return WEFT_ERROR;
  }
}

}  // namespace weft::daemon
