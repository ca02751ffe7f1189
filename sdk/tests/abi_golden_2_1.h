/*
 * GOLDEN: what ABI 2.1 appended to the layout of 2.0 (abi_golden_2_0.h), as
 * literal numbers, on LP64. The same rules as there: a number here that no
 * longer matches weft_abi.h means a 2.1 field moved, and every 2.1 plugin
 * would misread it. Fix the header, not this file; a later minor lists its
 * own fields in a golden file of its own.
 *
 * Rows, in header order:
 *   GROWABLE(type, WEFT_<TYPE>_SIZE_2_1, its value, sizeof at 2.1, alignof at 2.1)
 *       a struct that 2.1 added or appended to
 *   FIELD(type, field, offsetof, sizeof)   a field 2.1 added
 * A struct's fields are its 2.0 fields (if any) followed by these.
 *
 * Checked with static assertions from C (abi_as_c.c) and C++
 * (abi_layout_test.cpp) against every header of minor >= 1.
 */
#ifndef WEFT_SDK_TESTS_ABI_GOLDEN_2_1_H
#define WEFT_SDK_TESTS_ABI_GOLDEN_2_1_H

/* clang-format off */
#define WEFT_ABI_GOLDEN_2_1(GROWABLE, FIELD) \
  GROWABLE(weft_host_api, WEFT_HOST_API_SIZE_2_1, 64, 64, 8) \
  FIELD(weft_host_api, work_available, 40, 8) \
  FIELD(weft_host_api, enqueue, 48, 8) \
  FIELD(weft_host_api, start_child_run, 56, 8) \
  GROWABLE(weft_task_spec, WEFT_TASK_SPEC_SIZE_2_1, 224, 224, 8) \
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
  GROWABLE(weft_executor_vtable, WEFT_EXECUTOR_VTABLE_SIZE_2_1, 72, 72, 8) \
  FIELD(weft_executor_vtable, capabilities, 48, 8) \
  FIELD(weft_executor_vtable, start_run, 56, 8) \
  FIELD(weft_executor_vtable, cancel_run, 64, 8) \
  GROWABLE(weft_run_record, WEFT_RUN_RECORD_SIZE_2_1, 184, 184, 8) \
  FIELD(weft_run_record, parent_run_id, 144, 16) \
  FIELD(weft_run_record, parent_node, 160, 16) \
  FIELD(weft_run_record, parent_index, 176, 8) \
  GROWABLE(weft_task_record, WEFT_TASK_RECORD_SIZE_2_1, 224, 224, 8) \
  FIELD(weft_task_record, budget_started_at, 152, 8) \
  FIELD(weft_task_record, attempts_before, 160, 4) \
  FIELD(weft_task_record, reserved_2_1, 164, 4) \
  FIELD(weft_task_record, cache_key, 168, 16) \
  FIELD(weft_task_record, cached_from_run_id, 184, 16) \
  FIELD(weft_task_record, cached_from_node, 200, 16) \
  FIELD(weft_task_record, cached_from_index, 216, 8) \
  GROWABLE(weft_token_record, WEFT_TOKEN_RECORD_SIZE_2_1, 112, 112, 8) \
  FIELD(weft_token_record, expires_at, 88, 8) \
  FIELD(weft_token_record, workflows, 96, 16) \
  GROWABLE(weft_attempt_record, WEFT_ATTEMPT_RECORD_SIZE_2_1, 160, 160, 8) \
  FIELD(weft_attempt_record, struct_size, 0, 8) \
  FIELD(weft_attempt_record, run_id, 8, 16) \
  FIELD(weft_attempt_record, node, 24, 16) \
  FIELD(weft_attempt_record, index, 40, 8) \
  FIELD(weft_attempt_record, attempt, 48, 4) \
  FIELD(weft_attempt_record, status, 52, 4) \
  FIELD(weft_attempt_record, has_exit_code, 56, 4) \
  FIELD(weft_attempt_record, exit_code, 60, 4) \
  FIELD(weft_attempt_record, executor, 64, 16) \
  FIELD(weft_attempt_record, external_id, 80, 16) \
  FIELD(weft_attempt_record, error, 96, 16) \
  FIELD(weft_attempt_record, stdout_path, 112, 16) \
  FIELD(weft_attempt_record, stderr_path, 128, 16) \
  FIELD(weft_attempt_record, started_at, 144, 8) \
  FIELD(weft_attempt_record, finished_at, 152, 8) \
  GROWABLE(weft_schedule_state_record, WEFT_SCHEDULE_STATE_RECORD_SIZE_2_1, 40, 40, 8) \
  FIELD(weft_schedule_state_record, struct_size, 0, 8) \
  FIELD(weft_schedule_state_record, workflow, 8, 16) \
  FIELD(weft_schedule_state_record, updated_at, 24, 8) \
  FIELD(weft_schedule_state_record, paused, 32, 4) \
  FIELD(weft_schedule_state_record, reserved, 36, 4) \
  GROWABLE(weft_audit_record, WEFT_AUDIT_RECORD_SIZE_2_1, 120, 120, 8) \
  FIELD(weft_audit_record, struct_size, 0, 8) \
  FIELD(weft_audit_record, id, 8, 16) \
  FIELD(weft_audit_record, at, 24, 8) \
  FIELD(weft_audit_record, token_id, 32, 16) \
  FIELD(weft_audit_record, role, 48, 16) \
  FIELD(weft_audit_record, action, 64, 16) \
  FIELD(weft_audit_record, target, 80, 16) \
  FIELD(weft_audit_record, message, 96, 16) \
  FIELD(weft_audit_record, status, 112, 4) \
  FIELD(weft_audit_record, reserved, 116, 4) \
  GROWABLE(weft_message_record, WEFT_MESSAGE_RECORD_SIZE_2_1, 112, 112, 8) \
  FIELD(weft_message_record, struct_size, 0, 8) \
  FIELD(weft_message_record, queue, 8, 16) \
  FIELD(weft_message_record, id, 24, 16) \
  FIELD(weft_message_record, body_json, 40, 16) \
  FIELD(weft_message_record, enqueued_at, 56, 8) \
  FIELD(weft_message_record, state, 64, 4) \
  FIELD(weft_message_record, deliveries, 68, 4) \
  FIELD(weft_message_record, run_id, 72, 16) \
  FIELD(weft_message_record, error, 88, 16) \
  FIELD(weft_message_record, failed_at, 104, 8) \
  GROWABLE(weft_write_batch, WEFT_WRITE_BATCH_SIZE_2_1, 216, 216, 8) \
  FIELD(weft_write_batch, attempts, 72, 8) \
  FIELD(weft_write_batch, attempt_count, 80, 8) \
  FIELD(weft_write_batch, schedule_states, 88, 8) \
  FIELD(weft_write_batch, schedule_state_count, 96, 8) \
  FIELD(weft_write_batch, lease_owner, 104, 16) \
  FIELD(weft_write_batch, lease_ms, 120, 8) \
  FIELD(weft_write_batch, lease_run_ids, 128, 8) \
  FIELD(weft_write_batch, lease_generations, 136, 8) \
  FIELD(weft_write_batch, lease_count, 144, 8) \
  FIELD(weft_write_batch, audits, 152, 8) \
  FIELD(weft_write_batch, audit_count, 160, 8) \
  FIELD(weft_write_batch, audit_prune_before, 168, 8) \
  FIELD(weft_write_batch, audit_prune_limit, 176, 8) \
  FIELD(weft_write_batch, messages, 184, 8) \
  FIELD(weft_write_batch, message_count, 192, 8) \
  FIELD(weft_write_batch, message_prune_before, 200, 8) \
  FIELD(weft_write_batch, message_prune_limit, 208, 8) \
  GROWABLE(weft_run_filter, WEFT_RUN_FILTER_SIZE_2_1, 88, 88, 8) \
  FIELD(weft_run_filter, parent_run_id, 72, 16) \
  GROWABLE(weft_cache_lookup, WEFT_CACHE_LOOKUP_SIZE_2_1, 48, 48, 8) \
  FIELD(weft_cache_lookup, struct_size, 0, 8) \
  FIELD(weft_cache_lookup, workflow, 8, 16) \
  FIELD(weft_cache_lookup, cache_key, 24, 16) \
  FIELD(weft_cache_lookup, not_before, 40, 8) \
  GROWABLE(weft_store_vtable, WEFT_STORE_VTABLE_SIZE_2_1, 176, 176, 8) \
  FIELD(weft_store_vtable, list_attempts, 88, 8) \
  FIELD(weft_store_vtable, list_schedule_states, 96, 8) \
  FIELD(weft_store_vtable, claim_runs, 104, 8) \
  FIELD(weft_store_vtable, renew_leases, 112, 8) \
  FIELD(weft_store_vtable, list_instances, 120, 8) \
  FIELD(weft_store_vtable, claim_finished_run, 128, 8) \
  FIELD(weft_store_vtable, list_audit, 136, 8) \
  FIELD(weft_store_vtable, claim_messages, 144, 8) \
  FIELD(weft_store_vtable, list_queues, 152, 8) \
  FIELD(weft_store_vtable, list_messages, 160, 8) \
  FIELD(weft_store_vtable, find_cached, 168, 8)

/* The values 2.1 added. */
#define WEFT_ABI_GOLDEN_2_1_VALUES(VALUE) \
  VALUE(WEFT_RUN_PAUSED, 7) \
  VALUE(WEFT_EXECUTOR_CAP_THROTTLES_FOR_EACH, 1) \
  VALUE(WEFT_EXECUTOR_CAP_WHOLE_RUN, 2) \
  VALUE(WEFT_LEASE_LOST, 4) \
  VALUE(WEFT_CLAIM_TAKE_OWN, 1) \
  VALUE(WEFT_CLAIM_LAPSED_ONLY, 2) \
  VALUE(WEFT_MESSAGE_READY, 1) \
  VALUE(WEFT_MESSAGE_TAKEN, 2) \
  VALUE(WEFT_MESSAGE_DEAD, 3) \
  VALUE(WEFT_MESSAGE_DONE, 4)
/* clang-format on */

/* As WEFT_GOLDEN_CHECK_GROWABLE (abi_golden_2_0.h), for minor 1. */
/* NOLINTBEGIN(bugprone-macro-parentheses) */
#define WEFT_GOLDEN_CHECK_GROWABLE_2_1(T, SIZE_2_1, SIZE_2_1_VALUE, SIZE, ALIGN)                     \
  static_assert(SIZE_2_1 == SIZE_2_1_VALUE, #SIZE_2_1 " is not its 2.1 value " #SIZE_2_1_VALUE);     \
  static_assert(SIZE_2_1_VALUE == SIZE, #T                                                           \
                ": tail padding at 2.1; a field appended in it would be "                            \
                "inside the struct_size of a 2.1 writer");                                           \
  static_assert(WEFT_ABI_MINOR == 1 ? sizeof(T) == SIZE : sizeof(T) >= SIZE,                         \
                #T ": sizeof differs from its 2.1 value " #SIZE " (at minor 1), or shrank (later)"); \
  static_assert(alignof(T) == ALIGN, #T ": alignment differs from its 2.1 value " #ALIGN);           \
  static_assert(offsetof(T, struct_size) == 0, #T ": a growable struct must begin with struct_size");
#define WEFT_GOLDEN_CHECK_VALUE_2_1(NAME, VALUE) static_assert(NAME == VALUE, #NAME " is not its 2.1 value " #VALUE);
/* NOLINTEND(bugprone-macro-parentheses) */

#endif /* WEFT_SDK_TESTS_ABI_GOLDEN_2_1_H */
