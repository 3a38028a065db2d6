// The subcommands of the hsmsim executable. Each returns the process exit code (SPEC §8):
// 0 all expectations and invariants hold, 1 an expectation or invariant failed,
// 2 bad input or usage, 3 internal error.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace hsmsim::cli {

// kInterrupted: Ctrl-C stopped the command (128 + SIGINT, as shells report it).
enum ExitCode : int { kOk = 0, kFailed = 1, kBadInput = 2, kInternal = 3, kInterrupted = 130 };

struct RunOptions {
  std::string scenario;
  std::optional<uint64_t> seed;
  std::optional<std::string> until;
  std::optional<std::string> out_dir;
  std::optional<std::string> summary;  // FILE or "-"
  bool quiet = false;
  bool real_entropy = false;              // key material and IVs from the OS, not the seed
  std::optional<std::string> inject_bug;  // a seeded bug (testing aid)
  bool list_bugs = false;
};
int run_command(const RunOptions& options);

// Seeded bugs (--inject-bug, --list-bugs; model/bugs/bugs.h): prints the catalog as a table.
void print_bug_list(std::ostream& out);
// Checks a --inject-bug NAME; an unknown name is reported on stderr (with "did you mean").
bool valid_bug_name(const std::string& name);

struct FuzzOptions {
  std::optional<uint64_t> runs;
  std::optional<std::string> time;  // a duration of wall-clock time: 60s, 5m
  uint64_t seed = 1;
  unsigned jobs = 1;
  std::optional<std::string> out_dir;
  bool faults = false;
  int max_steps = 40;
  std::optional<std::string> inject_bug;
  bool require_coverage = false;
  bool quiet = false;
  bool json = false;
  bool list_bugs = false;
};
int fuzz_command(const FuzzOptions& options);

int validate_command(const std::vector<std::string>& files);
int schema_command();

struct BenchOptions {
  std::string which;  // scheduler | crypto | e2e
  bool json = false;
  std::vector<std::size_t> pending;  // scheduler: pending sizes (default 1e3, 1e5, 1e6)
  std::optional<uint64_t> events;    // scheduler: events per size
  bool print_scenario = false;       // e2e: print the 1 KiB run's scenario, run nothing
};
int bench_command(const BenchOptions& options);

}  // namespace hsmsim::cli
