// Runs a scenario: builds the world at t=0, carries out its steps in virtual time (calls,
// waits, checks, faults), checks expectations, and produces the summary of SPEC §7.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "model/bugs/bugs.h"
#include "model/common.h"
#include "model/metrics_series.h"
#include "model/scenario/scenario.h"
#include "sim/trace.h"

namespace hsmsim::model {

struct RunSettings {
  std::optional<uint64_t> seed;        // overrides the scenario's
  std::optional<sim::Duration> until;  // overrides the scenario's
  std::vector<sim::TraceSink*> sinks;  // extra trace sinks (files, memory)
  // Key material, IVs and random bytes from the OS instead of seeded DRBGs: ciphertexts
  // differ from run to run, outcomes do not.
  bool real_entropy = false;
  // Set (by a Ctrl-C handler) to stop the run early; the outcome then covers what ran.
  const std::atomic<bool>* interrupt = nullptr;
  // Seeded bugs switched on for this run (a testing aid; empty in normal runs).
  BugSet bugs;
  // Bounds on what the run holds at once (scenario::Limits); past one, run_scenario throws
  // scenario::InputError. Tests lower them.
  std::size_t pending_events_limit = scenario::Limits::kPendingEvents;
  std::size_t requests_in_flight_limit = scenario::Limits::kRequestsInFlight;
};

struct RunOutcome {
  Json summary;  // summary.json
  std::string fingerprint;
  bool passed = true;  // every expectation and invariant held
  uint64_t events = 0;
  int64_t virtual_end_ns = 0;
  std::vector<MetricRow> metrics;  // metrics.csv rows
  bool interrupted = false;        // stopped early by RunSettings::interrupt
};

RunOutcome run_scenario(const scenario::Scenario& scenario, const RunSettings& settings);

// The console summary of a run (SPEC §7).
std::string console_summary(const RunOutcome& outcome);

// Model-level checks of a loaded scenario: action names, parameter names, exception names,
// `$name` references to earlier `as:` names. Throws scenario::InputError.
void check_scenario(const scenario::Scenario& scenario);

}  // namespace hsmsim::model
