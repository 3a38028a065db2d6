// The fuzz campaign driver behind `hsmsim fuzz` (SPEC §9): generated programs (campaign/
// program.h) rendered as scenarios whose expectations are the reference model's answers, run
// with every invariant on (and, as a testing aid, a seeded bug), failures shrunk and written
// as replayable scenario files, and a coverage report of what the runs reached.
//
// Determinism: run i is generated from run_seed(campaign seed, i), whatever thread runs it, and
// a campaign's result is the set of runs [0, n) it completed (no run is cut short except by an
// interrupt, and interrupted runs are dropped), reported in run-index order. So the findings
// and the coverage are the same for any --jobs; with --time only n depends on the machine.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "campaign/program.h"
#include "campaign/shrink.h"
#include "model/bugs/bugs.h"
#include "model/common.h"

namespace hsmsim::campaign {

// The seed of run `index` of a campaign (SplitMix64 over the pair).
uint64_t run_seed(uint64_t campaign_seed, std::size_t index);

// What was reached, by category ("connection_states", "connection_error_codes", "exceptions",
// "key_states", "fault_kinds"): each value with the number of runs that reached it.
struct Coverage {
  std::map<std::string, std::map<std::string, std::size_t>> reached;
  void merge(const Coverage& other);
};

// The documented values of each category that --require-coverage asks for (from the model's
// enums and the scenario format's fault kinds; fault kinds only with faults).
std::map<std::string, std::vector<std::string>> documented_coverage(bool faults);
// The documented values never reached, "category: value".
std::vector<std::string> missing_coverage(const Coverage& c, bool faults);

// How a run failed; two failures are "the same kind" when their kinds are equal.
struct Failure {
  std::string kind;     // "invariant two_hsm_creation", "expectation on CreateKey", "bad scenario"
  std::string message;  // the first violation or failed step, explained
};

struct RunResult {
  bool interrupted = false;
  std::optional<Failure> failure;
  std::size_t steps = 0;
  Coverage coverage;
};

// Runs one rendered program: load, model checks, run with every invariant on.
RunResult run_program(const Program& program, const RenderOptions& render, model::BugSet bugs,
                      const std::atomic<bool>* interrupt = nullptr, bool want_coverage = false);

struct Finding {
  std::size_t run = 0;
  uint64_t seed = 0;  // the run's generator (and scenario) seed
  Failure failure;
  std::size_t steps_before = 0;  // commands of the generated program
  std::size_t steps_after = 0;   // after shrinking
  ShrinkStats shrink;
  std::string yaml;                // the shrunk scenario
  std::string path;                // where it was written ("" without --out)
  std::string write_error;         // why it could not be written to --out
  double found_after_seconds = 0;  // wall time from the campaign's start to the finding
  // With a seeded bug: the program fails without it too (so it is not the bug's finding).
  bool fails_without_bug = false;
};

struct CampaignOptions {
  std::optional<std::size_t> runs;                  // a number of runs, or
  std::optional<std::chrono::milliseconds> budget;  // a wall-clock budget (--time)
  uint64_t seed = 1;
  unsigned jobs = 1;
  bool faults = false;
  int max_steps = 40;
  model::BugSet bugs;
  std::optional<std::string> out_dir;  // findings written here as they are found
  ShrinkLimits shrink;
  const std::atomic<bool>* interrupt = nullptr;  // Ctrl-C
  // Called on the calling thread about every 250 ms (progress display).
  std::function<void(std::size_t runs_done, std::size_t findings, double seconds)> progress;
};

struct CampaignReport {
  std::size_t runs = 0;         // completed runs [0, runs)
  std::size_t failed_runs = 0;  // runs that failed (each kind is reported once, below)
  double wall_seconds = 0;
  std::vector<Finding> findings;  // one per kind of failure, the lowest run first
  Coverage coverage;
  bool interrupted = false;
  std::vector<std::string> files_kept;  // finding files on disk at the end
};

CampaignReport run_campaign(const CampaignOptions& options);

// The file name of the finding of run `index`: finding-NNN.yaml.
std::string finding_file_name(std::size_t index);

model::Json report_json(const CampaignReport& report, const CampaignOptions& options);

}  // namespace hsmsim::campaign
