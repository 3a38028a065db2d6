// `hsmsim run`: load and check a scenario, run it in virtual time, print the console summary
// and write the outputs it names (atomically: temporary file, then rename).
#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "analysis/plots.h"
#include "cli/commands.h"
#include "model/output_file.h"
#include "model/runner/runner.h"
#include "model/scenario/scenario.h"

namespace hsmsim::cli {
namespace fs = std::filesystem;

// Ctrl-C: the run stops at the next check of this flag and writes what it has.
std::atomic<bool> g_interrupted{false};

extern "C" void on_sigint(int) {
  g_interrupted.store(true, std::memory_order_relaxed);
}

int run_command(const RunOptions& options) {
  if (options.list_bugs) {
    print_bug_list(std::cout);
    return kOk;
  }
  if (options.scenario.empty()) {
    std::cerr << "hsmsim run: a SCENARIO file is required\nRun with --help for more information.\n";
    return kBadInput;
  }
  scenario::Scenario s;
  model::RunSettings settings;
  if (options.inject_bug) {
    if (!valid_bug_name(*options.inject_bug)) return kBadInput;
    settings.bugs.add(*model::bug_named(*options.inject_bug));
  }
  try {
    s = scenario::load_scenario_file(options.scenario);
    model::check_scenario(s);
    if (options.until) {
      settings.until = sim::parse_duration(*options.until);
      if (!settings.until) {
        std::cerr << "hsmsim: --until: expected a duration such as 2h, got '" << *options.until
                  << "'\n";
        return kBadInput;
      }
    }
  } catch (const scenario::InputError& e) {
    std::cerr << e.what() << "\n";
    return kBadInput;
  }
  settings.seed = options.seed;
  settings.real_entropy = options.real_entropy;

  // Trace files go under --out, with the names the scenario gives them.
  std::vector<std::unique_ptr<sim::TraceSink>> sinks;
  if (options.out_dir) {
    const fs::path out(*options.out_dir);
    fs::create_directories(out);
    if (s.outputs.trace) sinks.push_back(sim::make_jsonl_sink((out / *s.outputs.trace).string()));
    if (s.outputs.perfetto) {
      sinks.push_back(sim::make_perfetto_sink((out / *s.outputs.perfetto).string()));
    }
  }
  for (auto& sink : sinks)
    settings.sinks.push_back(sink.get());

  settings.interrupt = &g_interrupted;
  struct sigaction action {};
  action.sa_handler = on_sigint;
  sigemptyset(&action.sa_mask);
  struct sigaction previous {};
  sigaction(SIGINT, &action, &previous);
  model::RunOutcome outcome;
  try {
    outcome = model::run_scenario(s, settings);
  } catch (const scenario::InputError& e) {
    // The run outgrew a limit of scenario::Limits: nothing has been written.
    sigaction(SIGINT, &previous, nullptr);
    std::cerr << e.what() << "\n";
    return kBadInput;
  }
  sigaction(SIGINT, &previous, nullptr);
  const std::string summary = outcome.summary.dump(2) + "\n";
  if (options.out_dir) {
    const fs::path out(*options.out_dir);
    model::write_atomically(out / s.outputs.summary.value_or("summary.json"), summary);
  }
  if (options.out_dir) {
    const fs::path out(*options.out_dir);
    if (s.outputs.metrics) {
      model::write_atomically(out / *s.outputs.metrics, model::metrics_csv(outcome.metrics));
    }
    if (s.outputs.plots) {
      const analysis::PlotResult plots =
          analysis::write_plots(outcome.metrics, (out / *s.outputs.plots).string(), s.name);
      if (!plots.note.empty()) std::cerr << "hsmsim: plots: " << plots.note << "\n";
    }
  }
  if (options.summary) {
    if (*options.summary == "-")
      std::cout << summary;
    else
      model::write_atomically(*options.summary, summary);
  }
  if (!options.quiet && options.summary.value_or("") != "-") {
    std::cout << model::console_summary(outcome);
  }
  if (outcome.interrupted) {
    std::vector<std::string> kept;
    if (options.out_dir) {
      for (const auto& name :
           {s.outputs.trace, s.outputs.perfetto, s.outputs.metrics, s.outputs.plots,
            std::optional<std::string>(s.outputs.summary.value_or("summary.json"))}) {
        if (name) kept.push_back((fs::path(*options.out_dir) / *name).string());
      }
    }
    if (options.summary && *options.summary != "-") kept.push_back(*options.summary);
    std::cerr << "hsmsim: interrupted at virtual time "
              << sim::format_duration_human(sim::Duration::nanoseconds(outcome.virtual_end_ns))
              << " after " << outcome.events << " events; ";
    if (kept.empty()) {
      std::cerr << "no output files were asked for\n";
    } else {
      std::cerr << "kept the run so far (marked \"interrupted\" in the summary):";
      for (const std::string& k : kept)
        std::cerr << " " << k;
      std::cerr << "\n";
    }
    return kInterrupted;
  }
  return outcome.passed ? kOk : kFailed;
}

}  // namespace hsmsim::cli
