// Model-level checks of a scenario, after the loader has checked its structure: every call
// names a known action with known parameters, every expected exception exists, and every
// `$name` refers to a name bound by an earlier step.
#include <set>

#include "model/api_catalog.h"
#include "model/runner/runner.h"

namespace hsmsim::model {
namespace {

using scenario::InputError;
using scenario::Value;

void check_references(const Value& v, const std::set<std::string>& bound) {
  if (v.is_scalar() && !v.scalar.empty() && v.scalar[0] == '$') {
    const std::size_t stop = v.scalar.find_first_of(".[", 1);
    const std::string name =
        v.scalar.substr(1, stop == std::string::npos ? std::string::npos : stop - 1);
    if (!bound.count(name)) {
      throw InputError(v.loc, "'$" + name + "' is not bound by an earlier step's 'as:'");
    }
  }
  for (const Value& item : v.items)
    check_references(item, bound);
  for (const auto& [key, item] : v.entries)
    check_references(item, bound);
}

void check_call(const scenario::Step& step) {
  const ActionInfo* action = find_action(step.call.service, step.call.action);
  if (!action) {
    std::string message = "unknown action '" + step.call.written + "'";
    const std::string suggestion = scenario::closest_match(step.call.written, action_names());
    if (!suggestion.empty()) message += " (did you mean '" + suggestion + "'?)";
    throw InputError(step.loc, message);
  }
  const std::vector<std::string> params(action->params.begin(), action->params.end());
  for (std::size_t i = 0; i < step.call.with.entries.size(); ++i) {
    const std::string& param = step.call.with.entries[i].first;
    if (std::find(params.begin(), params.end(), param) != params.end()) continue;
    std::string message = "unknown parameter '" + param + "' of " + std::string(action->service) +
                          ":" + std::string(action->name);
    const std::string suggestion = scenario::closest_match(param, params);
    if (!suggestion.empty()) message += " (did you mean '" + suggestion + "'?)";
    const scenario::SourceLoc& loc =
        i < step.call.with.key_locs.size() ? step.call.with.key_locs[i] : step.call.with.loc;
    throw InputError(loc, message);
  }
  const scenario::Expectation& e = step.expect;
  if (e.kind == scenario::Expectation::Kind::Error && !is_known_exception(e.error)) {
    std::string message = "unknown exception '" + e.error + "'";
    const std::string suggestion = scenario::closest_match(e.error, known_exception_names());
    if (!suggestion.empty()) message += " (did you mean '" + suggestion + "'?)";
    throw InputError(e.loc, message);
  }
}

}  // namespace

void check_scenario(const scenario::Scenario& scenario) {
  std::set<std::string> bound;
  for (const scenario::Step& step : scenario.steps) {
    if (step.kind == scenario::StepKind::Call) {
      check_call(step);
      check_references(step.call.with, bound);
      check_references(step.expect.fields, bound);
    }
    if (step.kind == scenario::StepKind::Wait) check_references(step.wait.condition, bound);
    if (step.kind == scenario::StepKind::Check) check_references(step.check.checks, bound);
    if (step.kind == scenario::StepKind::Fault) check_references(step.fault.params, bound);
    if (step.as) bound.insert(*step.as);
  }
  // Workloads: their keys are world keys or `as:` names, and each one ends.
  std::set<std::string> keys(bound);
  for (const scenario::KeySpec& k : scenario.world.keys)
    keys.insert(k.name);
  for (const scenario::WorkloadSpec& w : scenario.workloads) {
    for (const std::string& key : w.keys) {
      if (!keys.count(key) && key.rfind("alias/", 0) != 0) {
        throw InputError(w.loc, "workload '" + w.name + "': key '" + key +
                                    "' is neither a world key nor bound by a step's 'as:'");
      }
    }
    if (!w.stop && !scenario.until && scenario.steps.empty()) {
      throw InputError(w.loc, "workload '" + w.name +
                                  "' never ends: give it a 'stop' or the scenario an 'until'");
    }
  }
}

}  // namespace hsmsim::model
