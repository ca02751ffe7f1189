/*
 * weft_abi.h compiled as C11 with -Wall -Wextra -Wpedantic -Werror: the header
 * must serve plugins written in plain C. Also records each struct's layout as
 * C sees it, for abi_layout_test.cpp to compare with C++.
 */
#include "abi_structs.h"

/* Every struct a reader versions by struct_size must begin with it. */
#define STARTS_WITH_STRUCT_SIZE(T) _Static_assert(offsetof(T, struct_size) == 0, #T " must begin with struct_size");
STARTS_WITH_STRUCT_SIZE(weft_task_event)
STARTS_WITH_STRUCT_SIZE(weft_host_api)
STARTS_WITH_STRUCT_SIZE(weft_node_vtable)
STARTS_WITH_STRUCT_SIZE(weft_executor_vtable)
STARTS_WITH_STRUCT_SIZE(weft_workflow_record)
STARTS_WITH_STRUCT_SIZE(weft_run_record)
STARTS_WITH_STRUCT_SIZE(weft_task_record)
STARTS_WITH_STRUCT_SIZE(weft_token_record)
STARTS_WITH_STRUCT_SIZE(weft_write_batch)
STARTS_WITH_STRUCT_SIZE(weft_run_filter)
STARTS_WITH_STRUCT_SIZE(weft_store_vtable)
STARTS_WITH_STRUCT_SIZE(weft_factory)
STARTS_WITH_STRUCT_SIZE(weft_plugin_descriptor)

#define LAYOUT(T) {#T, sizeof(T), _Alignof(T)},
const weft_struct_layout weft_layouts_seen_by_c[] = {WEFT_ABI_STRUCTS(LAYOUT)};
const size_t weft_layouts_seen_by_c_count = sizeof weft_layouts_seen_by_c / sizeof weft_layouts_seen_by_c[0];
