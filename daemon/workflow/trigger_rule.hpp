// A node's trigger_rule: what its dependencies' final states make of it
// (docs/workflows.md, "Trigger rules"). weft decides a node once every
// dependency is final, under every rule, so that the outcome never depends on
// which dependency happened to finish first.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace weft::daemon {

enum class TriggerRule {
  all_success,  // the default
  all_done,
  all_failed,
  one_success,
  one_failed,
  none_failed,
  none_failed_min_one_success,
};

// The rule named `name` as documents write it; nullopt for any other name.
std::optional<TriggerRule> trigger_rule_named(std::string_view name);
// The names, for messages: "all_success, all_done, ...".
std::string trigger_rule_names();

// A node's dependencies once all are final. `failed` counts those failed,
// cancelled or upstream-failed; the rest of `total` were skipped.
struct DependencyTally {
  int total = 0;
  int succeeded = 0;
  int failed = 0;
  int skipped() const { return total - succeeded - failed; }
};

enum class TriggerOutcome { run, skipped, upstream_failed };

struct TriggerDecision {
  TriggerOutcome outcome = TriggerOutcome::run;
  std::string reason;  // why the node does not run; empty when it runs
};

// The node runs (its `when` is tested next), is skipped, or is upstream-failed.
TriggerDecision decide_trigger(TriggerRule rule, const DependencyTally& dependencies);

}  // namespace weft::daemon
