/*
 * The weft plugin ABI: the only contract between weftd and a plugin.
 *
 * Pure C, no dependencies, compiled as C in the SDK's tests. A plugin is a
 * shared object that exports one function, weft_plugin_entry(), returning a
 * descriptor. Everything else crosses as the structs and tables below.
 *
 * Rules that every function here follows:
 * - Strings cross as weft_str (pointer + length, not NUL-terminated unless
 *   said). JSON crosses as UTF-8 text in a weft_str; an empty weft_str where
 *   JSON is expected means "none" (null).
 * - Pointers handed to a function are borrowed: valid only for the duration
 *   of that call, including everything reachable from them. Copy what you
 *   keep. The exceptions are said where they occur (the host table, the
 *   descriptor and its factories and tables, which live as long as the
 *   object or library they belong to).
 * - Objects cross as opaque pointers that the side which created them destroys.
 * - Nothing throws across this boundary. Functions return a weft_status and,
 *   on failure, write a message a user can act on into the caller's weft_error.
 * - Statuses, kinds and levels are int32_t fields holding the enum values
 *   below, so their size does not depend on the compiler.
 *
 * Versioning. A host accepts a plugin whose abi_major equals WEFT_ABI_MAJOR
 * and whose abi_minor is <= the host's WEFT_ABI_MINOR, and refuses any other,
 * naming both versions. Within a major:
 * - Every struct that can grow begins with struct_size, set by the side that
 *   fills it to sizeof the struct as that side was compiled. Fields are only
 *   ever appended; a minor version adds fields or functions at the end, and
 *   never changes the meaning of an existing one (that is a new major).
 * - WEFT_<STRUCT>_SIZE_2_0 is each struct's size as of ABI 2.0: the end of
 *   its last 2.0 field, which is also its sizeof: no growable struct has
 *   tail padding (a reserved field fills it where it would), so a field
 *   appended later can never lie inside an older struct_size. A reader
 *   accepts any struct_size >= that, and reads a field added later only when
 *   WEFT_HAS_FIELD says the struct has it, treating it as zero (or the
 *   function as absent) otherwise.
 * - A field added to a struct the host fills (a new run_filter criterion,
 *   say) is unknown to a plugin of an older minor, which ignores it: the
 *   host checks the plugin's abi_minor before relying on one.
 * - Arrays of growable structs are arrays of pointers, so an element's size
 *   is its own struct_size, never the reader's sizeof. weft_str and
 *   weft_env_var are fixed forever and are passed as plain arrays.
 * - A plugin built against an older minor sees a newer host's structs as
 *   their older prefix, which is all it knows about; a host reading what an
 *   older plugin filled checks struct_size first.
 *
 * Layout (LP64, as on every platform weft supports), checked by the SDK's
 * golden layout test: weft_str is 16 bytes; size_t, pointers, int64_t and
 * double are 8 bytes aligned to 8; int32_t is 4 aligned to 4; structs are
 * laid out in declaration order with natural alignment.
 */
#ifndef WEFT_ABI_H
#define WEFT_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define WEFT_ABI_MAJOR 2
#define WEFT_ABI_MINOR 1

/* The symbol every plugin exports (see weft_plugin_entry_fn). */
#define WEFT_PLUGIN_ENTRY_SYMBOL "weft_plugin_entry"

/* The size of TYPE up to the end of FIELD: the smallest struct_size that has it. */
#define WEFT_SIZE_THROUGH(TYPE, FIELD) (offsetof(TYPE, FIELD) + sizeof(((TYPE*)0)->FIELD))
/* Whether the struct at PTR (of type TYPE, filled by the other side) has FIELD. */
#define WEFT_HAS_FIELD(PTR, TYPE, FIELD) ((PTR)->struct_size >= WEFT_SIZE_THROUGH(TYPE, FIELD))

/* Fixed forever: no struct_size. */
typedef struct weft_str {
  const char* ptr;
  size_t len;
} weft_str;

typedef enum weft_status {
  WEFT_OK = 0,
  WEFT_ERROR = 1,     /* failed; weft_error says why */
  WEFT_NOT_FOUND = 2, /* the thing asked for does not exist */
  WEFT_CONFLICT = 3,  /* a write collided with an existing record */
  /* 2.1: a write touched a run whose lease the writer no longer holds
   * (another instance took the run over); nothing of it was stored. */
  WEFT_LEASE_LOST = 4
} weft_status;

/* Caller-allocated error text; the callee writes a NUL-terminated message,
 * truncated to fit. Fixed forever. */
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

/* Problems found while validating: path is a JSON pointer relative to the
 * validated value ("" for the whole value). Filled by the host, called by the
 * plugin during the validate call only. Fixed forever. */
typedef struct weft_problem_sink {
  void* caller_ptr;
  void (*report)(void* caller_ptr, weft_str path, weft_str message);
} weft_problem_sink;

/* ------------------------------------------------------------------------ */
/* Statuses of runs and tasks, as stored and as shown                       */
/* ------------------------------------------------------------------------ */

typedef enum weft_task_status {
  WEFT_TASK_PENDING = 1,         /* waiting for its dependencies */
  WEFT_TASK_READY = 2,           /* may run; waiting for a slot */
  WEFT_TASK_DISPATCHED = 3,      /* handed to its executor, not yet started */
  WEFT_TASK_RUNNING = 4,         /* started */
  WEFT_TASK_RETRYING = 5,        /* an attempt failed; the next waits for its backoff */
  WEFT_TASK_SUCCEEDED = 6,       /* final */
  WEFT_TASK_FAILED = 7,          /* final */
  WEFT_TASK_SKIPPED = 8,         /* final: its `when` was false, or every dependency was skipped */
  WEFT_TASK_CANCELLED = 9,       /* final */
  WEFT_TASK_UPSTREAM_FAILED = 10 /* final: a dependency did not succeed */
} weft_task_status;

typedef enum weft_run_status {
  WEFT_RUN_CREATED = 1, /* stored, not started */
  WEFT_RUN_QUEUED = 2,  /* started, waiting to be taken up */
  WEFT_RUN_RUNNING = 3,
  WEFT_RUN_SUCCEEDED = 4, /* final */
  WEFT_RUN_FAILED = 5,    /* final */
  WEFT_RUN_CANCELLED = 6, /* final */
  /* Since 2.1: started, and starts no new task until resumed; its running
   * tasks go on to their end. The host writes it only to a store of 2.1 or
   * later (one whose weft_store_vtable has list_schedule_states). */
  WEFT_RUN_PAUSED = 7
} weft_run_status;

/* ------------------------------------------------------------------------ */
/* Tasks: what a node type plans and an executor runs                       */
/* ------------------------------------------------------------------------ */

/* One environment variable. Fixed forever. */
typedef struct weft_env_var {
  weft_str name;
  weft_str value;
} weft_env_var;

/* What a node type asks an executor to run. Filled by the node type in plan;
 * handed to the executor inside weft_task_spec. */
typedef struct weft_command {
  size_t struct_size;
  const weft_str* argv; /* the program and its arguments; argc >= 1 */
  size_t argc;
  const weft_env_var* env; /* added to the executor's base environment */
  size_t env_count;
  weft_str cwd;   /* working directory; empty: the executor's default */
  weft_str image; /* container image for executors that run containers; empty: none */
  /* A JSON object of settings for the executor that runs the command (a Slurm
   * partition, a Kubernetes service account, ...), as the node's params gave
   * it; empty: none. Each executor documents the keys it reads. */
  weft_str executor_options_json;
} weft_command;
#define WEFT_COMMAND_SIZE_2_0 WEFT_SIZE_THROUGH(weft_command, executor_options_json)

/* One attempt of one task, as the host knows it. Filled by the host; handed
 * to plan (command is NULL: planning decides it), and to an executor's start
 * and recover (command is the plan's). */
typedef struct weft_task_spec {
  size_t struct_size;
  weft_str task_key; /* unique per attempt; names the task in events and cancel */
  weft_str run_id;
  weft_str workflow;    /* the workflow's name */
  weft_str node;        /* the node's id */
  int64_t index;        /* element of a for_each node; -1 for a node without for_each */
  int32_t attempt;      /* 1 for the first attempt */
  weft_str executor;    /* the executor the node names */
  weft_str params_json; /* the node's params with every template rendered */
  /* Resource hints from the workflow; 0 means not given. Executors map them
   * (rlimits, sbatch options, container resources). */
  double cpus;
  int64_t memory_mb;
  int32_t gpus;
  double timeout_s; /* 0: none. The host enforces it too, by cancel. */
  /* Where the task's stdout, stderr and output (one JSON value) go, picked by
   * the host under its state dir. An executor that runs tasks elsewhere
   * documents how it brings logs and output back. */
  weft_str stdout_path;
  weft_str stderr_path;
  weft_str output_path;
  const weft_command* command; /* NULL in plan */
  /* Added in 2.1. For an element of a for_each node: how many elements the
   * node has; 0 otherwise. */
  int64_t for_each_count;
  /* Added in 2.1. The node's max_parallel; 0: none given. */
  int64_t max_parallel;
} weft_task_spec;
#define WEFT_TASK_SPEC_SIZE_2_0 WEFT_SIZE_THROUGH(weft_task_spec, command)
#define WEFT_TASK_SPEC_SIZE_2_1 WEFT_SIZE_THROUGH(weft_task_spec, max_parallel)

typedef enum weft_plan_kind {
  WEFT_PLAN_OUTPUT = 1,  /* done inline: output_json is the task's output */
  WEFT_PLAN_FAILED = 2,  /* failed inline: error says why */
  WEFT_PLAN_COMMAND = 3, /* run command through the node's executor */
  WEFT_PLAN_PENDING = 4  /* the plugin works on its own and reports FINISHED for the task_key */
} weft_plan_kind;

/* What plan (any kind) or finish (OUTPUT or FAILED) decided. Filled by the
 * plugin and handed to the host's weft_plan_sink, which copies it. */
typedef struct weft_plan {
  size_t struct_size;
  int32_t kind;                /* weft_plan_kind */
  weft_str output_json;        /* OUTPUT: JSON text; empty: null */
  weft_str error;              /* FAILED */
  const weft_command* command; /* COMMAND */
} weft_plan;
#define WEFT_PLAN_SIZE_2_0 WEFT_SIZE_THROUGH(weft_plan, command)

/* Filled by the host. The plugin calls decide exactly once per plan or finish
 * call, before returning; a call that returns WEFT_OK without deciding fails
 * the task. Fixed forever. */
typedef struct weft_plan_sink {
  void* caller_ptr;
  void (*decide)(void* caller_ptr, const weft_plan* plan);
} weft_plan_sink;

/* How an attempt that ran a command ended, for finish. Filled by the host. */
typedef struct weft_task_result {
  size_t struct_size;
  const weft_task_spec* task; /* the attempt, command included */
  int32_t exit_code;          /* 128+N when killed by signal N */
  weft_str output_json;       /* what the task wrote as its output; empty: none */
  weft_str error;             /* the executor's reason it did not succeed; empty: none */
} weft_task_result;
#define WEFT_TASK_RESULT_SIZE_2_0 WEFT_SIZE_THROUGH(weft_task_result, error)

/* ------------------------------------------------------------------------ */
/* Host services, handed to every plugin object the host creates.           */
/* ------------------------------------------------------------------------ */

typedef enum weft_task_event_kind {
  WEFT_EVENT_STARTED = 1,  /* external_id names the task in the executor */
  WEFT_EVENT_FINISHED = 2, /* exit_code, output_json (may be empty), error */
  WEFT_EVENT_LOST = 3      /* the executor no longer knows the task; error says why */
} weft_task_event_kind;

/* Filled by the plugin; the host copies it during the task_event call. */
typedef struct weft_task_event {
  size_t struct_size;
  int32_t kind;         /* weft_task_event_kind */
  weft_str task_key;    /* the key of the spec given to start/recover or plan */
  weft_str external_id; /* STARTED: the executor's id (pid, job id, ...) */
  int32_t exit_code;    /* FINISHED: the exit status; 128+N when killed by signal N */
  weft_str output_json; /* FINISHED: the task's output as JSON text; empty: none */
  weft_str error;       /* FINISHED or LOST: why it did not succeed; may be empty */
} weft_task_event;
#define WEFT_TASK_EVENT_SIZE_2_0 WEFT_SIZE_THROUGH(weft_task_event, error)

/* Called once on the host's event loop thread when the fd is readable (or has
 * an error/hangup). Watching again means calling watch_fd again. */
typedef void (*weft_fd_callback)(void* plugin_ptr, int fd);

/* Since 2.1: how a child run ended (see weft_host_api.start_child_run). */
typedef void (*weft_child_run_callback)(void* plugin_ptr, weft_str task_key, weft_str run_id, int32_t status,
                                        weft_str results_json, weft_str error);

/* Filled by the host; valid until the plugin object it was given to is
 * destroyed (for init: during the init call). Every function is present. */
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

  /* Since 2.1 (a host of 2.0 has none: check WEFT_HAS_FIELD). Any thread,
   * cheap, never blocks. A store tells the host that work may be waiting in
   * it that it did not write itself: another instance sharing the store
   * stored a run unheld (see weft_write_batch). The host answers later, on
   * its event loop, by claiming runs if it has room; a call with nothing to
   * claim costs one claim. A store that cannot tell may never call it: the
   * host also claims every third of a lease. */
  void (*work_available)(void* host_ptr);

  /* Since 2.1 (check WEFT_HAS_FIELD; NULL: the host keeps no queues). The
   * host's event loop thread only: a node type's plan or finish. Enqueues
   * body_json (JSON text) on queue as message message_id, stored with the
   * task's outcome: a task planned again after a crash enqueues nothing
   * twice, as a (queue, message_id) stored already adds nothing (key it by
   * the task: run id, node, index). WEFT_ERROR with err's message for a
   * queue name that is not one ([A-Za-z0-9._-]{1,128}) or a body that is
   * not JSON. */
  weft_status (*enqueue)(void* host_ptr, weft_str queue, weft_str message_id, weft_str body_json, weft_error* err);

  /* Since 2.1 (check WEFT_HAS_FIELD). Any thread. Starts a run of the stored
   * workflow `workflow` (version 0: its latest) with params_json (a JSON
   * object; empty: none) as the child of the task task_key, one this node
   * type planned PENDING and has not finished yet. The child shows its
   * parent (run, node, index); cancelling, pausing or resuming the parent
   * run does the same to the child, and stopping the task (its timeout, a
   * cancel) cancels the child. Children nest at most 8 deep: a deeper one is
   * refused, so that a workflow starting itself ends.
   *
   * on_end(plugin_ptr, task_key, ...) is called exactly once, on the host's
   * event loop thread, unless the plugin object that asked is destroyed
   * first: with the child's run id and final weft_run_status, the child's
   * results (GET /runs/{id}/results as JSON text) and its error; or with
   * run_id empty and status 0 when no child could be started (error says
   * why: an unknown workflow, params it refuses, a task no longer running).
   * A task taken back after a weftd restart asks again in its new attempt:
   * it is given the child its lost attempt started, not a new one.
   * WEFT_ERROR (and no call of on_end) only for a call without a task_key
   * or on_end. */
  weft_status (*start_child_run)(void* host_ptr, weft_str task_key, weft_str workflow, int64_t version,
                                 weft_str params_json, weft_child_run_callback on_end, void* plugin_ptr,
                                 weft_error* err);
} weft_host_api;
#define WEFT_HOST_API_SIZE_2_0 WEFT_SIZE_THROUGH(weft_host_api, watch_fd)
#define WEFT_HOST_API_SIZE_2_1 WEFT_SIZE_THROUGH(weft_host_api, start_child_run)

/* ------------------------------------------------------------------------ */
/* Node types                                                               */
/* ------------------------------------------------------------------------ */
/*
 * A node type turns a node's rendered params into work. Threading: validate
 * may be called from any thread, at the same time as anything else; plan,
 * finish and cancel are called on the host's event loop thread only.
 *
 * plan must decide from its spec alone and have no effect when it decides
 * COMMAND: after a restart the host plans a running task again to rebuild
 * the spec it hands to the executor's recover.
 */
typedef struct weft_node_vtable {
  size_t struct_size;
  /* Required. config_json is the node type's configuration ("{}" if none). */
  weft_status (*create)(const weft_host_api* host, weft_str config_json, void** out_node, weft_error* err);
  /* Required. */
  void (*destroy)(void* node);
  /* Required. Reports each problem with params_json (unrendered: it may hold
   * templates) through problems; WEFT_ERROR only if it could not check. */
  weft_status (*validate)(void* node, weft_str params_json, const weft_problem_sink* problems, weft_error* err);
  /* Required. Decides what the task does (see weft_plan_kind) through out. A
   * WEFT_ERROR return fails the attempt with err's message. */
  weft_status (*plan)(void* node, const weft_task_spec* task, const weft_plan_sink* out, weft_error* err);
  /* Optional (NULL: exit code 0 with no error succeeds with the task's
   * output, anything else fails). After a COMMAND plan ran: decides OUTPUT or
   * FAILED through out. */
  weft_status (*finish)(void* node, const weft_task_result* result, const weft_plan_sink* out, weft_error* err);
  /* Optional (NULL: the node type never plans PENDING). Stops a PENDING
   * task; the plugin still reports FINISHED (with an error) for it. */
  weft_status (*cancel)(void* node, weft_str task_key, weft_error* err);
} weft_node_vtable;
#define WEFT_NODE_VTABLE_SIZE_2_0 WEFT_SIZE_THROUGH(weft_node_vtable, cancel)

/* ------------------------------------------------------------------------ */
/* Executors                                                                */
/* ------------------------------------------------------------------------ */
/* Added in 2.1: one node of a run that an executor takes whole (start_run).
 * Filled by the host. */
typedef struct weft_run_node {
  size_t struct_size;
  /* The node as one task: index -1, attempt 1, the node's executor, params
   * and command as its node type planned them, resources and timeout. Its
   * strings may hold two references that only the running graph can fill in,
   * written exactly so: "{{nodes.<id>.output}}" (the whole output of the
   * upstream node <id>, a node of dependencies) and "{{item}}" (the element
   * of for_each). Each stands for its value as a weft template renders it
   * into a string: a JSON string as its text, anything else as JSON text.
   * Everything else is rendered already. */
  const weft_task_spec* task;
  const weft_str* dependencies; /* ids of the nodes it waits for */
  size_t dependency_count;
  /* Empty: the node is one task. Otherwise its for_each: the items as JSON
   * array text, or a reference "{{nodes.<id>.output}}" to an upstream's
   * whole output, an array; element n is the node's task of index n. */
  weft_str for_each;
} weft_run_node;
#define WEFT_RUN_NODE_SIZE_2_1 WEFT_SIZE_THROUGH(weft_run_node, for_each)

/* Added in 2.1: a run handed whole to an executor. A node asks for it with
 * the param executor_options.submit = "dag" (the command node type's
 * executor_options), and a run is handed over only when every node of it
 * asks and names the same executor, one with WEFT_EXECUTOR_CAP_WHOLE_RUN.
 * weftd refuses such a workflow when it is stored if a template holds a
 * reference other than the two above to another node or to item/index, or
 * a node has `when` or retries. Filled by the host. */
typedef struct weft_run_graph {
  size_t struct_size;
  weft_str run_id;
  weft_str workflow;
  const weft_run_node* const* nodes; /* node_count pointers, each after its dependencies */
  size_t node_count;
} weft_run_graph;
#define WEFT_RUN_GRAPH_SIZE_2_1 WEFT_SIZE_THROUGH(weft_run_graph, node_count)

/*
 * Threading: start, cancel, recover, start_run and cancel_run are called on the host's
 * event loop thread; events may be reported from any thread. Every start that
 * returns WEFT_OK is answered by exactly one FINISHED or LOST event, perhaps
 * after a STARTED one.
 */
typedef struct weft_executor_vtable {
  size_t struct_size;
  /* Required. config_json is this executor's section of weftd's config ("{}" if none). */
  weft_status (*create)(const weft_host_api* host, weft_str config_json, void** out_executor, weft_error* err);
  /* Required. Tasks still running stay running: a restarted weftd recovers them. */
  void (*destroy)(void* executor);
  /* Required. A WEFT_ERROR return means nothing was started and no event will come. */
  weft_status (*start)(void* executor, const weft_task_spec* task, weft_error* err);
  /* Required. Stops the task and everything it started; its FINISHED event
   * follows. WEFT_NOT_FOUND if the task is unknown. */
  weft_status (*cancel)(void* executor, weft_str task_key, weft_error* err);
  /* Optional (NULL: the host reports such tasks lost). After a daemon
   * restart: take the task back by its external id and report its events as
   * usual, or LOST if it cannot be found. An executor that cannot follow a
   * task it finds to its end (a local process that is no longer its child,
   * whose exit status it cannot read) stops it, and everything it started,
   * and reports LOST: the host runs it again. It never leaves a task running
   * unreported. external_id is empty when weftd stopped before it stored the
   * task's STARTED event: the task may or may not have started, and an
   * executor that can find it by task_key should (a duplicate run is worse
   * than a lost one). */
  weft_status (*recover)(void* executor, const weft_task_spec* task, weft_str external_id, weft_error* err);
  /* Added in 2.1. WEFT_EXECUTOR_CAP_* bits, or 0; a bit the host does not
   * know is ignored. */
  uint64_t capabilities;
  /* Added in 2.1. Optional (NULL: the executor has not WEFT_EXECUTOR_CAP_WHOLE_RUN).
   * See weft_run_graph: the host calls it once when a run all of whose nodes
   * ask for whole-run submission starts, before any task of the run. WEFT_OK:
   * the executor has taken the run, and the start of each of its tasks follows
   * that task's part of what it submitted (events as usual, one FINISHED or
   * LOST each); recover re-attaches the same way. WEFT_ERROR: nothing was
   * submitted and the run fails with err's message. */
  weft_status (*start_run)(void* executor, const weft_run_graph* run, weft_error* err);
  /* Added in 2.1. Required with start_run (the host does not count
   * WEFT_EXECUTOR_CAP_WHOLE_RUN without both). The host calls it when a run
   * it handed over whole is cancelled (by a cancel, or past its timeout_s):
   * stop everything submitted for the run, its nodes whose tasks
   * the host has not started included, as the host ends those tasks at once
   * without telling the executor. Each started task is cancelled as well, by
   * cancel, and answers as usual. A run the executor does not know (it ended,
   * or was never taken) is WEFT_OK: there is nothing left to stop. */
  weft_status (*cancel_run)(void* executor, weft_str run_id, weft_error* err);
} weft_executor_vtable;
#define WEFT_EXECUTOR_VTABLE_SIZE_2_0 WEFT_SIZE_THROUGH(weft_executor_vtable, recover)
#define WEFT_EXECUTOR_VTABLE_SIZE_2_1 WEFT_SIZE_THROUGH(weft_executor_vtable, cancel_run)

/* Added in 2.1. The host starts every ready element of a for_each node
 * without waiting for the node's max_parallel (the run's and the daemon's
 * limits still hold), so that the executor can run them as one batch (a
 * Slurm job array); the executor then runs at most max_parallel of them at
 * a time. */
#define WEFT_EXECUTOR_CAP_THROTTLES_FOR_EACH UINT64_C(1)
/* Added in 2.1. start_run and cancel_run: the executor takes a whole run at
 * once (see weft_run_graph). */
#define WEFT_EXECUTOR_CAP_WHOLE_RUN UINT64_C(2)

/* ------------------------------------------------------------------------ */
/* Storage                                                                  */
/* ------------------------------------------------------------------------ */
/*
 * Records are views filled by whoever passes them (the host in write, the
 * store in the visitors); every pointer in them is borrowed for the duration
 * of that call. Times are milliseconds since the Unix epoch, 0 meaning "not
 * yet". JSON fields hold JSON text; empty means absent/null.
 */
typedef struct weft_workflow_record {
  size_t struct_size;
  weft_str name;
  int64_t version;
  weft_str document_json;
  weft_str digest; /* identifies the document's content */
  int64_t created_at;
  int32_t deleted;  /* 1: removed from the list, its versions kept for runs */
  int32_t reserved; /* 0; fills what would be tail padding (see "Versioning") */
} weft_workflow_record;
#define WEFT_WORKFLOW_RECORD_SIZE_2_0 WEFT_SIZE_THROUGH(weft_workflow_record, reserved)

typedef struct weft_run_record {
  size_t struct_size;
  weft_str id;
  weft_str workflow;
  int64_t version; /* 0 for an ad-hoc run */
  int32_t status;  /* weft_run_status */
  weft_str params_json;
  weft_str document_json; /* the document the run executes */
  weft_str idempotency_key;
  weft_str error;
  int64_t created_at;
  int64_t started_at;
  int64_t finished_at;
  /* Since 2.1: the task whose child this run is (see start_child_run);
   * empty parent_run_id (and parent_index -1 from the host): none. A store
   * of 2.0 keeps none of it, and its runs have no parent. */
  weft_str parent_run_id;
  weft_str parent_node;
  int64_t parent_index;
} weft_run_record;
#define WEFT_RUN_RECORD_SIZE_2_0 WEFT_SIZE_THROUGH(weft_run_record, finished_at)
#define WEFT_RUN_RECORD_SIZE_2_1 WEFT_SIZE_THROUGH(weft_run_record, parent_index)

typedef struct weft_task_record {
  size_t struct_size;
  weft_str run_id;
  weft_str node;
  int64_t index;  /* -1: the node's own row; n >= 0: element n of a for_each */
  int32_t status; /* weft_task_status */
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
  /* Since 2.1: the retry budget, so that it survives a restart. The policy's
   * max_attempts counts the attempts after attempts_before (those made before
   * the run was last retried, or lost); retry.max_duration_s counts from
   * budget_started_at, the start of the first attempt it counts. */
  int64_t budget_started_at;
  int32_t attempts_before;
  int32_t reserved_2_1; /* 0; fills what would be tail padding */
  /* Since 2.1: the node's cache (see find_cached). cache_key is the task's
   * rendered cache key; empty: its node has no cache. A task that succeeded
   * with the output of an earlier one (a cache hit) names that task in
   * cached_from_*; cached_from_run_id is empty for a task that ran. */
  weft_str cache_key;
  weft_str cached_from_run_id;
  weft_str cached_from_node;
  int64_t cached_from_index;
} weft_task_record;
#define WEFT_TASK_RECORD_SIZE_2_0 WEFT_SIZE_THROUGH(weft_task_record, finished_at)
#define WEFT_TASK_RECORD_SIZE_2_1 WEFT_SIZE_THROUGH(weft_task_record, cached_from_index)

typedef struct weft_token_record {
  size_t struct_size;
  weft_str id;
  weft_str hash; /* of the secret; the secret itself is never stored */
  weft_str role;
  weft_str description;
  int64_t created_at;
  int32_t revoked;
  int32_t reserved; /* 0; fills what would be tail padding (see "Versioning") */
  /* Since 2.1. A token of a 2.0 store never expires and is not scoped. */
  int64_t expires_at; /* ms since the epoch; 0: never */
  weft_str workflows; /* glob on the workflow names the token may act on; empty: any */
} weft_token_record;
#define WEFT_TOKEN_RECORD_SIZE_2_0 WEFT_SIZE_THROUGH(weft_token_record, reserved)
#define WEFT_TOKEN_RECORD_SIZE_2_1 WEFT_SIZE_THROUGH(weft_token_record, workflows)

/* Since 2.1. One entry of the audit log: who did (or was refused) what.
 * Inserted, never updated; ids are unique and sort in the order the entries
 * were recorded (byte-wise), so that newest first is by id descending. */
typedef struct weft_audit_record {
  size_t struct_size;
  weft_str id;
  int64_t at;        /* ms since the epoch */
  weft_str token_id; /* empty: the request carried no known token */
  weft_str role;     /* the token's role; empty with no token */
  weft_str action;   /* e.g. "run.start", "token.create" */
  weft_str target;   /* what it acted on: a run id, workflow name, token id; may be empty */
  weft_str message;  /* why it was refused or failed; empty when it succeeded */
  int32_t status;    /* the HTTP status answered */
  int32_t reserved;  /* 0; fills what would be tail padding */
} weft_audit_record;
#define WEFT_AUDIT_RECORD_SIZE_2_1 WEFT_SIZE_THROUGH(weft_audit_record, reserved)

/* Since 2.1. One attempt of one task, kept after the task moves on: upserts
 * keyed by (run_id, node, index, attempt). status is the attempt's own
 * (weft_task_status): RUNNING while under way, then SUCCEEDED, FAILED
 * (also for an attempt lost to a restart, error saying so) or CANCELLED. */
typedef struct weft_attempt_record {
  size_t struct_size;
  weft_str run_id;
  weft_str node;
  int64_t index; /* as in weft_task_record */
  int32_t attempt;
  int32_t status;
  int32_t has_exit_code;
  int32_t exit_code;
  weft_str executor;
  weft_str external_id;
  weft_str error;
  weft_str stdout_path; /* the attempt's own log files */
  weft_str stderr_path;
  int64_t started_at;
  int64_t finished_at;
} weft_attempt_record;
#define WEFT_ATTEMPT_RECORD_SIZE_2_1 WEFT_SIZE_THROUGH(weft_attempt_record, finished_at)

/* Since 2.1. What an operator set on a workflow's schedule, apart from its
 * document: upserts keyed by workflow. */
typedef struct weft_schedule_state_record {
  size_t struct_size;
  weft_str workflow;
  int64_t updated_at;
  int32_t paused;   /* 1: the schedule starts no run until resumed */
  int32_t reserved; /* 0; fills what would be tail padding */
} weft_schedule_state_record;
#define WEFT_SCHEDULE_STATE_RECORD_SIZE_2_1 WEFT_SIZE_THROUGH(weft_schedule_state_record, reserved)

/* Since 2.1. The states of a queue's message. */
typedef enum weft_message_state {
  WEFT_MESSAGE_READY = 1, /* waiting for a consumer */
  WEFT_MESSAGE_TAKEN = 2, /* delivered to run_id, which is under way */
  WEFT_MESSAGE_DEAD = 3,  /* run_id ended without succeeding: error, at failed_at */
  WEFT_MESSAGE_DONE = 4   /* run_id succeeded; kept so that its id is never enqueued again */
} weft_message_state;

/* Since 2.1. A message of a durable named queue, keyed by (queue, id). */
typedef struct weft_message_record {
  size_t struct_size;
  weft_str queue;
  weft_str id;
  weft_str body_json;
  int64_t enqueued_at;
  int32_t state;      /* weft_message_state */
  int32_t deliveries; /* how many runs it was delivered to */
  weft_str run_id;    /* TAKEN, DEAD, DONE: the run of the latest delivery */
  weft_str error;     /* DEAD: why the run did not succeed */
  int64_t failed_at;  /* DEAD: when */
} weft_message_record;
#define WEFT_MESSAGE_RECORD_SIZE_2_1 WEFT_SIZE_THROUGH(weft_message_record, failed_at)

/* One transaction: all of it is stored, or none. Records are upserts keyed by
 * workflow (name, version), run id, task (run_id, node, index), token id; a
 * workflow insert whose (name, version) exists with another digest is
 * WEFT_CONFLICT. A run's non-empty idempotency_key is unique among runs (a
 * SQL store: a unique index on it where it is not empty): a run whose key
 * another run holds is WEFT_CONFLICT. Each array holds count pointers to
 * records. */
typedef struct weft_write_batch {
  size_t struct_size;
  const weft_workflow_record* const* workflows;
  size_t workflow_count;
  const weft_run_record* const* runs;
  size_t run_count;
  const weft_task_record* const* tasks;
  size_t task_count;
  const weft_token_record* const* tokens;
  size_t token_count;
  /* Since 2.1; a store of 2.0 reads the batch only up to token_count, and
   * so keeps none of these. */
  const weft_attempt_record* const* attempts;
  size_t attempt_count;
  const weft_schedule_state_record* const* schedule_states;
  size_t schedule_state_count;
  /* 2.1, for stores that several instances share (see claim_runs). Empty
   * lease_owner: one instance, no fencing. Otherwise the batch is fenced:
   * lease_count runs (lease_run_ids[i], held at lease_generations[i]) are
   * every run whose record or tasks the batch writes; if one of them is
   * stored and not held by lease_owner at that generation, the write is
   * WEFT_LEASE_LOST and stores nothing. A run the batch inserts is held by
   * lease_owner at generation 1 for lease_ms. A run an unfenced batch
   * inserts is held by no instance (generation 0): it waits, unheld, for an
   * instance with room to claim it, and a store that can wakes the other
   * instances (weft_host_api.work_available) once the batch is committed. */
  weft_str lease_owner;
  int64_t lease_ms;
  const weft_str* lease_run_ids;
  const int64_t* lease_generations;
  size_t lease_count;
  /* 2.1: audit entries to insert, and the audit log's retention: with
   * audit_prune_limit > 0 the store also deletes up to that many of the
   * oldest entries recorded before audit_prune_before (ms since the epoch),
   * so that pruning is bounded work in every batch. Not fenced. */
  const weft_audit_record* const* audits;
  size_t audit_count;
  int64_t audit_prune_before;
  int64_t audit_prune_limit;
  /* 2.1, for a store with queues (claim_messages). A READY message is an
   * enqueue: inserted when (queue, id) is not stored, a stored DEAD one is
   * made READY again (a redrive, its body kept), any other left as it is,
   * so an enqueue repeated with its id adds nothing. A DONE or DEAD message
   * ends a delivery: state, error and failed_at are stored only when the
   * stored message is TAKEN by run_id, and the rest of the batch is written
   * either way. TAKEN is written by claim_messages only. A store that can
   * wakes the other instances (work_available) after an enqueue. */
  const weft_message_record* const* messages;
  size_t message_count;
  /* 2.1, for a store with queues: with message_prune_limit > 0 the store
   * also deletes up to that many of the oldest DONE messages enqueued
   * before message_prune_before (ms since the epoch), so that the messages
   * kept to refuse a repeated enqueue stay bounded. Not fenced. */
  int64_t message_prune_before;
  int64_t message_prune_limit;
} weft_write_batch;
#define WEFT_WRITE_BATCH_SIZE_2_0 WEFT_SIZE_THROUGH(weft_write_batch, token_count)
#define WEFT_WRITE_BATCH_SIZE_2_1 WEFT_SIZE_THROUGH(weft_write_batch, message_prune_limit)

typedef struct weft_run_filter {
  size_t struct_size;
  weft_str workflow;        /* empty: any */
  int32_t status;           /* weft_run_status; 0: any */
  weft_str idempotency_key; /* empty: any */
  weft_str before_id;       /* paging cursor: runs older than this id; empty: newest */
  int32_t unfinished_only;  /* 1: runs whose status is not final only (created, queued, running, paused) */
  int32_t limit;            /* 0: no limit */
  /* Since 2.1: the children of this run only; empty: any. The host sets it
   * only for a store of 2.1 (whose vtable reaches list_audit). */
  weft_str parent_run_id;
} weft_run_filter;
#define WEFT_RUN_FILTER_SIZE_2_0 WEFT_SIZE_THROUGH(weft_run_filter, limit)
#define WEFT_RUN_FILTER_SIZE_2_1 WEFT_SIZE_THROUGH(weft_run_filter, parent_run_id)

/* Since 2.1. What find_cached looks for: the newest task of a run of
 * workflow (any version) that SUCCEEDED with this cache_key and ran (its
 * cached_from_run_id is empty), finished at or after not_before (ms since
 * the epoch). */
typedef struct weft_cache_lookup {
  size_t struct_size;
  weft_str workflow;
  weft_str cache_key;
  int64_t not_before;
} weft_cache_lookup;
#define WEFT_CACHE_LOOKUP_SIZE_2_1 WEFT_SIZE_THROUGH(weft_cache_lookup, not_before)

/* Visitors receive each record in turn; returning non-zero stops the walk. */
typedef int (*weft_workflow_visitor)(void* caller_ptr, const weft_workflow_record* record);
typedef int (*weft_run_visitor)(void* caller_ptr, const weft_run_record* record);
typedef int (*weft_task_visitor)(void* caller_ptr, const weft_task_record* record);
typedef int (*weft_token_visitor)(void* caller_ptr, const weft_token_record* record);
typedef int (*weft_attempt_visitor)(void* caller_ptr, const weft_attempt_record* record);
typedef int (*weft_schedule_state_visitor)(void* caller_ptr, const weft_schedule_state_record* record);
typedef int (*weft_audit_visitor)(void* caller_ptr, const weft_audit_record* record);
typedef int (*weft_message_visitor)(void* caller_ptr, const weft_message_record* record);
/* 2.1: the task find_cached found for lookups[lookup]. */
typedef int (*weft_cached_task_visitor)(void* caller_ptr, size_t lookup, const weft_task_record* record);
/* 2.1: a queue, and how many of its messages are in each state but DONE. */
typedef int (*weft_queue_visitor)(void* caller_ptr, weft_str queue, int64_t ready, int64_t taken, int64_t dead);
/* 2.1: claim_messages asks the host for the run a message is delivered to.
 * message is as it will be stored (TAKEN, deliveries counting this one,
 * run_id empty). The host sets *out_batch to a batch of that run and its
 * tasks, which stays valid until claim_messages returns; NULL leaves the
 * message READY and ends the claim. */
typedef void (*weft_message_delivery)(void* caller_ptr, const weft_message_record* message,
                                      const weft_write_batch** out_batch);
/* 2.1: claim_runs' flags, bits. */
#define WEFT_CLAIM_TAKE_OWN 1    /* also runs the claiming instance holds already */
#define WEFT_CLAIM_LAPSED_ONLY 2 /* only runs whose holder stopped renewing, none stored unheld */

/* 2.1: a run an instance holds, and the lease generation it holds it at. */
typedef int (*weft_lease_visitor)(void* caller_ptr, weft_str run_id, int64_t generation);
/* 2.1: an instance sharing the store: its last heartbeat (ms since the
 * epoch, by the store's clock), where its API listens, the runs it holds. */
typedef int (*weft_instance_visitor)(void* caller_ptr, weft_str instance, weft_str address, int64_t heartbeat_at,
                                     int64_t runs_held);

/*
 * Threading: every function may be called from any thread at the same time,
 * except write, which the host calls from one thread at a time. Reads see
 * only committed writes. Every 2.0 function is required.
 */
typedef struct weft_store_vtable {
  size_t struct_size;
  /* Opens (creating and migrating as needed) the store that config_json
   * describes, e.g. {"path":"/var/lib/weft/weft.db"} for sqlite. */
  weft_status (*open)(const weft_host_api* host, weft_str config_json, void** out_store, weft_error* err);
  void (*close)(void* store);
  /* The schema version the open store is at; -1 if it cannot tell. */
  int32_t (*schema_version)(void* store);
  weft_status (*write)(void* store, const weft_write_batch* batch, weft_error* err);
  /* version 0: the latest version, deleted or not (the caller checks
   * deleted); an explicit version is returned even if deleted, since runs
   * refer to it. WEFT_NOT_FOUND if there is none. */
  weft_status (*get_workflow)(void* store, weft_str name, int64_t version, weft_workflow_visitor visit,
                              void* caller_ptr, weft_error* err);
  /* The latest version of every workflow whose latest version is not
   * deleted, by name. Deleting a workflow is writing its latest version with
   * deleted = 1; applying it again adds a new version. */
  weft_status (*list_workflows)(void* store, weft_workflow_visitor visit, void* caller_ptr, weft_error* err);
  /* WEFT_NOT_FOUND if there is none. */
  weft_status (*get_run)(void* store, weft_str run_id, weft_run_visitor visit, void* caller_ptr, weft_error* err);
  /* Newest first (by created_at, then id). */
  weft_status (*list_runs)(void* store, const weft_run_filter* filter, weft_run_visitor visit, void* caller_ptr,
                           weft_error* err);
  /* By node, then index. */
  weft_status (*list_tasks)(void* store, weft_str run_id, weft_task_visitor visit, void* caller_ptr, weft_error* err);
  weft_status (*list_tokens)(void* store, weft_token_visitor visit, void* caller_ptr, weft_error* err);
  /* Since 2.1, required from a store of minor >= 1. The attempts of one run,
   * by node, then index, then attempt. */
  weft_status (*list_attempts)(void* store, weft_str run_id, weft_attempt_visitor visit, void* caller_ptr,
                               weft_error* err);
  /* Since 2.1, required from a store of minor >= 1. By workflow. */
  weft_status (*list_schedule_states)(void* store, weft_schedule_state_visitor visit, void* caller_ptr,
                                      weft_error* err);
  /* 2.1, optional (all four NULL, or absent: the store serves one instance).
   * Leases let several instances share the store: each unfinished run is
   * held by one instance until its lease's deadline, by the store's clock.
   * claim_runs and renew_leases are writes (one thread at a time, with
   * write); list_instances is a read.
   *
   * claim_runs takes up to max unfinished runs, oldest first, that no
   * instance holds: stored unheld, or whose lease deadline has passed; with
   * WEFT_CLAIM_TAKE_OWN in flags also those instance held already (its
   * restart), with WEFT_CLAIM_LAPSED_ONLY none stored unheld (a takeover
   * regardless of room). Each is held by instance
   * from then on, at its previous generation + 1, for lease_ms; visit gets
   * each. Two instances claiming at once never get the same run. */
  weft_status (*claim_runs)(void* store, weft_str instance, int64_t lease_ms, int32_t max, int32_t flags,
                            weft_lease_visitor visit, void* caller_ptr, weft_error* err);
  /* Heartbeat: records instance's heartbeat and address, and extends to
   * lease_ms from now the lease of every unfinished run instance holds;
   * visit gets each of them. */
  weft_status (*renew_leases)(void* store, weft_str instance, weft_str address, int64_t lease_ms,
                              weft_lease_visitor visit, void* caller_ptr, weft_error* err);
  /* Every instance that has sent a heartbeat, by id. */
  weft_status (*list_instances)(void* store, weft_instance_visitor visit, void* caller_ptr, weft_error* err);
  /* 2.1, optional with the three above (a shared store has all four). A
   * write. Holds run_id, stored with a final status, for instance so that
   * it can retry it: at its previous generation + 1 for lease_ms, which
   * *generation gets; the retry's writes are fenced by it. WEFT_CONFLICT if
   * the run is stored unfinished (under way, or retried already),
   * WEFT_NOT_FOUND if there is none. Two instances taking one run at once
   * both succeed, one after the other: the first's writes are refused. */
  weft_status (*claim_finished_run)(void* store, weft_str instance, weft_str run_id, int64_t lease_ms,
                                    int64_t* generation, weft_error* err);
  /* Since 2.1, required from a store whose vtable reaches it. Audit entries
   * newest first (by id descending): those whose id sorts before before_id
   * (empty: from the newest), at most limit (0: no limit). */
  weft_status (*list_audit)(void* store, weft_str before_id, int32_t limit, weft_audit_visitor visit, void* caller_ptr,
                            weft_error* err);
  /* 2.1, optional (all three NULL, or absent: the store keeps no queues).
   * claim_messages is a write. In one transaction it delivers up to
   * max_taken messages of queue, oldest first (by enqueued_at, then id),
   * less those TAKEN already, each to the run of the batch deliver gives for
   * it: writes that batch's runs and tasks (runs held by lease_owner at
   * generation 1 for lease_ms when it is not empty, as an inserting fenced
   * batch would), and stores the message TAKEN by the batch's first run.
   * Instances claiming from one queue at once never deliver a message twice
   * nor exceed max_taken together; visit gets each message delivered. */
  weft_status (*claim_messages)(void* store, weft_str queue, int32_t max_taken, weft_str lease_owner, int64_t lease_ms,
                                weft_message_delivery deliver, weft_message_visitor visit, void* caller_ptr,
                                weft_error* err);
  /* Every queue with a message in any state, by name. */
  weft_status (*list_queues)(void* store, weft_queue_visitor visit, void* caller_ptr, weft_error* err);
  /* The messages of queue in state, oldest first (by enqueued_at, then id):
   * those after after_id (empty: from the oldest), at most limit (0: all). */
  weft_status (*list_messages)(void* store, weft_str queue, int32_t state, weft_str after_id, int32_t limit,
                               weft_message_visitor visit, void* caller_ptr, weft_error* err);
  /* 2.1, optional (NULL, or absent: the store keeps no cache, and every
   * task of a node with a cache runs). A read. For each of the count
   * lookups, the task it looks for (see weft_cache_lookup), if there is
   * one: visit gets its index in lookups and the task; a lookup that finds
   * none is not visited. A SQL store indexes tasks by cache_key. */
  weft_status (*find_cached)(void* store, const weft_cache_lookup* const* lookups, size_t count,
                             weft_cached_task_visitor visit, void* caller_ptr, weft_error* err);
} weft_store_vtable;
#define WEFT_STORE_VTABLE_SIZE_2_0 WEFT_SIZE_THROUGH(weft_store_vtable, list_tokens)
#define WEFT_STORE_VTABLE_SIZE_2_1 WEFT_SIZE_THROUGH(weft_store_vtable, find_cached)

/* ------------------------------------------------------------------------ */
/* The plugin descriptor                                                    */
/* ------------------------------------------------------------------------ */

typedef enum weft_plugin_kind {
  WEFT_KIND_NODE = 1,     /* vtable is a weft_node_vtable */
  WEFT_KIND_EXECUTOR = 2, /* vtable is a weft_executor_vtable */
  WEFT_KIND_STORAGE = 3   /* vtable is a weft_store_vtable */
} weft_plugin_kind;

/* Static storage in the plugin, like everything the descriptor points to. */
typedef struct weft_factory {
  size_t struct_size;
  int32_t kind;            /* weft_plugin_kind */
  const char* type_name;   /* NUL-terminated, e.g. "command" */
  const char* schema_json; /* JSON Schema of params/config, NUL-terminated; may be NULL */
  const void* vtable;      /* by kind; starts with struct_size */
} weft_factory;
#define WEFT_FACTORY_SIZE_2_0 WEFT_SIZE_THROUGH(weft_factory, vtable)

/* The fields through abi_minor never move, in any major, so a host can read
 * the versions of any plugin before trusting the rest. */
typedef struct weft_plugin_descriptor {
  size_t struct_size;
  uint32_t abi_major;
  uint32_t abi_minor;
  const char* name;    /* NUL-terminated */
  const char* version; /* NUL-terminated, semantic version of the plugin */
  /* Optional (may be NULL): called once after the ABI check, before any
   * factory is used. A failure refuses the plugin. */
  weft_status (*init)(const weft_host_api* host, weft_error* err);
  const weft_factory* const* factories; /* factory_count pointers */
  size_t factory_count;
} weft_plugin_descriptor;
#define WEFT_PLUGIN_DESCRIPTOR_SIZE_2_0 WEFT_SIZE_THROUGH(weft_plugin_descriptor, factory_count)

/* Returns a descriptor with static storage duration. */
typedef const weft_plugin_descriptor* (*weft_plugin_entry_fn)(void);

#ifdef __cplusplus
}
#endif

#endif /* WEFT_ABI_H */
