#include "job_listing.hpp"

#include "job_array.hpp"

namespace weft::slurm {

namespace {

template <class Map, class Key>
const JobRecord* find(const Map& map, const Key& key) {
  const auto it = map.find(key);
  return it == map.end() ? nullptr : it->second;
}

}  // namespace

JobListing::JobListing(const std::vector<JobRecord>& jobs) {
  for (const auto& job : jobs) {
    if (job.array_job_id == 0) {
      by_id_[job.id] = &job;
      // The newest job of a name wins: ids grow.
      auto& named = by_name_[job.name];
      if (named == nullptr || named->id < job.id) named = &job;
      continue;
    }
    arrays_.push_back(&job);
    if (job.array_task_id >= 0) {
      elements_[{job.array_job_id, job.array_task_id}] = &job;
    } else {
      remainders_.push_back(&job);
    }
  }
}

const JobRecord* JobListing::plain(JobId id) const { return find(by_id_, id); }

const JobRecord* JobListing::named(const std::string& name) const { return find(by_name_, std::string_view(name)); }

const JobRecord* JobListing::element(JobId array, int64_t index) const {
  if (const JobRecord* own = find(elements_, std::make_pair(array, index))) return own;
  for (const JobRecord* remainder : remainders_) {
    if (remainder->array_job_id == array && array_indices_contain(remainder->array_pending, index)) return remainder;
  }
  return nullptr;
}

std::optional<std::pair<JobId, int64_t>> JobListing::array_holding(const std::string& run_id, const std::string& node,
                                                                   int32_t attempt, int64_t index) const {
  for (const JobRecord* job : arrays_) {
    const auto base = array_base_of(job->name, run_id, node, attempt);
    if (!base || *base > index) continue;
    if (element(job->array_job_id, index - *base) != nullptr) return std::make_pair(job->array_job_id, index - *base);
  }
  return std::nullopt;
}

}  // namespace weft::slurm
