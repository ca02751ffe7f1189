// Job arrays: elements of one for_each node that share their sbatch settings
// run as one `sbatch --array` job instead of one job each, which costs
// slurmctld one submission and one pending record for the lot.
//
// Element i of the for_each runs as array index i - base, where base is the
// smallest index of the array (Slurm wants every index below MaxArraySize).
// The array's script picks the element's commands by SLURM_ARRAY_TASK_ID and
// sends its stdout and stderr to the element's own files. The array job is
// named after the node's attempt and its base, so that a weftd that died
// before it stored an element's job id finds the element again.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "slurm_transport.hpp"

namespace weft::slurm {

// What must be equal for two element jobs to share an array: every sbatch
// option but the per-element ones (name, comment, output files, directory).
std::string array_settings_of(const JobRequest& job);

// One element: its array index and its own single-job request.
struct ArrayElement {
  int64_t array_index = 0;
  const JobRequest* job = nullptr;
};

// The array job running `elements` (all with the same array_settings_of),
// at most max_parallel at a time (0: no limit), named `name`.
JobRequest array_request(const std::vector<ArrayElement>& elements, int64_t max_parallel, const std::string& name);

// The name of the array of a node's attempt whose element 0 is for_each
// element `base`.
std::string array_job_name(const std::string& run_id, const std::string& node, int32_t attempt, int64_t base);
// The base of an array named by array_job_name for that node's attempt;
// absent for any other name.
std::optional<int64_t> array_base_of(std::string_view name, const std::string& run_id, const std::string& node,
                                     int32_t attempt);

// Whether Slurm's spelling of a set of array indices ("0-9,12,20-30:2%4",
// as squeue shows an array's pending remainder) holds index.
bool array_indices_contain(std::string_view indices, int64_t index);

// "<array job id>_<index>", an element's external id, and back.
std::string element_external_id(JobId array_job, int64_t array_index);
std::optional<std::pair<JobId, int64_t>> parse_element_external_id(std::string_view text);

}  // namespace weft::slurm
