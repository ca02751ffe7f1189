/*
 * GOLDEN: what ABI 2.1 appended to the 2.0 layout (abi_golden_2_0.h), as
 * literal numbers, on LP64. Like the 2.0 table, these may never change within
 * major 2; a later minor lists its own fields in a file of its own.
 *
 * Rows, in header order:
 *   GROWABLE(type, WEFT_<TYPE>_SIZE_2_1, its value)  the end of its last 2.1 field
 *   FIELD(type, field, offsetof, sizeof)             a field appended in 2.1
 *
 * Checked with static assertions from C (abi_as_c.c) and C++
 * (abi_layout_test.cpp) wherever the header is 2.1 or later.
 */
#ifndef WEFT_SDK_TESTS_ABI_GOLDEN_2_1_H
#define WEFT_SDK_TESTS_ABI_GOLDEN_2_1_H

/* clang-format off */
#define WEFT_ABI_GOLDEN_2_1(GROWABLE, FIELD) \
  GROWABLE(weft_task_spec, WEFT_TASK_SPEC_SIZE_2_1, 224) \
  FIELD(weft_task_spec, for_each_count, 208, 8) \
  FIELD(weft_task_spec, max_parallel, 216, 8) \
  GROWABLE(weft_executor_vtable, WEFT_EXECUTOR_VTABLE_SIZE_2_1, 56) \
  FIELD(weft_executor_vtable, capabilities, 48, 8)

/* The 2.1 values of the constants plugins compile in. */
#define WEFT_ABI_GOLDEN_2_1_VALUES(VALUE) \
  VALUE(WEFT_EXECUTOR_CAP_THROTTLES_FOR_EACH, 1)
/* clang-format on */

/* NOLINTBEGIN(bugprone-macro-parentheses): the arguments are type and field names. */
#define WEFT_GOLDEN_2_1_CHECK_GROWABLE(T, SIZE_2_1, SIZE_2_1_VALUE)                              \
  static_assert(SIZE_2_1 == SIZE_2_1_VALUE, #SIZE_2_1 " is not its 2.1 value " #SIZE_2_1_VALUE); \
  static_assert(sizeof(T) >= SIZE_2_1_VALUE, #T ": smaller than at 2.1");
#define WEFT_GOLDEN_2_1_CHECK_FIELD(T, F, OFFSET, SIZE)                                      \
  static_assert(offsetof(T, F) == OFFSET, #T "." #F ": moved from its 2.1 offset " #OFFSET); \
  static_assert(WEFT_GOLDEN_FIELD_SIZE(T, F) == SIZE, #T "." #F ": changed from its 2.1 size " #SIZE);
#define WEFT_GOLDEN_2_1_CHECK_VALUE(NAME, VALUE) static_assert(NAME == VALUE, #NAME " is not its 2.1 value " #VALUE);
/* NOLINTEND(bugprone-macro-parentheses) */

#endif /* WEFT_SDK_TESTS_ABI_GOLDEN_2_1_H */
