// The plugin ABI is one set of structs for C and C++ plugins alike: weft_abi.h
// compiles warning-free as C11 (abi_as_c.c) and as C++20 (here), and both
// compilers lay every struct out the same way.
#include "abi_structs.h"

#include <gtest/gtest.h>

#include <span>
#include <string>

namespace {

#define LAYOUT(T) {#T, sizeof(T), alignof(T)},
constexpr weft_struct_layout kLayoutsSeenByCxx[] = {WEFT_ABI_STRUCTS(LAYOUT)};
#undef LAYOUT

TEST(AbiLayout, CAndCxxAgreeOnTheSizeAndAlignmentOfEveryStruct) {
  const std::span<const weft_struct_layout> seen_by_c(weft_layouts_seen_by_c, weft_layouts_seen_by_c_count);
  ASSERT_EQ(seen_by_c.size(), std::size(kLayoutsSeenByCxx));
  for (size_t i = 0; i < seen_by_c.size(); ++i) {
    const weft_struct_layout& cxx = kLayoutsSeenByCxx[i];
    EXPECT_EQ(std::string(seen_by_c[i].name), cxx.name);
    EXPECT_EQ(seen_by_c[i].size, cxx.size) << cxx.name;
    EXPECT_EQ(seen_by_c[i].alignment, cxx.alignment) << cxx.name;
  }
}

}  // namespace
