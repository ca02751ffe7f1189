// One squeue listing, looked up the ways the executor's tasks need: a
// plain job by id or by name (the task key), an array element by its array
// and index (its own record, or the pending remainder that still holds it),
// and the array of a node's attempt that holds a for_each element.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "slurm_transport.hpp"

namespace weft::slurm {

class JobListing {
 public:
  // Borrows jobs, which must outlive it.
  explicit JobListing(const std::vector<JobRecord>& jobs);

  const JobRecord* plain(JobId id) const;
  // The newest plain job of that name.
  const JobRecord* named(const std::string& name) const;
  // The element's own record, or else that of the pending remainder holding it.
  const JobRecord* element(JobId array, int64_t index) const;
  // The array of a node's attempt (named by array_job_name) that holds
  // for_each element `index`: its job id and the element's array index.
  std::optional<std::pair<JobId, int64_t>> array_holding(const std::string& run_id, const std::string& node,
                                                         int32_t attempt, int64_t index) const;

 private:
  std::unordered_map<JobId, const JobRecord*> by_id_;
  std::unordered_map<std::string_view, const JobRecord*> by_name_;
  std::map<std::pair<JobId, int64_t>, const JobRecord*> elements_;
  std::vector<const JobRecord*> remainders_;
  std::vector<const JobRecord*> arrays_;
};

}  // namespace weft::slurm
