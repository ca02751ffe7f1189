#include "job_array.hpp"

#include <charconv>

#include "batch_script.hpp"
#include "cli_transport.hpp"

namespace weft::slurm {

namespace {

constexpr std::string_view kArrayNameMark = "/array-from-";

std::optional<int64_t> whole_number(std::string_view text) {
  int64_t number = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (error != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return number;
}

// "0-3,5,7-9": consecutive indices as ranges.
std::string index_ranges(const std::vector<ArrayElement>& elements) {
  std::string ranges;
  size_t i = 0;
  while (i < elements.size()) {
    size_t last = i;
    while (last + 1 < elements.size() && elements[last + 1].array_index == elements[last].array_index + 1) ++last;
    if (!ranges.empty()) ranges += ",";
    ranges += std::to_string(elements[i].array_index);
    if (last > i) ranges += "-" + std::to_string(elements[last].array_index);
    i = last + 1;
  }
  return ranges;
}

}  // namespace

std::string array_settings_of(const JobRequest& job) {
  JobRequest shared = job;
  shared.name.clear();
  shared.comment.clear();
  shared.stdout_path.clear();
  shared.stderr_path.clear();
  shared.working_dir.clear();
  std::string settings;
  for (const auto& arg : sbatch_arguments(shared)) settings += arg + '\n';
  return settings;
}

JobRequest array_request(const std::vector<ArrayElement>& elements, int64_t max_parallel, const std::string& name) {
  const JobRequest& first = *elements.front().job;
  JobRequest array = first;
  array.name = name;
  array.comment = "weft array " + name;
  // Each element writes its own files (below); Slurm's are not read.
  array.stdout_path = "/dev/null";
  array.stderr_path = "/dev/null";
  array.array = index_ranges(elements);
  if (max_parallel > 0) array.array += "%" + std::to_string(max_parallel);
  array.script = "#!/bin/sh\n# weft array " + name + "\ncase \"$SLURM_ARRAY_TASK_ID\" in\n";
  for (const ArrayElement& element : elements) {
    const JobRequest& job = *element.job;
    // The element's own script, from its second line on (the first is #!).
    const std::string body = job.script.substr(job.script.find('\n') + 1);
    array.script += std::to_string(element.array_index) + ")\nexec >" + shell_quoted(job.stdout_path) + " 2>" +
                    shell_quoted(job.stderr_path) + "\ncd " + shell_quoted(job.working_dir) + " || exit 1\n" + body +
                    ";;\n";
  }
  array.script += "*) echo \"weft: array " + name + " has no element $SLURM_ARRAY_TASK_ID\" >&2\nexit 1\n;;\nesac\n";
  return array;
}

std::string array_job_name(const std::string& run_id, const std::string& node, int32_t attempt, int64_t base) {
  return run_id + "/" + node + std::string(kArrayNameMark) + std::to_string(base) + "/" + std::to_string(attempt);
}

std::optional<int64_t> array_base_of(std::string_view name, const std::string& run_id, const std::string& node,
                                     int32_t attempt) {
  const std::string prefix = run_id + "/" + node + std::string(kArrayNameMark);
  const std::string suffix = "/" + std::to_string(attempt);
  if (name.size() <= prefix.size() + suffix.size() || !name.starts_with(prefix) || !name.ends_with(suffix)) {
    return std::nullopt;
  }
  return whole_number(name.substr(prefix.size(), name.size() - prefix.size() - suffix.size()));
}

bool array_indices_contain(std::string_view indices, int64_t index) {
  indices = indices.substr(0, indices.find('%'));
  if (indices.starts_with('[') && indices.ends_with(']')) indices = indices.substr(1, indices.size() - 2);
  while (!indices.empty()) {
    const size_t comma = indices.find(',');
    std::string_view part = indices.substr(0, comma);
    indices = comma == std::string_view::npos ? std::string_view() : indices.substr(comma + 1);
    int64_t step = 1;
    if (const size_t colon = part.find(':'); colon != std::string_view::npos) {
      step = whole_number(part.substr(colon + 1)).value_or(0);
      part = part.substr(0, colon);
    }
    const size_t dash = part.find('-');
    const auto low = whole_number(part.substr(0, dash));
    const auto high = dash == std::string_view::npos ? low : whole_number(part.substr(dash + 1));
    if (!low || !high || step < 1) continue;  // not Slurm's spelling: holds nothing we know of
    if (index >= *low && index <= *high && (index - *low) % step == 0) return true;
  }
  return false;
}

std::string element_external_id(JobId array_job, int64_t array_index) {
  return std::to_string(array_job) + "_" + std::to_string(array_index);
}

std::optional<std::pair<JobId, int64_t>> parse_element_external_id(std::string_view text) {
  const size_t underscore = text.find('_');
  if (underscore == std::string_view::npos) return std::nullopt;
  const auto job = whole_number(text.substr(0, underscore));
  const auto index = whole_number(text.substr(underscore + 1));
  if (!job || !index || *job <= 0 || *index < 0) return std::nullopt;
  return std::make_pair(*job, *index);
}

}  // namespace weft::slurm
