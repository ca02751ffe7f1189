/*
 * GOLDEN: the layout of ABI 2.0 on LP64 (x86_64, aarch64), as literal numbers.
 *
 * Every plugin built with the 2.0 SDK was compiled against exactly these
 * offsets and sizes. They may never change within major 2: a number here that
 * no longer matches weft_abi.h means a 2.0 field moved, changed size or was
 * removed, and every 2.0 plugin would misread it. Do not "fix" this file to
 * match the header; fix the header. A minor version appends fields: list them
 * in a golden file of their own minor, and leave this one as it is.
 *
 * Rows, in header order, each struct followed by its fields:
 *   FIXED(type, sizeof, alignof)        a struct fixed forever (no struct_size)
 *   GROWABLE(type, WEFT_<TYPE>_SIZE_2_0, its value, sizeof at 2.0, alignof at 2.0)
 *   FIELD(type, field, offsetof, sizeof)
 * The sizeof of a growable struct grows with each minor that appends to it;
 * WEFT_<TYPE>_SIZE_2_0, the end of its last 2.0 field, never does.
 *
 * Checked with static assertions from C (abi_as_c.c) and C++
 * (abi_layout_test.cpp), against the current header, the frozen 2.0 copy
 * (compat/abi-2.0) and the generated next minor (compat/).
 */
#ifndef WEFT_SDK_TESTS_ABI_GOLDEN_2_0_H
#define WEFT_SDK_TESTS_ABI_GOLDEN_2_0_H

/* clang-format off */
#define WEFT_ABI_GOLDEN_2_0(FIXED, GROWABLE, FIELD) \
  FIXED(weft_str, 16, 8) \
  FIELD(weft_str, ptr, 0, 8) \
  FIELD(weft_str, len, 8, 8) \
  FIXED(weft_error, 1024, 1) \
  FIELD(weft_error, message, 0, 1024) \
  FIXED(weft_problem_sink, 16, 8) \
  FIELD(weft_problem_sink, caller_ptr, 0, 8) \
  FIELD(weft_problem_sink, report, 8, 8) \
  FIXED(weft_env_var, 32, 8) \
  FIELD(weft_env_var, name, 0, 16) \
  FIELD(weft_env_var, value, 16, 16) \
  GROWABLE(weft_command, WEFT_COMMAND_SIZE_2_0, 88, 88, 8) \
  FIELD(weft_command, struct_size, 0, 8) \
  FIELD(weft_command, argv, 8, 8) \
  FIELD(weft_command, argc, 16, 8) \
  FIELD(weft_command, env, 24, 8) \
  FIELD(weft_command, env_count, 32, 8) \
  FIELD(weft_command, cwd, 40, 16) \
  FIELD(weft_command, image, 56, 16) \
  FIELD(weft_command, executor_options_json, 72, 16) \
  GROWABLE(weft_task_spec, WEFT_TASK_SPEC_SIZE_2_0, 208, 208, 8) \
  FIELD(weft_task_spec, struct_size, 0, 8) \
  FIELD(weft_task_spec, task_key, 8, 16) \
  FIELD(weft_task_spec, run_id, 24, 16) \
  FIELD(weft_task_spec, workflow, 40, 16) \
  FIELD(weft_task_spec, node, 56, 16) \
  FIELD(weft_task_spec, index, 72, 8) \
  FIELD(weft_task_spec, attempt, 80, 4) \
  FIELD(weft_task_spec, executor, 88, 16) \
  FIELD(weft_task_spec, params_json, 104, 16) \
  FIELD(weft_task_spec, cpus, 120, 8) \
  FIELD(weft_task_spec, memory_mb, 128, 8) \
  FIELD(weft_task_spec, gpus, 136, 4) \
  FIELD(weft_task_spec, timeout_s, 144, 8) \
  FIELD(weft_task_spec, stdout_path, 152, 16) \
  FIELD(weft_task_spec, stderr_path, 168, 16) \
  FIELD(weft_task_spec, output_path, 184, 16) \
  FIELD(weft_task_spec, command, 200, 8) \
  GROWABLE(weft_plan, WEFT_PLAN_SIZE_2_0, 56, 56, 8) \
  FIELD(weft_plan, struct_size, 0, 8) \
  FIELD(weft_plan, kind, 8, 4) \
  FIELD(weft_plan, output_json, 16, 16) \
  FIELD(weft_plan, error, 32, 16) \
  FIELD(weft_plan, command, 48, 8) \
  FIXED(weft_plan_sink, 16, 8) \
  FIELD(weft_plan_sink, caller_ptr, 0, 8) \
  FIELD(weft_plan_sink, decide, 8, 8) \
  GROWABLE(weft_task_result, WEFT_TASK_RESULT_SIZE_2_0, 56, 56, 8) \
  FIELD(weft_task_result, struct_size, 0, 8) \
  FIELD(weft_task_result, task, 8, 8) \
  FIELD(weft_task_result, exit_code, 16, 4) \
  FIELD(weft_task_result, output_json, 24, 16) \
  FIELD(weft_task_result, error, 40, 16) \
  GROWABLE(weft_task_event, WEFT_TASK_EVENT_SIZE_2_0, 88, 88, 8) \
  FIELD(weft_task_event, struct_size, 0, 8) \
  FIELD(weft_task_event, kind, 8, 4) \
  FIELD(weft_task_event, task_key, 16, 16) \
  FIELD(weft_task_event, external_id, 32, 16) \
  FIELD(weft_task_event, exit_code, 48, 4) \
  FIELD(weft_task_event, output_json, 56, 16) \
  FIELD(weft_task_event, error, 72, 16) \
  GROWABLE(weft_host_api, WEFT_HOST_API_SIZE_2_0, 40, 40, 8) \
  FIELD(weft_host_api, struct_size, 0, 8) \
  FIELD(weft_host_api, host_ptr, 8, 8) \
  FIELD(weft_host_api, log, 16, 8) \
  FIELD(weft_host_api, task_event, 24, 8) \
  FIELD(weft_host_api, watch_fd, 32, 8) \
  GROWABLE(weft_node_vtable, WEFT_NODE_VTABLE_SIZE_2_0, 56, 56, 8) \
  FIELD(weft_node_vtable, struct_size, 0, 8) \
  FIELD(weft_node_vtable, create, 8, 8) \
  FIELD(weft_node_vtable, destroy, 16, 8) \
  FIELD(weft_node_vtable, validate, 24, 8) \
  FIELD(weft_node_vtable, plan, 32, 8) \
  FIELD(weft_node_vtable, finish, 40, 8) \
  FIELD(weft_node_vtable, cancel, 48, 8) \
  GROWABLE(weft_executor_vtable, WEFT_EXECUTOR_VTABLE_SIZE_2_0, 48, 48, 8) \
  FIELD(weft_executor_vtable, struct_size, 0, 8) \
  FIELD(weft_executor_vtable, create, 8, 8) \
  FIELD(weft_executor_vtable, destroy, 16, 8) \
  FIELD(weft_executor_vtable, start, 24, 8) \
  FIELD(weft_executor_vtable, cancel, 32, 8) \
  FIELD(weft_executor_vtable, recover, 40, 8) \
  GROWABLE(weft_workflow_record, WEFT_WORKFLOW_RECORD_SIZE_2_0, 80, 80, 8) \
  FIELD(weft_workflow_record, struct_size, 0, 8) \
  FIELD(weft_workflow_record, name, 8, 16) \
  FIELD(weft_workflow_record, version, 24, 8) \
  FIELD(weft_workflow_record, document_json, 32, 16) \
  FIELD(weft_workflow_record, digest, 48, 16) \
  FIELD(weft_workflow_record, created_at, 64, 8) \
  FIELD(weft_workflow_record, deleted, 72, 4) \
  FIELD(weft_workflow_record, reserved, 76, 4) \
  GROWABLE(weft_run_record, WEFT_RUN_RECORD_SIZE_2_0, 144, 144, 8) \
  FIELD(weft_run_record, struct_size, 0, 8) \
  FIELD(weft_run_record, id, 8, 16) \
  FIELD(weft_run_record, workflow, 24, 16) \
  FIELD(weft_run_record, version, 40, 8) \
  FIELD(weft_run_record, status, 48, 4) \
  FIELD(weft_run_record, params_json, 56, 16) \
  FIELD(weft_run_record, document_json, 72, 16) \
  FIELD(weft_run_record, idempotency_key, 88, 16) \
  FIELD(weft_run_record, error, 104, 16) \
  FIELD(weft_run_record, created_at, 120, 8) \
  FIELD(weft_run_record, started_at, 128, 8) \
  FIELD(weft_run_record, finished_at, 136, 8) \
  GROWABLE(weft_task_record, WEFT_TASK_RECORD_SIZE_2_0, 152, 152, 8) \
  FIELD(weft_task_record, struct_size, 0, 8) \
  FIELD(weft_task_record, run_id, 8, 16) \
  FIELD(weft_task_record, node, 24, 16) \
  FIELD(weft_task_record, index, 40, 8) \
  FIELD(weft_task_record, status, 48, 4) \
  FIELD(weft_task_record, attempt, 52, 4) \
  FIELD(weft_task_record, has_exit_code, 56, 4) \
  FIELD(weft_task_record, exit_code, 60, 4) \
  FIELD(weft_task_record, executor, 64, 16) \
  FIELD(weft_task_record, external_id, 80, 16) \
  FIELD(weft_task_record, error, 96, 16) \
  FIELD(weft_task_record, output_json, 112, 16) \
  FIELD(weft_task_record, ready_at, 128, 8) \
  FIELD(weft_task_record, started_at, 136, 8) \
  FIELD(weft_task_record, finished_at, 144, 8) \
  GROWABLE(weft_token_record, WEFT_TOKEN_RECORD_SIZE_2_0, 88, 88, 8) \
  FIELD(weft_token_record, struct_size, 0, 8) \
  FIELD(weft_token_record, id, 8, 16) \
  FIELD(weft_token_record, hash, 24, 16) \
  FIELD(weft_token_record, role, 40, 16) \
  FIELD(weft_token_record, description, 56, 16) \
  FIELD(weft_token_record, created_at, 72, 8) \
  FIELD(weft_token_record, revoked, 80, 4) \
  FIELD(weft_token_record, reserved, 84, 4) \
  GROWABLE(weft_write_batch, WEFT_WRITE_BATCH_SIZE_2_0, 72, 72, 8) \
  FIELD(weft_write_batch, struct_size, 0, 8) \
  FIELD(weft_write_batch, workflows, 8, 8) \
  FIELD(weft_write_batch, workflow_count, 16, 8) \
  FIELD(weft_write_batch, runs, 24, 8) \
  FIELD(weft_write_batch, run_count, 32, 8) \
  FIELD(weft_write_batch, tasks, 40, 8) \
  FIELD(weft_write_batch, task_count, 48, 8) \
  FIELD(weft_write_batch, tokens, 56, 8) \
  FIELD(weft_write_batch, token_count, 64, 8) \
  GROWABLE(weft_run_filter, WEFT_RUN_FILTER_SIZE_2_0, 72, 72, 8) \
  FIELD(weft_run_filter, struct_size, 0, 8) \
  FIELD(weft_run_filter, workflow, 8, 16) \
  FIELD(weft_run_filter, status, 24, 4) \
  FIELD(weft_run_filter, idempotency_key, 32, 16) \
  FIELD(weft_run_filter, before_id, 48, 16) \
  FIELD(weft_run_filter, unfinished_only, 64, 4) \
  FIELD(weft_run_filter, limit, 68, 4) \
  GROWABLE(weft_store_vtable, WEFT_STORE_VTABLE_SIZE_2_0, 88, 88, 8) \
  FIELD(weft_store_vtable, struct_size, 0, 8) \
  FIELD(weft_store_vtable, open, 8, 8) \
  FIELD(weft_store_vtable, close, 16, 8) \
  FIELD(weft_store_vtable, schema_version, 24, 8) \
  FIELD(weft_store_vtable, write, 32, 8) \
  FIELD(weft_store_vtable, get_workflow, 40, 8) \
  FIELD(weft_store_vtable, list_workflows, 48, 8) \
  FIELD(weft_store_vtable, get_run, 56, 8) \
  FIELD(weft_store_vtable, list_runs, 64, 8) \
  FIELD(weft_store_vtable, list_tasks, 72, 8) \
  FIELD(weft_store_vtable, list_tokens, 80, 8) \
  GROWABLE(weft_factory, WEFT_FACTORY_SIZE_2_0, 40, 40, 8) \
  FIELD(weft_factory, struct_size, 0, 8) \
  FIELD(weft_factory, kind, 8, 4) \
  FIELD(weft_factory, type_name, 16, 8) \
  FIELD(weft_factory, schema_json, 24, 8) \
  FIELD(weft_factory, vtable, 32, 8) \
  GROWABLE(weft_plugin_descriptor, WEFT_PLUGIN_DESCRIPTOR_SIZE_2_0, 56, 56, 8) \
  FIELD(weft_plugin_descriptor, struct_size, 0, 8) \
  FIELD(weft_plugin_descriptor, abi_major, 8, 4) \
  FIELD(weft_plugin_descriptor, abi_minor, 12, 4) \
  FIELD(weft_plugin_descriptor, name, 16, 8) \
  FIELD(weft_plugin_descriptor, version, 24, 8) \
  FIELD(weft_plugin_descriptor, init, 32, 8) \
  FIELD(weft_plugin_descriptor, factories, 40, 8) \
  FIELD(weft_plugin_descriptor, factory_count, 48, 8)

/* The 2.0 values of the constants and enumerators plugins compile in. */
#define WEFT_ABI_GOLDEN_2_0_VALUES(VALUE) \
  VALUE(WEFT_ABI_MAJOR, 2) \
  VALUE(WEFT_ERROR_MESSAGE_SIZE, 1024) \
  VALUE(WEFT_OK, 0) \
  VALUE(WEFT_ERROR, 1) \
  VALUE(WEFT_NOT_FOUND, 2) \
  VALUE(WEFT_CONFLICT, 3) \
  VALUE(WEFT_LOG_TRACE, 0) \
  VALUE(WEFT_LOG_DEBUG, 1) \
  VALUE(WEFT_LOG_INFO, 2) \
  VALUE(WEFT_LOG_WARN, 3) \
  VALUE(WEFT_LOG_ERROR, 4) \
  VALUE(WEFT_TASK_PENDING, 1) \
  VALUE(WEFT_TASK_READY, 2) \
  VALUE(WEFT_TASK_DISPATCHED, 3) \
  VALUE(WEFT_TASK_RUNNING, 4) \
  VALUE(WEFT_TASK_RETRYING, 5) \
  VALUE(WEFT_TASK_SUCCEEDED, 6) \
  VALUE(WEFT_TASK_FAILED, 7) \
  VALUE(WEFT_TASK_SKIPPED, 8) \
  VALUE(WEFT_TASK_CANCELLED, 9) \
  VALUE(WEFT_TASK_UPSTREAM_FAILED, 10) \
  VALUE(WEFT_RUN_CREATED, 1) \
  VALUE(WEFT_RUN_QUEUED, 2) \
  VALUE(WEFT_RUN_RUNNING, 3) \
  VALUE(WEFT_RUN_SUCCEEDED, 4) \
  VALUE(WEFT_RUN_FAILED, 5) \
  VALUE(WEFT_RUN_CANCELLED, 6) \
  VALUE(WEFT_PLAN_OUTPUT, 1) \
  VALUE(WEFT_PLAN_FAILED, 2) \
  VALUE(WEFT_PLAN_COMMAND, 3) \
  VALUE(WEFT_PLAN_PENDING, 4) \
  VALUE(WEFT_EVENT_STARTED, 1) \
  VALUE(WEFT_EVENT_FINISHED, 2) \
  VALUE(WEFT_EVENT_LOST, 3) \
  VALUE(WEFT_KIND_NODE, 1) \
  VALUE(WEFT_KIND_EXECUTOR, 2) \
  VALUE(WEFT_KIND_STORAGE, 3)
/* clang-format on */

/*
 * The checks, as static assertions that read the same in C11 (with
 * <assert.h> and <stdalign.h>) and C++. A growable struct's sizeof is exact
 * only while the header is at minor 0; from 2.1 on it may only grow. Macro
 * arguments name types and fields, which cannot be parenthesized.
 */
/* NOLINTBEGIN(bugprone-macro-parentheses) */
#define WEFT_GOLDEN_FIELD_SIZE(T, F) sizeof(((T*)0)->F)
#define WEFT_GOLDEN_CHECK_FIXED(T, SIZE, ALIGN)                                      \
  static_assert(sizeof(T) == SIZE, #T ": sizeof changed from its 2.0 value " #SIZE); \
  static_assert(alignof(T) == ALIGN, #T ": alignment changed from its 2.0 value " #ALIGN);
#define WEFT_GOLDEN_CHECK_GROWABLE(T, SIZE_2_0, SIZE_2_0_VALUE, SIZE, ALIGN)                         \
  static_assert(SIZE_2_0 == SIZE_2_0_VALUE, #SIZE_2_0 " is not its 2.0 value " #SIZE_2_0_VALUE);     \
  static_assert(SIZE_2_0_VALUE == SIZE, #T                                                           \
                ": tail padding at 2.0; a field appended in it would be "                            \
                "inside the struct_size of a 2.0 writer");                                           \
  static_assert(WEFT_ABI_MINOR == 0 ? sizeof(T) == SIZE : sizeof(T) >= SIZE,                         \
                #T ": sizeof differs from its 2.0 value " #SIZE " (at minor 0), or shrank (later)"); \
  static_assert(WEFT_ABI_MINOR == 0 ? alignof(T) == ALIGN : alignof(T) >= ALIGN,                     \
                #T ": alignment differs from its 2.0 value " #ALIGN);                                \
  static_assert(offsetof(T, struct_size) == 0, #T ": a growable struct must begin with struct_size");
#define WEFT_GOLDEN_CHECK_FIELD(T, F, OFFSET, SIZE)                                          \
  static_assert(offsetof(T, F) == OFFSET, #T "." #F ": moved from its 2.0 offset " #OFFSET); \
  static_assert(WEFT_GOLDEN_FIELD_SIZE(T, F) == SIZE, #T "." #F ": changed from its 2.0 size " #SIZE);
#define WEFT_GOLDEN_CHECK_VALUE(NAME, VALUE) static_assert(NAME == VALUE, #NAME " is not its 2.0 value " #VALUE);
/* NOLINTEND(bugprone-macro-parentheses) */

#endif /* WEFT_SDK_TESTS_ABI_GOLDEN_2_0_H */
