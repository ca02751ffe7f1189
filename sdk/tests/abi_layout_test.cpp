// The plugin ABI is one set of structs for C and C++ plugins alike, laid out
// as ABI 2.0 fixed them forever: weft_abi.h compiles warning-free as C11
// (abi_as_c.c) and as C++20 (here), both compilers lay every struct out the
// same way, and every 2.0 and 2.1 field is where the golden tables
// (abi_golden_2_0.h, abi_golden_2_1.h) say, in literal numbers.
#include "abi_golden_2_0.h"
#include "abi_golden_2_1.h"
#include "abi_structs.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <set>
#include <span>
#include <string>

namespace {

// The same assertions as abi_as_c.c, as C++ sees the header.
WEFT_ABI_GOLDEN_2_0(WEFT_GOLDEN_CHECK_FIXED, WEFT_GOLDEN_CHECK_GROWABLE, WEFT_GOLDEN_CHECK_FIELD)
WEFT_ABI_GOLDEN_2_0_VALUES(WEFT_GOLDEN_CHECK_VALUE)
WEFT_ABI_GOLDEN_2_1(WEFT_GOLDEN_2_1_CHECK_GROWABLE, WEFT_GOLDEN_2_1_CHECK_APPENDED, WEFT_GOLDEN_2_1_CHECK_FIELD)
WEFT_ABI_GOLDEN_2_1_VALUES(WEFT_GOLDEN_2_1_CHECK_VALUE)

#define LAYOUT(T) {#T, sizeof(T), alignof(T)},
constexpr weft_struct_layout kLayoutsSeenByCxx[] = {WEFT_ABI_STRUCTS(LAYOUT)};
#undef LAYOUT

// The golden table's literals, as data.
struct GoldenStruct {
  const char* name;
  bool growable;
  size_t size_2_0;  // the end of the last 2.0 field
  size_t size;      // sizeof at 2.0
  size_t alignment;
};
#define FIXED_ROW(T, SIZE, ALIGN) {#T, false, SIZE, SIZE, ALIGN},
#define GROWABLE_ROW(T, SIZE_2_0, SIZE_2_0_VALUE, SIZE, ALIGN) {#T, true, SIZE_2_0_VALUE, SIZE, ALIGN},
#define NO_ROW(...)
constexpr GoldenStruct kGoldenStructs[] = {WEFT_ABI_GOLDEN_2_0(FIXED_ROW, GROWABLE_ROW, NO_ROW)};
#define GOLDEN_FIELD_ROW(T, F, OFFSET, SIZE) {#T, #F, OFFSET, SIZE},
constexpr weft_field_layout kGoldenFields[] = {WEFT_ABI_GOLDEN_2_0(NO_ROW, NO_ROW, GOLDEN_FIELD_ROW)};
#define CXX_FIELD_ROW(T, F, OFFSET, SIZE) {#T, #F, offsetof(T, F), WEFT_GOLDEN_FIELD_SIZE(T, F)},
constexpr weft_field_layout kFieldsSeenByCxx[] = {WEFT_ABI_GOLDEN_2_0(NO_ROW, NO_ROW, CXX_FIELD_ROW)};
// 2.1: the structs it added (growable from offset 0), and the 2.0 structs it
// appended to (from their 2.0 size on), each with the end of its 2.1 fields.
struct Golden21Struct {
  const char* name;
  size_t first_offset;
  size_t size_2_1;
};
#define ADDED_ROW(T, SIZE_2_1, SIZE_2_1_VALUE, SIZE, ALIGN) {#T, 0, SIZE_2_1_VALUE},
#define APPENDED_ROW(T, SIZE_2_1, SIZE_2_1_VALUE) {#T, T##_first_2_1_offset, SIZE_2_1_VALUE},
constexpr size_t weft_task_spec_first_2_1_offset = 208;       // WEFT_TASK_SPEC_SIZE_2_0
constexpr size_t weft_executor_vtable_first_2_1_offset = 48;  // WEFT_EXECUTOR_VTABLE_SIZE_2_0
constexpr Golden21Struct kGolden21Structs[] = {WEFT_ABI_GOLDEN_2_1(ADDED_ROW, APPENDED_ROW, NO_ROW)};
constexpr weft_field_layout kGolden21Fields[] = {WEFT_ABI_GOLDEN_2_1(NO_ROW, NO_ROW, GOLDEN_FIELD_ROW)};
constexpr weft_field_layout kFields21SeenByCxx[] = {WEFT_ABI_GOLDEN_2_1(NO_ROW, NO_ROW, CXX_FIELD_ROW)};
#undef ADDED_ROW
#undef APPENDED_ROW
#undef FIXED_ROW
#undef GROWABLE_ROW
#undef NO_ROW
#undef GOLDEN_FIELD_ROW
#undef CXX_FIELD_ROW

size_t round_up(size_t n, size_t to) { return (n + to - 1) / to * to; }

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

void expect_fields_where_golden_says(std::span<const weft_field_layout> golden_fields,
                                     std::span<const weft_field_layout> seen_by_c,
                                     std::span<const weft_field_layout> seen_by_cxx) {
  ASSERT_EQ(seen_by_c.size(), golden_fields.size());
  ASSERT_EQ(seen_by_cxx.size(), golden_fields.size());
  for (size_t i = 0; i < seen_by_c.size(); ++i) {
    const weft_field_layout& golden = golden_fields[i];
    const std::string name = std::string(golden.type) + "." + golden.field;
    EXPECT_EQ(seen_by_c[i].offset, golden.offset) << name << " as C sees it";
    EXPECT_EQ(seen_by_c[i].size, golden.size) << name << " as C sees it";
    EXPECT_EQ(seen_by_cxx[i].offset, golden.offset) << name << " as C++ sees it";
    EXPECT_EQ(seen_by_cxx[i].size, golden.size) << name << " as C++ sees it";
  }
}

TEST(AbiLayout, CAndCxxPutEveryGoldenFieldAtItsGoldenOffsetAndSize) {
  expect_fields_where_golden_says(kGoldenFields, {weft_fields_seen_by_c, weft_fields_seen_by_c_count},
                                  kFieldsSeenByCxx);
  expect_fields_where_golden_says(kGolden21Fields, {weft_fields_2_1_seen_by_c, weft_fields_2_1_seen_by_c_count},
                                  kFields21SeenByCxx);
}

// The golden table lists every struct of the header, and every 2.0 field of
// each: its fields follow each other with no gap but alignment padding,
// start at 0, and end where WEFT_<TYPE>_SIZE_2_0 (or sizeof) says.
TEST(AbiGolden, TheTableListsEveryStructAndEvery20Field) {
  std::set<std::string> listed;
  for (const auto& s : kGoldenStructs) listed.insert(s.name);
  for (const auto& s : kGolden21Structs) listed.insert(s.name);
  std::set<std::string> in_header;
  for (const auto& s : kLayoutsSeenByCxx) in_header.insert(s.name);
  EXPECT_EQ(listed, in_header);

  for (const GoldenStruct& s : kGoldenStructs) {
    size_t end = 0;
    for (const weft_field_layout& f : kGoldenFields) {
      if (std::string(f.type) != s.name) continue;
      const size_t alignment = std::min<size_t>(f.size, 8);  // every member is a scalar, pointer, weft_str or char[]
      EXPECT_EQ(f.offset, end == 0 ? 0 : round_up(end, alignment))
          << s.name << "." << f.field << ": a field is missing from the table before it";
      end = f.offset + f.size;
    }
    EXPECT_EQ(end, s.size_2_0) << s.name << ": its last 2.0 field is missing from the table";
    EXPECT_EQ(round_up(end, s.alignment), s.size) << s.name;
  }
}

// The same for 2.1's table: the fields it added follow each other from the
// struct's start (a new struct) or from its 2.0 end (an appended one).
TEST(AbiGolden, The21TableListsEveryField21Added) {
  for (const Golden21Struct& s : kGolden21Structs) {
    size_t end = s.first_offset;
    for (const weft_field_layout& f : kGolden21Fields) {
      if (std::string(f.type) != s.name) continue;
      const size_t alignment = std::min<size_t>(f.size, 8);
      EXPECT_EQ(f.offset, round_up(end, alignment)) << s.name << "." << f.field;
      end = f.offset + f.size;
    }
    EXPECT_EQ(end, s.size_2_1) << s.name << ": its last 2.1 field is missing from the table";
  }
}

}  // namespace
