#include "workflow/trigger_rule.hpp"

#include <array>
#include <utility>

namespace weft::daemon {
namespace {

constexpr std::array<std::pair<std::string_view, TriggerRule>, 7> kRules = {{
    {"all_success", TriggerRule::all_success},
    {"all_done", TriggerRule::all_done},
    {"all_failed", TriggerRule::all_failed},
    {"one_success", TriggerRule::one_success},
    {"one_failed", TriggerRule::one_failed},
    {"none_failed", TriggerRule::none_failed},
    {"none_failed_min_one_success", TriggerRule::none_failed_min_one_success},
}};

TriggerDecision run() { return {}; }
TriggerDecision skipped(std::string why) { return {TriggerOutcome::skipped, std::move(why)}; }
TriggerDecision upstream_failed() { return {TriggerOutcome::upstream_failed, "a dependency did not succeed"}; }

}  // namespace

std::optional<TriggerRule> trigger_rule_named(std::string_view name) {
  for (const auto& [rule_name, rule] : kRules) {
    if (rule_name == name) return rule;
  }
  return std::nullopt;
}

std::string trigger_rule_names() {
  std::string names;
  for (const auto& [rule_name, rule] : kRules) names += (names.empty() ? "" : ", ") + std::string(rule_name);
  return names;
}

TriggerDecision decide_trigger(TriggerRule rule, const DependencyTally& deps) {
  if (deps.total == 0) return run();  // a node without dependencies: validation refuses a rule on it
  switch (rule) {
    case TriggerRule::all_success:
    case TriggerRule::none_failed_min_one_success:
      // A skipped dependency is passed over as long as another succeeded:
      // the join after a `when` branch runs.
      if (deps.failed > 0) return upstream_failed();
      if (deps.succeeded == 0) return skipped("every dependency was skipped");
      return run();
    case TriggerRule::none_failed: return deps.failed > 0 ? upstream_failed() : run();
    case TriggerRule::all_done: return run();
    case TriggerRule::all_failed:
      return deps.failed == deps.total ? run() : skipped("trigger_rule all_failed: a dependency did not fail");
    case TriggerRule::one_failed:
      return deps.failed > 0 ? run() : skipped("trigger_rule one_failed: no dependency failed");
    case TriggerRule::one_success:
      if (deps.succeeded > 0) return run();
      if (deps.failed > 0) return upstream_failed();
      return skipped("every dependency was skipped");
  }
  return run();
}

}  // namespace weft::daemon
