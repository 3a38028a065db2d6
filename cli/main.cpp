// hsmsim: a deterministic discrete-event simulator of AWS KMS custom key stores and the
// CloudHSM clusters behind them. This file only parses the command line (CLI11) and hands
// each subcommand to its own file.
#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>

#include "cli/commands.h"

int main(int argc, char** argv) {
  using namespace hsmsim::cli;
  CLI::App app{"hsmsim: deterministic simulator of AWS KMS custom key stores and CloudHSM"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "hsmsim 0.1.0");

  RunOptions run;
  auto* run_cmd = app.add_subcommand("run", "Run a scenario in virtual time");
  // Required unless --list-bugs (checked in run_command).
  run_cmd->add_option("scenario", run.scenario, "Scenario YAML file");
  run_cmd->add_option("--seed", run.seed, "Override the scenario's seed");
  run_cmd->add_option("--until", run.until, "Override the virtual-time horizon (e.g. 2h)");
  run_cmd->add_option("--out", run.out_dir, "Directory for the outputs the scenario names");
  run_cmd->add_option("--summary", run.summary, "Write summary.json to FILE, or - for stdout");
  run_cmd->add_flag("--quiet", run.quiet, "Print nothing but errors");
  run_cmd->add_flag("--real-entropy", run.real_entropy,
                    "Draw key material, IVs and random bytes from the operating system instead of "
                    "the seed: ciphertexts differ from run to run, outcomes do not");
  run_cmd->add_option("--inject-bug", run.inject_bug,
                      "Testing aid: switch off one enforcement of the model (see --list-bugs)");
  run_cmd->add_flag("--list-bugs", run.list_bugs, "List the seeded bugs and exit");

  FuzzOptions fuzz;
  auto* fuzz_cmd = app.add_subcommand(
      "fuzz", "Random worlds, calls and faults against every invariant and the reference model");
  auto* runs_opt = fuzz_cmd->add_option("--runs", fuzz.runs, "Number of scenarios to run");
  fuzz_cmd->add_option("--time", fuzz.time, "Wall-clock budget instead of --runs (e.g. 60s)")
      ->excludes(runs_opt);
  fuzz_cmd->add_option("--seed", fuzz.seed, "Campaign seed (default 1)");
  fuzz_cmd->add_option("--jobs", fuzz.jobs, "Worker threads (default 1)")
      ->check(CLI::Range(1u, 256u));
  fuzz_cmd->add_option("--out", fuzz.out_dir, "Directory for findings (finding-NNN.yaml)");
  fuzz_cmd->add_flag("--faults", fuzz.faults, "Also generate faults");
  fuzz_cmd->add_option("--max-steps", fuzz.max_steps, "Commands per generated scenario")
      ->check(CLI::Range(1, 1000));
  fuzz_cmd->add_option("--inject-bug", fuzz.inject_bug,
                       "Testing aid: switch off one enforcement of the model (see --list-bugs)");
  fuzz_cmd->add_flag("--require-coverage", fuzz.require_coverage,
                     "Exit 1 if a documented state, error code or fault was never reached");
  fuzz_cmd->add_flag("--quiet", fuzz.quiet, "No progress; only the final report");
  fuzz_cmd->add_flag("--json", fuzz.json, "Print the final report as JSON");
  fuzz_cmd->add_flag("--list-bugs", fuzz.list_bugs, "List the seeded bugs and exit");

  std::vector<std::string> validate_files;
  auto* validate_cmd = app.add_subcommand("validate", "Check scenario files without running");
  validate_cmd->add_option("files", validate_files, "Scenario YAML files")->required();

  auto* schema_cmd = app.add_subcommand("schema", "Print the scenario JSON Schema");

  BenchOptions bench;
  auto* bench_cmd = app.add_subcommand("bench", "Benchmarks: scheduler | crypto | e2e");
  bench_cmd->add_option("which", bench.which, "scheduler | crypto | e2e")
      ->required()
      ->check(CLI::IsMember({"scheduler", "crypto", "e2e"}));
  bench_cmd->add_flag("--json", bench.json, "Print results as JSON");
  bench_cmd->add_option("--pending", bench.pending, "scheduler: pending event counts");
  bench_cmd->add_option("--events", bench.events, "scheduler: events per measurement");
  bench_cmd->add_flag("--print-scenario", bench.print_scenario,
                      "e2e: print the scenario of one 1 KiB run (for `hsmsim run`) instead");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kOk : kBadInput;
  }

  try {
    if (*run_cmd) return run_command(run);
    if (*fuzz_cmd) return fuzz_command(fuzz);
    if (*validate_cmd) return validate_command(validate_files);
    if (*schema_cmd) return schema_command();
    if (*bench_cmd) return bench_command(bench);
  } catch (const std::exception& e) {
    std::cerr << "hsmsim: internal error: " << e.what() << "\n";
    return kInternal;
  }
  return kBadInput;
}
