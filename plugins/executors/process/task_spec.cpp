#include "task_spec.hpp"

#include <stdexcept>

namespace weft::process {

namespace {

using nlohmann::json;

[[noreturn]] void refuse(std::string_view field, std::string_view expected) {
  throw std::invalid_argument("the task spec's '" + std::string(field) + "' must be " + std::string(expected));
}

const json* find(const json& spec, const char* field) {
  const auto it = spec.find(field);
  return it == spec.end() || it->is_null() ? nullptr : &*it;
}

std::string text(const json& spec, const char* field) {
  const json* value = find(spec, field);
  if (value == nullptr || !value->is_string()) refuse(field, "a string");
  return value->get<std::string>();
}

std::optional<int64_t> optional_integer(const json& spec, const char* field) {
  const json* value = find(spec, field);
  if (value == nullptr) return std::nullopt;
  if (!value->is_number_integer()) refuse(field, "an integer");
  return value->get<int64_t>();
}

std::vector<std::string> parse_argv(const json& spec) {
  const json* argv = find(spec, "argv");
  if (argv == nullptr || !argv->is_array() || argv->empty()) refuse("argv", "a non-empty array of strings");
  std::vector<std::string> args;
  args.reserve(argv->size());
  for (const auto& arg : *argv) {
    if (!arg.is_string()) refuse("argv", "a non-empty array of strings");
    args.push_back(arg.get<std::string>());
  }
  return args;
}

std::vector<std::pair<std::string, std::string>> parse_env(const json& spec) {
  const json* env = find(spec, "env");
  if (env == nullptr) return {};
  if (!env->is_object()) refuse("env", "an object of strings");
  std::vector<std::pair<std::string, std::string>> vars;
  vars.reserve(env->size());
  for (const auto& [name, value] : env->items()) {
    if (name.empty() || name.find('=') != std::string::npos) {
      throw std::invalid_argument("the task spec's env has an invalid variable name '" + name + "'");
    }
    if (!value.is_string()) refuse("env/" + name, "a string");
    vars.emplace_back(name, value.get<std::string>());
  }
  return vars;
}

std::optional<uint64_t> parse_memory_mb(const json& spec) {
  const json* resources = find(spec, "resources");
  if (resources == nullptr) return std::nullopt;
  if (!resources->is_object()) refuse("resources", "an object");
  const json* memory = find(*resources, "memory_mb");
  if (memory == nullptr) return std::nullopt;
  if (!memory->is_number() || memory->get<double>() <= 0) refuse("resources/memory_mb", "a number > 0");
  return static_cast<uint64_t>(memory->get<double>());
}

}  // namespace

TaskSpec TaskSpec::parse(const json& spec) {
  if (!spec.is_object()) throw std::invalid_argument("the task spec must be a JSON object");
  TaskSpec task;
  task.task_key = text(spec, "task_key");
  task.run_id = text(spec, "run_id");
  task.node = text(spec, "node");
  task.index = optional_integer(spec, "index");
  if (task.index && *task.index < 0) task.index.reset();
  task.attempt = optional_integer(spec, "attempt").value_or(1);
  task.argv = parse_argv(spec);
  task.env = parse_env(spec);
  if (find(spec, "cwd") != nullptr) task.cwd = text(spec, "cwd");
  task.memory_mb = parse_memory_mb(spec);
  task.stdout_path = text(spec, "stdout_path");
  task.stderr_path = text(spec, "stderr_path");
  task.output_path = text(spec, "output_path");
  return task;
}

}  // namespace weft::process
