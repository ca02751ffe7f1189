// One plugin file, mapped for the rest of the process's life.
//
// Every host-side object that holds a pointer into a plugin (a vtable, an
// object it created) keeps a shared_ptr<const LoadedLibrary> as its first
// member, so the code it points into cannot be unmapped under it. In v1 the
// PluginHost also keeps every library it loaded until exit (no unload).
#pragma once

#define BOOST_DLL_USE_STD_FS
#include <boost/dll/shared_library.hpp>

#include <weft/abi/weft_abi.h>

#include <filesystem>

namespace weft::daemon {

class LoadedLibrary {
 public:
  LoadedLibrary(boost::dll::shared_library library, std::filesystem::path path,
                const weft_plugin_descriptor* descriptor)
      : library_(std::move(library)), path_(std::move(path)), descriptor_(descriptor) {}

  const std::filesystem::path& path() const { return path_; }
  const weft_plugin_descriptor& descriptor() const { return *descriptor_; }

 private:
  boost::dll::shared_library library_;
  std::filesystem::path path_;
  const weft_plugin_descriptor* descriptor_;
};

}  // namespace weft::daemon
