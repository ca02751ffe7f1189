/*
 * GOLDEN: what ABI 2.1 added to the layout of 2.0 (abi_golden_2_0.h), as
 * literal numbers, on LP64. The same promise: a plugin built with the 2.1
 * SDK was compiled against these offsets, which may never change within
 * major 2. A later minor lists its own additions in a file of its own.
 *
 * Rows, in header order:
 *   GROWABLE(type, WEFT_<TYPE>_SIZE_2_1, its value, sizeof at 2.1, alignof)
 *                                       a struct that 2.1 added
 *   APPENDED(type, WEFT_<TYPE>_SIZE_2_1, its value)
 *                                       a 2.0 struct that 2.1 appended fields to
 *   FIELD(type, field, offsetof, sizeof) a field 2.1 added
 *
 * Checked from C (abi_as_c.c) and C++ (abi_layout_test.cpp) against every
 * header of minor 1 or later.
 */
#ifndef WEFT_SDK_TESTS_ABI_GOLDEN_2_1_H
#define WEFT_SDK_TESTS_ABI_GOLDEN_2_1_H

/* clang-format off */
#define WEFT_ABI_GOLDEN_2_1(GROWABLE, APPENDED, FIELD) \
  APPENDED(weft_task_spec, WEFT_TASK_SPEC_SIZE_2_1, 224) \
  FIELD(weft_task_spec, for_each_count, 208, 8) \
  FIELD(weft_task_spec, max_parallel, 216, 8) \
  GROWABLE(weft_run_node, WEFT_RUN_NODE_SIZE_2_1, 48, 48, 8) \
  FIELD(weft_run_node, struct_size, 0, 8) \
  FIELD(weft_run_node, task, 8, 8) \
  FIELD(weft_run_node, dependencies, 16, 8) \
  FIELD(weft_run_node, dependency_count, 24, 8) \
  FIELD(weft_run_node, for_each, 32, 16) \
  GROWABLE(weft_run_graph, WEFT_RUN_GRAPH_SIZE_2_1, 56, 56, 8) \
  FIELD(weft_run_graph, struct_size, 0, 8) \
  FIELD(weft_run_graph, run_id, 8, 16) \
  FIELD(weft_run_graph, workflow, 24, 16) \
  FIELD(weft_run_graph, nodes, 40, 8) \
  FIELD(weft_run_graph, node_count, 48, 8) \
  APPENDED(weft_executor_vtable, WEFT_EXECUTOR_VTABLE_SIZE_2_1, 64) \
  FIELD(weft_executor_vtable, capabilities, 48, 8) \
  FIELD(weft_executor_vtable, start_run, 56, 8)

/* The 2.1 values of the constants plugins compile in. */
#define WEFT_ABI_GOLDEN_2_1_VALUES(VALUE) \
  VALUE(WEFT_EXECUTOR_CAP_THROTTLES_FOR_EACH, 1) \
  VALUE(WEFT_EXECUTOR_CAP_WHOLE_RUN, 2)
/* clang-format on */

/* NOLINTBEGIN(bugprone-macro-parentheses): the arguments are type and field names. */
#define WEFT_GOLDEN_2_1_CHECK_GROWABLE(T, SIZE_2_1, SIZE_2_1_VALUE, SIZE, ALIGN)                     \
  static_assert(SIZE_2_1 == SIZE_2_1_VALUE, #SIZE_2_1 " is not its 2.1 value " #SIZE_2_1_VALUE);     \
  static_assert(SIZE_2_1_VALUE == SIZE, #T ": tail padding at 2.1");                                 \
  static_assert(WEFT_ABI_MINOR == 1 ? sizeof(T) == SIZE : sizeof(T) >= SIZE,                         \
                #T ": sizeof differs from its 2.1 value " #SIZE " (at minor 1), or shrank (later)"); \
  static_assert(alignof(T) == ALIGN, #T ": alignment differs from its 2.1 value " #ALIGN);
#define WEFT_GOLDEN_2_1_CHECK_APPENDED(T, SIZE_2_1, SIZE_2_1_VALUE)                              \
  static_assert(SIZE_2_1 == SIZE_2_1_VALUE, #SIZE_2_1 " is not its 2.1 value " #SIZE_2_1_VALUE); \
  static_assert(WEFT_ABI_MINOR == 1 ? sizeof(T) == SIZE_2_1 : sizeof(T) >= SIZE_2_1,             \
                #T ": sizeof differs from its 2.1 value (at minor 1), or shrank (later)");
#define WEFT_GOLDEN_2_1_CHECK_FIELD(T, F, OFFSET, SIZE)                                      \
  static_assert(offsetof(T, F) == OFFSET, #T "." #F ": moved from its 2.1 offset " #OFFSET); \
  static_assert(WEFT_GOLDEN_FIELD_SIZE(T, F) == SIZE, #T "." #F ": changed from its 2.1 size " #SIZE);
#define WEFT_GOLDEN_2_1_CHECK_VALUE(NAME, VALUE) static_assert(NAME == VALUE, #NAME " is not its 2.1 value " #VALUE);
/* NOLINTEND(bugprone-macro-parentheses) */

#endif /* WEFT_SDK_TESTS_ABI_GOLDEN_2_1_H */
