/*
 * The weft plugin ABI: the only contract between weftd and a plugin.
 *
 * Pure C, no dependencies, compiled as C in the SDK's tests. A plugin is a
 * shared object that exports one function, weft_plugin_entry(), returning a
 * descriptor. Everything else crosses as the tables below.
 *
 * Rules that every function here follows:
 * - Strings cross as weft_str (pointer + length, not NUL-terminated unless
 *   said). A weft_str argument is borrowed: valid only for the duration of the
 *   call; copy what you keep.
 * - JSON crosses as UTF-8 text in a weft_str.
 * - Objects cross as opaque pointers that the side which created them destroys.
 * - Nothing throws across this boundary. Functions return a weft_status and,
 *   on failure, write a message a user can act on into the caller's weft_error.
 * - Every struct begins with struct_size and is append-only: a reader checks
 *   struct_size before touching a field added in a later minor version.
 *
 * Versioning: a host accepts a plugin whose abi_major equals WEFT_ABI_MAJOR and
 * whose abi_minor is <= the host's WEFT_ABI_MINOR. A change of meaning (say, of
 * threading rules) is a new major.
 */
#ifndef WEFT_ABI_H
#define WEFT_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define WEFT_ABI_MAJOR 1
#define WEFT_ABI_MINOR 0

/* The symbol every plugin exports (see weft_plugin_entry_fn). */
#define WEFT_PLUGIN_ENTRY_SYMBOL "weft_plugin_entry"

typedef struct weft_str {
  const char* ptr;
  size_t len;
} weft_str;

typedef enum weft_status {
  WEFT_OK = 0,
  WEFT_ERROR = 1,     /* failed; weft_error says why */
  WEFT_NOT_FOUND = 2, /* the thing asked for does not exist */
  WEFT_CONFLICT = 3   /* a write collided with an existing record */
} weft_status;

/* Caller-allocated error text; the callee writes a NUL-terminated message,
 * truncated to fit. */
#define WEFT_ERROR_MESSAGE_SIZE 1024
typedef struct weft_error {
  char message[WEFT_ERROR_MESSAGE_SIZE];
} weft_error;

typedef enum weft_log_level {
  WEFT_LOG_TRACE = 0,
  WEFT_LOG_DEBUG = 1,
  WEFT_LOG_INFO = 2,
  WEFT_LOG_WARN = 3,
  WEFT_LOG_ERROR = 4
} weft_log_level;

/* A place for the callee to write bytes the caller will own (a JSON value,
 * usually). write may be called several times; the pieces are concatenated.
 * The callee never keeps the sink past the call. */
typedef struct weft_sink {
  void* caller_ptr;
  void (*write)(void* caller_ptr, const char* data, size_t len);
} weft_sink;

/* Problems found while validating: path is a JSON pointer relative to the
 * validated value ("" for the whole value). */
typedef struct weft_problem_sink {
  void* caller_ptr;
  void (*report)(void* caller_ptr, weft_str path, weft_str message);
} weft_problem_sink;

/* ------------------------------------------------------------------------ */
/* Host services, handed to every plugin object the host creates.           */
/* ------------------------------------------------------------------------ */

typedef enum weft_task_event_kind {
  WEFT_TASK_STARTED = 1,  /* external_id names the task in the executor */
  WEFT_TASK_FINISHED = 2, /* exit_code, output_json (may be empty), error */
  WEFT_TASK_LOST = 3      /* the executor no longer knows the task; error says why */
} weft_task_event_kind;

typedef struct weft_task_event {
  size_t struct_size;
  weft_task_event_kind kind;
  weft_str task_key;    /* the key the host gave in start/plan/recover */
  weft_str external_id; /* STARTED: the executor's id (pid, job id, ...) */
  int32_t exit_code;    /* FINISHED: the exit status; 128+N when killed by signal N */
  weft_str output_json; /* FINISHED: the task's output as JSON text; empty = none */
  weft_str error;       /* FINISHED or LOST: why it did not succeed; may be empty */
} weft_task_event;

/* Called once on the host's event loop thread when the fd is readable (or has
 * an error/hangup). Watching again means calling watch_fd again. */
typedef void (*weft_fd_callback)(void* plugin_ptr, int fd);

typedef struct weft_host_api {
  size_t struct_size;
  void* host_ptr; /* pass back as the first argument of every call below */

  /* Any thread. Goes to the daemon's log, tagged with the plugin's name. */
  void (*log)(void* host_ptr, weft_log_level level, weft_str message);

  /* Any thread. Reports a task's progress; the host copies the event. */
  void (*task_event)(void* host_ptr, const weft_task_event* event);

  /* Any thread. Asks the host's event loop to call on_readable(plugin_ptr, fd)
   * once when fd becomes readable. The plugin keeps owning fd and must not
   * close it while a watch is pending. This lets an executor wait for child
   * processes, sockets or timers without threads of its own. The host drops
   * (without calling) the watches still pending when it destroys the object
   * that asked for them. */
  weft_status (*watch_fd)(void* host_ptr, int fd, weft_fd_callback on_readable, void* plugin_ptr);
} weft_host_api;

/* ------------------------------------------------------------------------ */
/* Node types                                                               */
/* ------------------------------------------------------------------------ */
/*
 * A node type turns a node's resolved params into work. Threading: validate
 * may be called from any thread, at the same time as anything else; plan,
 * finish and cancel are called on the host's event loop thread only.
 *
 * plan's request JSON:
 *   {"task_key","run_id","workflow","node","index"(null or n),"attempt",
 *    "params":{...resolved...},"executor","resources":{...},"timeout_s"}
 * plan writes one JSON object to out:
 *   {"output": X}            done inline, X is the task's output
 *   {"error": "..."}         failed inline
 *   {"task": {TaskSpec}}     hand to the node's executor; see WEFT_TASK_SPEC below
 *   {"pending": true}        the plugin works asynchronously and reports
 *                            FINISHED for task_key through host task_event
 * finish's input JSON (only for "task" plans):
 *   {"params":{...},"exit_code":n,"output":X or null,"error":"..."}
 * finish writes {"output": X} or {"error": "..."}.
 */
typedef struct weft_node_vtable {
  size_t struct_size;
  weft_status (*create)(const weft_host_api* host, weft_str config_json, void** out_node, weft_error* err);
  void (*destroy)(void* node);
  weft_status (*validate)(void* node, weft_str params_json, const weft_problem_sink* problems, weft_error* err);
  weft_status (*plan)(void* node, weft_str request_json, const weft_sink* out, weft_error* err);
  weft_status (*finish)(void* node, weft_str result_json, const weft_sink* out, weft_error* err);
  /* Stop a "pending" task; the plugin still reports FINISHED (with an error). */
  weft_status (*cancel)(void* node, weft_str task_key, weft_error* err);
} weft_node_vtable;

/* ------------------------------------------------------------------------ */
/* Executors                                                                */
/* ------------------------------------------------------------------------ */
/*
 * WEFT_TASK_SPEC, the JSON object start and recover receive:
 *   {"task_key","run_id","node","index","attempt",
 *    "argv":[...],"env":{...},"cwd":"...","resources":{"cpus","memory_mb","gpus"},
 *    "timeout_s":n,"stdout_path":"...","stderr_path":"...","output_path":"..."}
 * The host picks the three paths (under its state dir); an executor that runs
 * tasks elsewhere documents how it gets logs and output back.
 *
 * Threading: start, cancel and recover are called on the host's event loop
 * thread; events may be reported from any thread. Every start is answered by
 * exactly one FINISHED or LOST event, even when start itself failed later.
 */
typedef struct weft_executor_vtable {
  size_t struct_size;
  weft_status (*create)(const weft_host_api* host, weft_str config_json, void** out_executor, weft_error* err);
  void (*destroy)(void* executor);
  /* A WEFT_ERROR return means nothing was started and no event will come. */
  weft_status (*start)(void* executor, weft_str spec_json, weft_error* err);
  /* Stop the task; its FINISHED event follows. WEFT_NOT_FOUND if unknown. */
  weft_status (*cancel)(void* executor, weft_str task_key, weft_error* err);
  /* After a daemon restart: take the task back by its external id. Reports
   * STARTED/FINISHED as usual, or LOST if it cannot be found. external_id is
   * empty when weftd stopped before it stored the task's STARTED event: the
   * task may or may not have started, and an executor that can find it by
   * task_key should (a duplicate run is worse than a lost one). */
  weft_status (*recover)(void* executor, weft_str spec_json, weft_str external_id, weft_error* err);
} weft_executor_vtable;

/* ------------------------------------------------------------------------ */
/* Storage                                                                  */
/* ------------------------------------------------------------------------ */
/*
 * Records are views: every weft_str in them is borrowed for the duration of
 * the call that passes them. Times are milliseconds since the Unix epoch, 0
 * meaning "not yet". JSON fields hold JSON text; empty means absent/null.
 */
typedef struct weft_workflow_record {
  size_t struct_size;
  weft_str name;
  int64_t version;
  weft_str document_json;
  weft_str digest; /* identifies the document's content */
  int64_t created_at;
  int32_t deleted; /* 1: removed from the list, its versions kept for runs */
} weft_workflow_record;

typedef struct weft_run_record {
  size_t struct_size;
  weft_str id;
  weft_str workflow;
  int64_t version; /* 0 for an ad-hoc run */
  weft_str status; /* created|queued|running|succeeded|failed|cancelled */
  weft_str params_json;
  weft_str document_json; /* the document the run executes */
  weft_str idempotency_key;
  weft_str error;
  int64_t created_at;
  int64_t started_at;
  int64_t finished_at;
} weft_run_record;

typedef struct weft_task_record {
  size_t struct_size;
  weft_str run_id;
  weft_str node;
  int64_t index; /* -1: the node's own row; n >= 0: element n of a for_each */
  weft_str status;
  int32_t attempt;
  int32_t has_exit_code;
  int32_t exit_code;
  weft_str executor;
  weft_str external_id;
  weft_str error;
  weft_str output_json;
  int64_t ready_at;
  int64_t started_at;
  int64_t finished_at;
} weft_task_record;

typedef struct weft_token_record {
  size_t struct_size;
  weft_str id;
  weft_str hash; /* of the secret; the secret itself is never stored */
  weft_str role;
  weft_str description;
  int64_t created_at;
  int32_t revoked;
} weft_token_record;

/* One transaction: all of it is stored, or none. Records are upserts keyed by
 * workflow (name, version), run id, task (run_id, node, index), token id; a
 * workflow insert whose (name, version) exists with another digest is
 * WEFT_CONFLICT. */
typedef struct weft_write_batch {
  size_t struct_size;
  const weft_workflow_record* workflows;
  size_t workflow_count;
  const weft_run_record* runs;
  size_t run_count;
  const weft_task_record* tasks;
  size_t task_count;
  const weft_token_record* tokens;
  size_t token_count;
} weft_write_batch;

typedef struct weft_run_filter {
  size_t struct_size;
  weft_str workflow;        /* empty: any */
  weft_str status;          /* empty: any */
  weft_str idempotency_key; /* empty: any */
  weft_str before_id;       /* paging cursor: runs older than this id; empty: newest */
  int32_t unfinished_only;  /* 1: created, queued and running runs only */
  int32_t limit;            /* 0: no limit */
} weft_run_filter;

/* Visitors receive each record in turn; returning non-zero stops the walk. */
typedef int (*weft_workflow_visitor)(void* caller_ptr, const weft_workflow_record* record);
typedef int (*weft_run_visitor)(void* caller_ptr, const weft_run_record* record);
typedef int (*weft_task_visitor)(void* caller_ptr, const weft_task_record* record);
typedef int (*weft_token_visitor)(void* caller_ptr, const weft_token_record* record);

/*
 * Threading: every function may be called from any thread at the same time,
 * except write, which the host calls from one thread at a time. Reads see
 * only committed writes.
 */
typedef struct weft_store_vtable {
  size_t struct_size;
  /* Opens (creating and migrating as needed) the store that config_json
   * describes, e.g. {"path":"/var/lib/weft/weft.db"} for sqlite. */
  weft_status (*open)(const weft_host_api* host, weft_str config_json, void** out_store, weft_error* err);
  void (*close)(void* store);
  /* The schema version the open store is at. */
  int32_t (*schema_version)(void* store);
  weft_status (*write)(void* store, const weft_write_batch* batch, weft_error* err);
  /* version 0: the latest version, deleted or not (the caller checks
   * deleted); an explicit version is returned even if deleted, since runs
   * refer to it. */
  weft_status (*get_workflow)(void* store, weft_str name, int64_t version, weft_workflow_visitor visit,
                              void* caller_ptr, weft_error* err);
  /* The latest version of every workflow whose latest version is not
   * deleted, by name. Deleting a workflow is writing its latest version with
   * deleted = 1; applying it again adds a new version. */
  weft_status (*list_workflows)(void* store, weft_workflow_visitor visit, void* caller_ptr, weft_error* err);
  weft_status (*get_run)(void* store, weft_str run_id, weft_run_visitor visit, void* caller_ptr, weft_error* err);
  /* Newest first (by created_at, then id). */
  weft_status (*list_runs)(void* store, const weft_run_filter* filter, weft_run_visitor visit, void* caller_ptr,
                           weft_error* err);
  /* By node, then index. */
  weft_status (*list_tasks)(void* store, weft_str run_id, weft_task_visitor visit, void* caller_ptr, weft_error* err);
  weft_status (*list_tokens)(void* store, weft_token_visitor visit, void* caller_ptr, weft_error* err);
} weft_store_vtable;

/* ------------------------------------------------------------------------ */
/* The plugin descriptor                                                    */
/* ------------------------------------------------------------------------ */

typedef enum weft_plugin_kind {
  WEFT_KIND_NODE = 1,     /* vtable is a weft_node_vtable */
  WEFT_KIND_EXECUTOR = 2, /* vtable is a weft_executor_vtable */
  WEFT_KIND_STORAGE = 3   /* vtable is a weft_store_vtable */
} weft_plugin_kind;

typedef struct weft_factory {
  size_t struct_size;
  weft_plugin_kind kind;
  const char* type_name;   /* NUL-terminated, e.g. "command" */
  const char* schema_json; /* JSON Schema of params/config, NUL-terminated; may be NULL */
  const void* vtable;      /* by kind; starts with struct_size */
} weft_factory;

typedef struct weft_plugin_descriptor {
  size_t struct_size;
  uint32_t abi_major;
  uint32_t abi_minor;
  const char* name;    /* NUL-terminated */
  const char* version; /* NUL-terminated, semantic version of the plugin */
  /* Optional (may be NULL): called once after the ABI check, before any
   * factory is used. A failure refuses the plugin. */
  weft_status (*init)(const weft_host_api* host, weft_error* err);
  const weft_factory* factories;
  size_t factory_count;
} weft_plugin_descriptor;

/* Returns a descriptor with static storage duration. */
typedef const weft_plugin_descriptor* (*weft_plugin_entry_fn)(void);

#ifdef __cplusplus
}
#endif

#endif /* WEFT_ABI_H */
