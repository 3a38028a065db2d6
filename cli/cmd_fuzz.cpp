// `hsmsim fuzz`: a campaign of generated scenarios (campaign/campaign.h) with progress on
// stderr, the final report (runs, scenarios/s, findings, coverage) on stdout, findings written
// to --out as they are found, and Ctrl-C keeping what was written (exit 130).
#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <set>

#include "campaign/campaign.h"
#include "cli/commands.h"
#include "sim/time.h"

namespace hsmsim::cli {

// Shared with `run` (cmd_run.cpp): set by the SIGINT handler.
extern std::atomic<bool> g_interrupted;
extern "C" void on_sigint(int);

namespace {

constexpr std::size_t kDefaultRuns = 100;

void print_report(const campaign::CampaignReport& r, const campaign::CampaignOptions& o) {
  const double rate = r.wall_seconds > 0 ? static_cast<double>(r.runs) / r.wall_seconds : 0.0;
  std::cout << fmt::format("campaign    seed {}, {}{}, bug {}\n", o.seed,
                           o.faults ? "faults, " : "", fmt::format("max {} steps", o.max_steps),
                           o.bugs.any() ? o.bugs.names().front() : std::string("none"));
  std::cout << fmt::format("runs        {} in {:.1f} s ({:.0f} scenarios/s, {} jobs){}\n", r.runs,
                           r.wall_seconds, rate, o.jobs, r.interrupted ? ", interrupted" : "");
  std::cout << fmt::format("findings    {} ({} failing runs)\n", r.findings.size(), r.failed_runs);
  for (const campaign::Finding& f : r.findings) {
    std::cout << fmt::format("  run {} (seed {}), found after {:.1f} s: {}{}\n", f.run, f.seed,
                             f.found_after_seconds, f.failure.kind,
                             f.fails_without_bug ? " (fails without the bug too)" : "");
    std::cout << fmt::format("    {} commands shrunk to {} ({} candidates tried{})\n",
                             f.steps_before, f.steps_after, f.shrink.tests,
                             f.shrink.exhausted ? ", budget exhausted" : "");
    std::string message = f.failure.message;
    if (message.size() > 300) message = message.substr(0, 300) + "...";
    std::cout << "    " << message << "\n";
    if (!f.path.empty()) std::cout << "    " << f.path << "\n";
    if (!f.write_error.empty()) std::cout << "    not written: " << f.write_error << "\n";
  }
  std::cout << "coverage    (value: runs that reached it)\n";
  const auto documented = campaign::documented_coverage(o.faults);
  std::set<std::string> categories;
  for (const auto& [c, v] : documented)
    categories.insert(c);
  for (const auto& [c, v] : r.coverage.reached)
    categories.insert(c);
  for (const std::string& category : categories) {
    std::string line = "  " + category + ":";
    auto reached = r.coverage.reached.find(category);
    if (reached != r.coverage.reached.end()) {
      for (const auto& [value, runs] : reached->second)
        line += fmt::format(" {}={}", value, runs);
    }
    std::cout << line << "\n";
  }
  const std::vector<std::string> missing = campaign::missing_coverage(r.coverage, o.faults);
  if (missing.empty()) {
    std::cout << "  every documented state, error code"
              << (o.faults ? ", key state and fault" : " and key state") << " was reached\n";
  } else {
    std::cout << "  never reached:";
    for (const std::string& m : missing)
      std::cout << " " << m << ";";
    std::cout << "\n";
  }
}

}  // namespace

int fuzz_command(const FuzzOptions& options) {
  if (options.list_bugs) {
    print_bug_list(std::cout);
    return kOk;
  }
  campaign::CampaignOptions o;
  if (options.inject_bug) {
    if (!valid_bug_name(*options.inject_bug)) return kBadInput;
    o.bugs.add(*model::bug_named(*options.inject_bug));
  }
  if (options.time) {
    const std::optional<sim::Duration> d = sim::parse_duration(*options.time);
    if (!d || d->ns() <= 0) {
      std::cerr << "hsmsim fuzz: --time: expected a duration such as 60s or 5m, got '"
                << *options.time << "'\n";
      return kBadInput;
    }
    o.budget = std::chrono::milliseconds(std::max<int64_t>(1, d->ns() / 1'000'000));
  } else {
    o.runs = options.runs.value_or(kDefaultRuns);
  }
  o.seed = options.seed;
  o.jobs = options.jobs;
  o.faults = options.faults;
  o.max_steps = options.max_steps;
  o.out_dir = options.out_dir;
  if (o.out_dir) {
    std::error_code ec;
    std::filesystem::create_directories(*o.out_dir, ec);
    if (ec || !std::filesystem::is_directory(*o.out_dir)) {
      std::cerr << "hsmsim fuzz: --out: cannot create directory '" << *o.out_dir << "'\n";
      return kBadInput;
    }
  }
  o.interrupt = &g_interrupted;
  if (!options.quiet && isatty(STDERR_FILENO)) {
    o.progress = [](std::size_t runs, std::size_t findings, double seconds) {
      std::cerr << fmt::format("\rfuzz: {} runs, {:.0f} scenarios/s, {} findings, {:.0f} s   ",
                               runs, seconds > 0 ? static_cast<double>(runs) / seconds : 0.0,
                               findings, seconds)
                << std::flush;
    };
  }

  struct sigaction action {};
  action.sa_handler = on_sigint;
  sigemptyset(&action.sa_mask);
  struct sigaction previous {};
  sigaction(SIGINT, &action, &previous);
  const campaign::CampaignReport report = campaign::run_campaign(o);
  sigaction(SIGINT, &previous, nullptr);
  if (o.progress) std::cerr << "\n";

  if (options.json) {
    std::cout << campaign::report_json(report, o).dump(2) << "\n";
  } else {
    print_report(report, o);
  }
  if (report.interrupted) {
    std::cerr << "hsmsim fuzz: interrupted after " << report.runs << " complete runs; ";
    if (report.files_kept.empty()) {
      std::cerr << "no finding files were written\n";
    } else {
      std::cerr << "kept " << report.files_kept.size() << " finding file(s):";
      for (const std::string& f : report.files_kept)
        std::cerr << " " << f;
      std::cerr << "\n";
    }
    return kInterrupted;
  }
  if (!report.findings.empty()) return kFailed;
  if (options.require_coverage && !campaign::missing_coverage(report.coverage, o.faults).empty()) {
    std::cerr << "hsmsim fuzz: --require-coverage: some documented values were never reached\n";
    return kFailed;
  }
  return kOk;
}

}  // namespace hsmsim::cli
