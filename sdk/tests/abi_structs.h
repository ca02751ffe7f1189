/*
 * Every struct of the plugin ABI, as an X-macro list, so that the C and the
 * C++ side of abi_layout_test walk the same list in the same order; and the
 * tables abi_as_c.c fills with what the C compiler makes of them.
 */
#ifndef WEFT_SDK_TESTS_ABI_STRUCTS_H
#define WEFT_SDK_TESTS_ABI_STRUCTS_H

#include <weft/abi/weft_abi.h>

#define WEFT_ABI_STRUCTS(X) \
  X(weft_str)               \
  X(weft_error)             \
  X(weft_problem_sink)      \
  X(weft_env_var)           \
  X(weft_command)           \
  X(weft_task_spec)         \
  X(weft_plan)              \
  X(weft_plan_sink)         \
  X(weft_task_result)       \
  X(weft_task_event)        \
  X(weft_host_api)          \
  X(weft_node_vtable)       \
  X(weft_executor_vtable)   \
  X(weft_workflow_record)   \
  X(weft_run_record)        \
  X(weft_task_record)       \
  X(weft_token_record)      \
  X(weft_write_batch)       \
  X(weft_run_filter)        \
  X(weft_store_vtable)      \
  X(weft_factory)           \
  X(weft_plugin_descriptor)

/* The structs 2.1 added, where the header has them (the frozen 2.0 copy does not). */
#if WEFT_ABI_MINOR >= 1
#define WEFT_ABI_STRUCTS_2_1(X) \
  X(weft_run_node)              \
  X(weft_run_graph)             \
  X(weft_attempt_record)        \
  X(weft_schedule_state_record) \
  X(weft_audit_record)          \
  X(weft_message_record)        \
  X(weft_cache_lookup)
#else
#define WEFT_ABI_STRUCTS_2_1(X)
#endif

typedef struct weft_struct_layout {
  const char* name;
  size_t size;
  size_t alignment;
} weft_struct_layout;

typedef struct weft_field_layout {
  const char* type;
  const char* field;
  size_t offset;
  size_t size;
} weft_field_layout;

#ifdef __cplusplus
extern "C" {
#endif

/* The layouts as the C compiler sees them (abi_as_c.c), in list order. */
extern const weft_struct_layout weft_layouts_seen_by_c[];
extern const size_t weft_layouts_seen_by_c_count;
/* Every field of the golden 2.0 table (abi_golden_2_0.h) as C sees it, in table order. */
extern const weft_field_layout weft_fields_seen_by_c[];
extern const size_t weft_fields_seen_by_c_count;
/* The same for the golden 2.1 table (abi_golden_2_1.h). */
extern const weft_field_layout weft_fields_2_1_seen_by_c[];
extern const size_t weft_fields_2_1_seen_by_c_count;

#ifdef __cplusplus
}
#endif

#endif /* WEFT_SDK_TESTS_ABI_STRUCTS_H */
