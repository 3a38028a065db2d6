#include "campaign/campaign.h"

#include <fmt/format.h>

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "model/kms/types.h"
#include "model/output_file.h"
#include "model/runner/runner.h"
#include "model/scenario/scenario.h"
#include "sim/trace.h"

namespace hsmsim::campaign {
namespace {

namespace fs = std::filesystem;
using model::Json;

constexpr const char* kConnectionStates = "connection_states";
constexpr const char* kErrorCodes = "connection_error_codes";
constexpr const char* kExceptions = "exceptions";
constexpr const char* kKeyStates = "key_states";
constexpr const char* kFaultKinds = "fault_kinds";
constexpr sim::Duration kFuzzMetricsInterval = sim::Duration::days(1);

uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

// Collects, for one run, which documented values its trace reached (each value once per run).
class CoverageSink final : public sim::TraceSink {
 public:
  explicit CoverageSink(Coverage& into) : into_(into) {}

  void write(const sim::TraceRecord& r, std::string_view) override {
    note(r.fields, "ConnectionState", kConnectionStates);
    note(r.fields, "ConnectionErrorCode", kErrorCodes);
    note(r.fields, "KeyState", kKeyStates);
    // ScheduleKeyDeletion's record names the window, not the state it puts the key in.
    if (r.event == "deletion_scheduled") add(kKeyStates, "PendingDeletion");
    if (r.actor != "runner") return;
    if (r.event == "answer") {
      auto it = r.fields.find("outcome");
      if (it != r.fields.end() && it->is_string() && *it != "ok") add(kExceptions, *it);
    } else if (r.event == "fault") {
      auto it = r.fields.find("kind");
      if (it != r.fields.end() && it->is_string()) add(kFaultKinds, *it);
    }
  }

  void add(const char* category, const std::string& value) { into_.reached[category][value] = 1; }

 private:
  void note(const Json& fields, const char* field, const char* category) {
    auto it = fields.find(field);
    if (it != fields.end() && it->is_string()) add(category, *it);
  }

  Coverage& into_;
};

// The final state reaches key states the trace does not name (Unavailable while disconnected).
void cover_final_state(const Json& summary, CoverageSink& sink) {
  auto state = summary.find("final_state");
  if (state == summary.end() || !state->is_object()) return;
  auto each = [&](const char* objects, const char* field, const char* category) {
    auto it = state->find(objects);
    if (it == state->end() || !it->is_object()) return;
    for (const Json& object : *it) {
      auto value = object.find(field);
      if (value == object.end() || !value->is_string() || *value == "deleted") continue;
      sink.add(category, value->get<std::string>());
    }
  };
  each("keys", "KeyState", kKeyStates);
  each("key_stores", "ConnectionState", kConnectionStates);
}

// The first reason a finished run did not pass; nullopt when it passed.
std::optional<Failure> failure_of(const model::RunOutcome& outcome) {
  if (outcome.passed) return std::nullopt;
  const Json& s = outcome.summary;
  const Json* violations = nullptr;
  if (auto inv = s.find("invariants"); inv != s.end()) {
    if (auto v = inv->find("violations"); v != inv->end() && v->is_array()) violations = &*v;
  }
  if (violations && !violations->empty()) {
    const Json& v = (*violations)[0];
    return Failure{"invariant " + v.value("invariant", std::string("?")),
                   v.value("message", std::string())};
  }
  auto steps = s.find("steps");
  for (const Json& step : steps != s.end() ? *steps : Json::array()) {
    if (step.value("passed", true)) continue;
    const std::string name = step.value("name", std::string("?"));
    return Failure{"expectation on " + name,
                   fmt::format("step {} ({}): {}", step.value("index", 0), name,
                               step.value("message", std::string()))};
  }
  return Failure{"run failed", "the run did not pass (a workload or the horizon)"};
}

std::string one_line(std::string text) {
  for (char& c : text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  constexpr std::size_t kMax = 400;
  if (text.size() > kMax) text = text.substr(0, kMax) + "...";
  return text;
}

std::string bug_text(const model::BugSet& bugs) {
  const std::vector<std::string> names = bugs.names();
  if (names.empty()) return "none";
  std::string out;
  for (const std::string& n : names)
    out += (out.empty() ? "" : ",") + n;
  return out;
}

}  // namespace

uint64_t run_seed(uint64_t campaign_seed, std::size_t index) {
  // 48 bits keep the seed a plain integer in every scenario file and summary.
  return splitmix64(splitmix64(campaign_seed) ^ static_cast<uint64_t>(index)) &
         ((uint64_t{1} << 48) - 1);
}

void Coverage::merge(const Coverage& other) {
  for (const auto& [category, values] : other.reached) {
    for (const auto& [value, runs] : values)
      reached[category][value] += runs;
  }
}

std::map<std::string, std::vector<std::string>> documented_coverage(bool faults) {
  using namespace model;
  std::map<std::string, std::vector<std::string>> out;
  for (ConnectionState s :
       {ConnectionState::DISCONNECTED, ConnectionState::CONNECTING, ConnectionState::CONNECTED,
        ConnectionState::DISCONNECTING, ConnectionState::FAILED}) {
    out[kConnectionStates].emplace_back(to_string(s));
  }
  using E = ConnectionErrorCode;
  for (E e : {E::INVALID_CREDENTIALS, E::CLUSTER_NOT_FOUND, E::NETWORK_ERRORS, E::INTERNAL_ERROR,
              E::INSUFFICIENT_CLOUDHSM_HSMS, E::USER_LOCKED_OUT, E::USER_NOT_FOUND,
              E::USER_LOGGED_IN, E::SUBNET_NOT_FOUND, E::INSUFFICIENT_FREE_ADDRESSES_IN_SUBNET}) {
    out[kErrorCodes].emplace_back(to_string(e));
  }
  for (KeyState k :
       {KeyState::Enabled, KeyState::Disabled, KeyState::PendingDeletion, KeyState::Unavailable}) {
    out[kKeyStates].emplace_back(to_string(k));
  }
  // Exceptions are reported, not required: which ones a program can provoke depends on the
  // generator's actions, and the API models list many per operation.
  if (faults) out[kFaultKinds] = scenario::fault_kinds();
  return out;
}

std::vector<std::string> missing_coverage(const Coverage& c, bool faults) {
  std::vector<std::string> missing;
  for (const auto& [category, values] : documented_coverage(faults)) {
    auto reached = c.reached.find(category);
    for (const std::string& v : values) {
      if (reached == c.reached.end() || !reached->second.count(v)) {
        missing.push_back(category + ": " + v);
      }
    }
  }
  return missing;
}

RunResult run_program(const Program& program, const RenderOptions& render, model::BugSet bugs,
                      const std::atomic<bool>* interrupt, bool want_coverage) {
  RunResult result;
  result.steps = program.size();
  CoverageSink sink(result.coverage);
  try {
    const std::string yaml = to_scenario_yaml(program, render);
    scenario::Scenario s = scenario::load_scenario_text(yaml, render.name + ".yaml");
    model::check_scenario(s);
    // Nobody reads a fuzz run's metrics.csv, and its default row width (a minute without
    // `until`) costs millions of rows over the months a program can wait; outcomes and the
    // invariants do not depend on it.
    if (!s.outputs.metrics_interval) s.outputs.metrics_interval = kFuzzMetricsInterval;
    model::RunSettings settings;
    settings.bugs = bugs;
    settings.interrupt = interrupt;
    if (want_coverage) settings.sinks.push_back(&sink);
    const model::RunOutcome outcome = model::run_scenario(s, settings);
    result.interrupted = outcome.interrupted;
    if (outcome.interrupted) return result;
    if (want_coverage) cover_final_state(outcome.summary, sink);
    result.failure = failure_of(outcome);
  } catch (const scenario::InputError& e) {
    // The generator wrote a scenario the loader refuses: a finding about the generator.
    result.failure = Failure{"bad scenario", e.what()};
  } catch (const std::exception& e) {
    result.failure = Failure{"internal error", e.what()};
  }
  return result;
}

std::string finding_file_name(std::size_t index) {
  return fmt::format("finding-{:03}.yaml", index);
}

namespace {

// One campaign in flight: the shared state of its workers.
class Campaign {
 public:
  explicit Campaign(const CampaignOptions& o)
      : options_(o), start_(std::chrono::steady_clock::now()) {}

  CampaignReport run() {
    std::vector<std::thread> workers;
    const unsigned jobs = std::max(1u, options_.jobs);
    for (unsigned j = 0; j < jobs; ++j)
      workers.emplace_back([this] { work(); });
    while (workers_finished_.load() < jobs) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      if (options_.progress && ++ticks_ % 5 == 0) {
        options_.progress(done_.load(), finding_count(), seconds());
      }
    }
    for (std::thread& t : workers)
      t.join();
    return report();
  }

 private:
  bool interrupted() const {
    return options_.interrupt && options_.interrupt->load(std::memory_order_relaxed);
  }
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }
  std::size_t finding_count() {
    std::lock_guard lock(mutex_);
    return best_.size();
  }

  // Takes the next run index, or nullopt when the campaign is over.
  std::optional<std::size_t> next_run() {
    if (interrupted()) return std::nullopt;
    if (options_.budget && std::chrono::steady_clock::now() - start_ >= *options_.budget) {
      return std::nullopt;
    }
    const std::size_t i = next_.fetch_add(1);
    if (options_.runs && i >= *options_.runs) return std::nullopt;
    return i;
  }

  void work() {
    while (const std::optional<std::size_t> i = next_run()) {
      if (!one_run(*i)) break;
    }
    ++workers_finished_;
  }

  // False when the run was interrupted.
  bool one_run(std::size_t index) {
    const uint64_t seed = run_seed(options_.seed, index);
    const Program program = generate(GenOptions{seed, options_.faults, options_.max_steps});
    const RenderOptions render = render_options(index, seed, "");
    RunResult r = run_program(program, render, options_.bugs, options_.interrupt, true);
    if (r.interrupted) {
      mark_incomplete(index);
      return false;
    }
    {
      std::lock_guard lock(mutex_);
      coverage_.merge(r.coverage);
      if (r.failure) failed_.emplace(index, r.failure->kind);
    }
    if (r.failure && !known_below(r.failure->kind, index)) {
      shrink_and_keep(index, seed, program, *r.failure);
    }
    ++done_;
    return true;
  }

  RenderOptions render_options(std::size_t index, uint64_t seed, const std::string& comment) const {
    RenderOptions render;
    render.name = fmt::format("fuzz-{}-run-{}", options_.seed, index);
    render.seed = seed;
    render.comment = comment;
    return render;
  }

  // Whether a run below `index` already has a finding of this kind (then this one is not
  // shrunk: the report keeps the lowest run of each kind).
  bool known_below(const std::string& kind, std::size_t index) {
    std::lock_guard lock(mutex_);
    auto it = best_.find(kind);
    return it != best_.end() && it->second.run < index;
  }

  void shrink_and_keep(std::size_t index, uint64_t seed, const Program& program,
                       const Failure& failure) {
    const RenderOptions plain = render_options(index, seed, "");
    Finding f;
    // A program that fails without the seeded bug too found something else than the bug (a
    // difference between the simulator and the reference model): it is shrunk as such.
    f.fails_without_bug = options_.bugs.any() &&
                          run_program(program, plain, {}, options_.interrupt).failure.has_value();
    const bool needs_clean_pass = options_.bugs.any() && !f.fails_without_bug;
    // A candidate must fail the same way and, with a seeded bug, pass without it: the finding
    // then replays as `hsmsim run --inject-bug NAME` → 1 and `hsmsim run` → 0.
    auto still_fails = [&](const Program& candidate) {
      const RunResult r = run_program(candidate, plain, options_.bugs, options_.interrupt);
      if (r.interrupted || !r.failure || r.failure->kind != failure.kind) return false;
      if (!needs_clean_pass) return true;
      const RunResult clean = run_program(candidate, plain, {}, options_.interrupt);
      return !clean.interrupted && !clean.failure;
    };
    f.run = index;
    f.seed = seed;
    f.steps_before = program.size();
    Program small = program;
    if (still_fails(program)) {
      small = shrink_program(program, still_fails, options_.shrink, &f.shrink);
    }
    f.steps_after = small.size();
    const RunResult again = run_program(small, plain, options_.bugs, options_.interrupt);
    f.failure = again.failure.value_or(failure);
    const std::string comment = one_line(fmt::format(
        "hsmsim fuzz finding: campaign seed {}, run {} (seed {}), bug {}{}; {} commands shrunk "
        "to {}; failed: {}: {}",
        options_.seed, index, seed, bug_text(options_.bugs),
        f.fails_without_bug ? " (fails without it too)" : "", f.steps_before, f.steps_after,
        f.failure.kind, f.failure.message));
    f.yaml = to_scenario_yaml(small, render_options(index, seed, comment));
    f.found_after_seconds = seconds();
    if (options_.out_dir) {
      // On a worker thread: a failed write is reported with the finding, not thrown.
      const fs::path path = fs::path(*options_.out_dir) / finding_file_name(index);
      try {
        model::write_atomically(path, f.yaml);
        f.path = path.string();
      } catch (const std::exception& e) {
        f.write_error = e.what();
      }
    }
    std::lock_guard lock(mutex_);
    if (!f.path.empty()) written_.push_back(f.path);
    auto it = best_.find(failure.kind);
    if (it == best_.end() || index < it->second.run) best_[failure.kind] = std::move(f);
  }

  void mark_incomplete(std::size_t index) {
    std::lock_guard lock(mutex_);
    incomplete_ = std::min(incomplete_, index);
  }

  CampaignReport report() {
    std::lock_guard lock(mutex_);
    CampaignReport r;
    r.interrupted = interrupted();
    r.wall_seconds = seconds();
    // The completed runs are [0, n): every run handed out finished unless interrupted.
    const std::size_t handed_out =
        options_.runs ? std::min<std::size_t>(next_.load(), *options_.runs) : next_.load();
    r.runs = std::min(handed_out, incomplete_);
    for (const auto& [index, kind] : failed_) {
      if (index < r.runs) ++r.failed_runs;
    }
    for (auto& [kind, f] : best_) {
      if (f.run < r.runs || r.interrupted) r.findings.push_back(f);
    }
    std::sort(r.findings.begin(), r.findings.end(),
              [](const Finding& a, const Finding& b) { return a.run < b.run; });
    r.coverage = coverage_;
    // A file of a run that a lower run of the same kind superseded goes, so the files on disk
    // are the report's findings whatever the thread timing; an interrupted campaign keeps all.
    for (const std::string& path : written_) {
      const bool reported = std::any_of(r.findings.begin(), r.findings.end(),
                                        [&](const Finding& f) { return f.path == path; });
      if (reported || r.interrupted) {
        r.files_kept.push_back(path);
      } else {
        std::error_code ec;
        fs::remove(path, ec);
      }
    }
    std::sort(r.files_kept.begin(), r.files_kept.end());
    return r;
  }

  const CampaignOptions& options_;
  const std::chrono::steady_clock::time_point start_;
  std::atomic<std::size_t> next_{0};
  std::atomic<std::size_t> done_{0};
  std::atomic<unsigned> workers_finished_{0};
  std::size_t ticks_ = 0;

  std::mutex mutex_;  // guards everything below
  Coverage coverage_;
  std::map<std::size_t, std::string> failed_;  // run index -> kind of failure
  std::map<std::string, Finding> best_;        // kind -> finding of the lowest run so far
  std::vector<std::string> written_;
  std::size_t incomplete_ = SIZE_MAX;  // lowest interrupted run
};

}  // namespace

CampaignReport run_campaign(const CampaignOptions& options) {
  if (!options.runs && !options.budget) {
    throw std::invalid_argument("run_campaign needs a number of runs or a time budget");
  }
  Campaign campaign(options);
  return campaign.run();
}

Json report_json(const CampaignReport& r, const CampaignOptions& o) {
  Json findings = Json::array();
  for (const Finding& f : r.findings) {
    findings.push_back(Json{{"run", f.run},
                            {"seed", f.seed},
                            {"kind", f.failure.kind},
                            {"message", f.failure.message},
                            {"steps_before", f.steps_before},
                            {"steps_after", f.steps_after},
                            {"shrink_tests", f.shrink.tests},
                            {"found_after_seconds", f.found_after_seconds},
                            {"fails_without_bug", f.fails_without_bug},
                            {"file", f.path}});
  }
  Json coverage = Json::object();
  for (const auto& [category, values] : r.coverage.reached) {
    for (const auto& [value, runs] : values)
      coverage[category][value] = runs;
  }
  return Json{{"seed", o.seed},
              {"bugs", o.bugs.names()},
              {"faults", o.faults},
              {"runs", r.runs},
              {"failed_runs", r.failed_runs},
              {"wall_seconds", r.wall_seconds},
              {"scenarios_per_second", r.wall_seconds > 0 ? r.runs / r.wall_seconds : 0.0},
              {"interrupted", r.interrupted},
              {"findings", findings},
              {"coverage", coverage},
              {"coverage_missing", missing_coverage(r.coverage, o.faults)},
              {"files_kept", r.files_kept}};
}

}  // namespace hsmsim::campaign
