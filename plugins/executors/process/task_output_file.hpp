// The output file of a task ($WEFT_OUTPUT): read when the task has ended,
// and, for a task that runs as another user, handed to that user for the
// task's time.
#pragma once

#include <string>
#include <weft/sdk/task.hpp>

#include "task_identity.hpp"

namespace weft::process {

struct OutputFile {
  std::string json;   // raw: the daemon validates it
  std::string error;  // why it could not be read
};

// The file the task wrote its output to: no file, no output; over 16 MiB, a
// link, a FIFO or unreadable, no output and an error saying so.
OutputFile read_output_file(const std::string& path);

// Makes the output file's directory 0711 (the user passes through, lists
// nothing, creates nothing: it can write its output and read no other file
// there; also for directories of an older weftd, which were 0750) and the
// output file empty, 0600, the user's. Throws std::runtime_error naming the path.
void prepare_output_file(const sdk::TaskSpec& task, const TaskIdentity& identity);

// After the task: the output file is weftd's again, so that weftd can read
// it and a later task of the same user cannot. Returns why it could not be
// taken back; empty when it was.
[[nodiscard]] std::string reclaim_output_file(const std::string& path);

}  // namespace weft::process
