/*
 * weft_abi.h compiled as C11 with -Wall -Wextra -Wpedantic -Werror: the header
 * must serve plugins written in plain C. Checks the golden 2.0 layout
 * (abi_golden_2_0.h) at compile time, and records each struct's layout and
 * each 2.0 field's place as C sees them, for abi_layout_test.cpp to compare
 * with C++.
 *
 * Also compiled, without the test around it, against the frozen 2.0 copy and
 * the generated next minor (compat/CMakeLists.txt): the frozen copy must
 * still be 2.0, and the next minor must keep every 2.0 field where it was.
 */
#include "abi_golden_2_0.h"
#include "abi_golden_2_1.h"
#include "abi_structs.h"

#include <assert.h>
#include <stdalign.h>

WEFT_ABI_GOLDEN_2_0(WEFT_GOLDEN_CHECK_FIXED, WEFT_GOLDEN_CHECK_GROWABLE, WEFT_GOLDEN_CHECK_FIELD)
WEFT_ABI_GOLDEN_2_0_VALUES(WEFT_GOLDEN_CHECK_VALUE)

#define LAYOUT(T) {#T, sizeof(T), alignof(T)},
const weft_struct_layout weft_layouts_seen_by_c[] = {WEFT_ABI_STRUCTS(LAYOUT)};
const size_t weft_layouts_seen_by_c_count = sizeof weft_layouts_seen_by_c / sizeof weft_layouts_seen_by_c[0];

#define NO_STRUCT_ROW(...)
#define FIELD_ROW(T, F, OFFSET, SIZE) {#T, #F, offsetof(T, F), WEFT_GOLDEN_FIELD_SIZE(T, F)},
const weft_field_layout weft_fields_seen_by_c[] = {WEFT_ABI_GOLDEN_2_0(NO_STRUCT_ROW, NO_STRUCT_ROW, FIELD_ROW)};
const size_t weft_fields_seen_by_c_count = sizeof weft_fields_seen_by_c / sizeof weft_fields_seen_by_c[0];

/* What 2.1 added, in headers of minor 1 or later (the frozen 2.0 copy has none of it). */
#if WEFT_ABI_MINOR >= 1
WEFT_ABI_GOLDEN_2_1(WEFT_GOLDEN_2_1_CHECK_GROWABLE, WEFT_GOLDEN_2_1_CHECK_APPENDED, WEFT_GOLDEN_2_1_CHECK_FIELD)
WEFT_ABI_GOLDEN_2_1_VALUES(WEFT_GOLDEN_2_1_CHECK_VALUE)
const weft_field_layout weft_fields_2_1_seen_by_c[] = {WEFT_ABI_GOLDEN_2_1(NO_STRUCT_ROW, NO_STRUCT_ROW, FIELD_ROW)};
const size_t weft_fields_2_1_seen_by_c_count = sizeof weft_fields_2_1_seen_by_c / sizeof weft_fields_2_1_seen_by_c[0];
#else
const weft_field_layout weft_fields_2_1_seen_by_c[] = {{"", "", 0, 0}};
const size_t weft_fields_2_1_seen_by_c_count = 0;
#endif
