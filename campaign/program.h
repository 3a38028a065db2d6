// Generated programs for property tests and fuzz campaigns (SPEC §9): a random world at t=0
// and a list of commands (calls with valid and invalid arguments, faults, advances of virtual
// time), rendered as a scenario whose `expect`s and `check`s are the reference model's answers
// (refmodel/). A clean simulator passes every rendered program; a difference is a finding.
//
// Each command is one scenario step, so a program shrinks command by command (`without`) and
// a shrunk reproducer stays short. Objects are named by `as:` names; a reference to an object
// whose creating command was dropped (or certainly failed) renders as an ID that names
// nothing, and the reference model then predicts NotFound-style answers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "refmodel/ref_model.h"

namespace hsmsim::campaign {

using Json = refmodel::Json;

struct GenOptions {
  uint64_t seed = 1;
  bool faults = false;  // include fault steps (hsm_failure, az_outage, network_partition, ...)
  int max_steps = 40;   // upper bound on commands
};

// What a reference names, so that a dangling one renders as an ID of the right shape.
enum class ObjKind { Cluster, Store, Key, Hsm, Blob };

// A parameter value: a literal (YAML value; strings that are world names stand for those
// objects), a reference to an object by name, or the first backup listed by an earlier
// DescribeBackups step.
struct Arg {
  enum class Kind { Literal, Ref, FirstBackupOf };
  Kind kind = Kind::Literal;
  Json literal;      // Kind::Literal
  std::string name;  // Kind::Ref: the object's name; FirstBackupOf: the describe step's
  ObjKind obj = ObjKind::Key;

  static Arg lit(Json v) { return Arg{Kind::Literal, std::move(v), "", ObjKind::Key}; }
  static Arg ref(std::string n, ObjKind k) { return Arg{Kind::Ref, nullptr, std::move(n), k}; }
  static Arg first_backup_of(std::string describe) {
    return Arg{Kind::FirstBackupOf, nullptr, std::move(describe), ObjKind::Key};
  }
};

struct Command {
  enum class Kind { Call, Fault };
  Kind kind = Kind::Call;
  std::string action;  // as written in a scenario: "CreateKey", "cli:Login"
  std::vector<std::pair<std::string, Arg>> params;
  std::optional<std::string> as;
  std::string fault;                   // Kind::Fault: the fault kind
  Json fault_params = Json::object();  // Kind::Fault: names world objects only
  int64_t after_ns = 0;                // virtual time before the step (its `after:`)
};

struct Program {  // a random world at t=0 + a command list
  refmodel::WorldSpec world;
  std::vector<Command> commands;
  std::size_t size() const { return commands.size(); }  // the shrinkable units
};

Program generate(const GenOptions& options);  // deterministic in options.seed
// Drops commands [begin, end); the rest stays renderable.
Program without(const Program& p, std::size_t begin, std::size_t end);

struct RenderOptions {
  std::string name = "fuzz";
  uint64_t seed = 1;              // the scenario's seed
  std::string comment;            // lines put at the top as '# ' comments
  bool check_every_step = false;  // a `check` of the reference model's observable state after
                                  // every command (stateful tests); otherwise one final check
};

// YAML scenario text (SPEC §5) whose `expect`s and `check`s are the reference model's answers.
std::string to_scenario_yaml(const Program& p, const RenderOptions& options);

// --- also used by the tests ----------------------------------------------------------------

// How many commands of a rendered program got an expectation (the rest are Unknown).
struct RenderStats {
  std::size_t calls = 0;
  std::size_t expectations = 0;
  std::size_t faults_kept = 0;
  std::size_t faults_dropped = 0;  // rendered as a no-op: the model could not vouch for them
};
std::string to_scenario_yaml(const Program& p, const RenderOptions& options, RenderStats& stats);

// Durations the generator uses between commands.
inline constexpr int64_t kSettleNs = 6 * refmodel::kNsPerHour;      // > every async duration
inline constexpr int64_t kLongSettleNs = 32 * refmodel::kNsPerDay;  // > 30-day window + 24 h

}  // namespace hsmsim::campaign
