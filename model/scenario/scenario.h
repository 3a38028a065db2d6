// The scenario file format, version 1 (SPEC §5), as typed structures.
//
// load_scenario() checks the structure: known keys (with "did you mean"), types, ranges and
// the limits of SPEC §5. What only the model can judge (action names, parameter names,
// exception names, references to world objects and `as:` bindings) is checked by
// model::check_scenario() afterwards; both raise InputError with file:line:col.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "model/scenario/value.h"
#include "sim/random.h"
#include "sim/time.h"

namespace hsmsim::scenario {

// --- world -------------------------------------------------------------------------------

struct UserSpec {
  std::string name;
  std::string role;  // "CO" | "CU"
  std::string password;
  SourceLoc loc;
};

struct ClusterSpec {
  std::string name;
  std::vector<std::string> azs;   // one subnet per AZ
  std::string state = "ACTIVE";   // "UNINITIALIZED" | "ACTIVE"
  std::vector<std::string> hsms;  // one entry per HSM: its AZ
  std::vector<UserSpec> users;
  std::optional<std::string> trust_anchor;  // PEM; generated when absent
  int backup_retention_days = 90;
  SourceLoc loc;
};

struct KeyStoreSpec {
  std::string name;
  std::string cluster;
  std::string password;
  std::string state = "DISCONNECTED";  // "DISCONNECTED" | "CONNECTED"
  SourceLoc loc;
};

struct KeySpec {
  std::string name;
  std::string key_store;
  std::optional<std::string> alias;
  std::optional<std::string> description;
  SourceLoc loc;
};

struct World {
  std::vector<ClusterSpec> clusters;
  std::vector<KeyStoreSpec> key_stores;
  std::vector<KeySpec> keys;
};

// --- steps -------------------------------------------------------------------------------

enum class StepKind { Call, Wait, Check, Fault };
const char* to_string(StepKind kind);

struct Expectation {
  enum class Kind { None, Ok, OkFields, Error, AnyError };
  Kind kind = Kind::None;
  std::string error;  // Kind::Error: the exception name
  Value fields;       // Kind::OkFields: mapping Field -> value or matcher
  SourceLoc loc;
};

struct CallStep {
  std::string service;  // "kms" | "cloudhsmv2" | "cli" | "" (unprefixed: resolved by the model)
  std::string action;   // AWS action name without prefix
  std::string written;  // as written in the file, e.g. "cli:Login"
  Value with;           // mapping of AWS parameter names (Null when absent)
  std::optional<std::string> principal;
};

struct WaitStep {
  Value condition;  // mapping: subject key (key_store/cluster/key/hsm/backup_of) + fields, or
                    // duration
  std::optional<sim::Duration> duration;  // `{duration: D}`
  sim::Duration timeout = sim::Duration::hours(1);
};

struct CheckStep {
  Value checks;  // mapping: "key_store X" / "key X" / "cluster X" / "hsm X" / "backup X" /
                 // "orphans" / "lost_keys" / "invariants" / "metrics" -> mapping of fields
};

struct FaultStep {
  std::string kind;  // hsm_failure | az_outage | network_partition | subnet_deleted | ...
  Value params;      // mapping
};

struct Step {
  int index = 0;  // 0-based position in `steps`
  StepKind kind = StepKind::Call;
  std::optional<sim::Time> at;
  sim::Duration after = sim::Duration::zero();
  std::optional<std::string> as;
  CallStep call;
  WaitStep wait;
  CheckStep check;
  FaultStep fault;
  Expectation expect;
  SourceLoc loc;
};

// --- workloads ---------------------------------------------------------------------------

struct Arrivals {
  enum class Kind { Poisson, Constant, Closed, Diurnal };
  Kind kind = Kind::Poisson;
  double rate_per_s = 0;                            // poisson, constant; diurnal mean
  uint64_t clients = 0;                             // closed
  sim::Distribution think;                          // closed
  double peak_to_trough = 1;                        // diurnal
  sim::Duration period = sim::Duration::hours(24);  // diurnal
};

struct Retry {
  int max_attempts = 1;  // 1 = no retry
  sim::Distribution backoff = sim::Distribution::exponential(sim::Duration::milliseconds(50));
};

struct WorkloadSpec {
  std::string name;
  sim::Duration start = sim::Duration::zero();
  std::optional<sim::Duration> stop;
  Arrivals arrivals;
  std::vector<std::string> keys;
  std::vector<std::pair<std::string, double>> mix;  // action -> weight, file order
  uint32_t plaintext_bytes = 1024;
  std::vector<std::pair<std::string, std::string>> encryption_context;
  Retry retry;
  SourceLoc loc;
};

// --- run configuration -------------------------------------------------------------------

struct Quotas {
  std::optional<uint32_t> custom_key_stores = 10;  // nullopt = unlimited (capped at 100)
  std::optional<double> key_store_rps = 1800;      // nullopt = unlimited
  std::optional<double> account_rps = 50000;       // nullopt = unlimited
};

enum class Routing { RoundRobin, Random, LeastOutstanding, SharedQueue };
const char* to_string(Routing routing);

struct HsmPerformance {
  sim::Distribution service_time = sim::Distribution::exponential(sim::Duration::milliseconds(2));
  std::vector<std::pair<std::string, sim::Distribution>> service_time_by_operation;
  uint32_t concurrency = 4;
  Routing routing = Routing::RoundRobin;
  std::optional<uint32_t> queue_limit;  // bounded HSM queue; overflow is an HSM busy error
};

struct Network {
  sim::Distribution rtt = sim::Distribution::constant(sim::Duration::milliseconds(1));
};

struct InvariantSelection {
  enum class Mode { All, Only, Except };
  Mode mode = Mode::All;
  std::vector<std::string> names;
  SourceLoc loc;
};

struct Outputs {
  std::optional<std::string> trace, perfetto, summary, metrics, plots;
  // Width of the metrics.csv rows; default: a 200th of the run, within [1s, 1h].
  std::optional<sim::Duration> metrics_interval;
};

struct Scenario {
  std::string file;
  int version = 1;
  std::string name;
  std::string description;
  uint64_t seed = 1;
  std::optional<sim::Duration> until;
  std::string region = "us-east-1";
  Quotas quotas;
  std::vector<std::pair<std::string, sim::Distribution>> timing;  // §4.4 keys, file order
  HsmPerformance hsm;
  Network network;
  World world;
  std::vector<Step> steps;
  std::vector<WorkloadSpec> workloads;
  InvariantSelection invariants;
  Outputs outputs;
};

// Limits of SPEC §5 (and the README).
struct Limits {
  static constexpr std::size_t kFileBytes = 4u << 20;
  static constexpr std::size_t kStringBytes = 64u << 10;
  static constexpr int kDepth = 64;
  static constexpr std::size_t kAliasNodes = 10'000;
  static constexpr std::size_t kClusters = 100;
  static constexpr std::size_t kHsmsPerCluster = 28;
  static constexpr std::size_t kUsersPerCluster = 1'024;
  static constexpr std::size_t kKeyStores = 100;
  static constexpr std::size_t kKeys = 1'000'000;
  static constexpr std::size_t kSteps = 100'000;
  static constexpr std::size_t kWorkloads = 1'000;
  static constexpr uint64_t kClients = 1'000'000;
  static constexpr double kRatePerS = 10'000'000;
  static constexpr int64_t kHorizonYears = 100;
  // Bounds on what a run holds at once, checked while it runs (a scenario that would exceed
  // them is bad input, exit 2): about 80 bytes per pending event and a few hundred bytes per
  // request in flight, so a run stays within ~2 GiB. Unbounded HSM queues under an overload
  // (no queue_limit, offered rate above capacity) are the usual way to reach them.
  static constexpr std::size_t kPendingEvents = 16'000'000;
  static constexpr std::size_t kRequestsInFlight = 2'000'000;
};

// Parses YAML text into a Value tree (locations kept, limits enforced). Throws InputError.
Value parse_yaml(std::string_view text, const std::string& file);
// Reads and parses a whole scenario. Throws InputError (file:line:col, field, expectation).
Scenario load_scenario_file(const std::string& path);
Scenario load_scenario_text(std::string_view text, const std::string& file);

// Parses a duration or distribution value (SPEC §3 forms). Throws InputError.
sim::Duration parse_duration_value(const Value& v, std::string_view field);
sim::Distribution parse_distribution_value(const Value& v, std::string_view field);

// The JSON Schema (draft 2020-12) of the format, as shipped in scenarios/scenario.schema.json.
const std::string& scenario_json_schema();

// "did you mean" helper: the closest candidate within a small edit distance, or "".
std::string closest_match(std::string_view word, const std::vector<std::string>& candidates);

// The vocabulary of the format, in the order the documentation lists it. Shared with the
// JSON Schema test, the model (timing keys, invariant names) and the fuzzer (fault kinds).
const std::vector<std::string>& top_level_keys();
const std::vector<std::string>& timing_keys();  // SPEC §4.4
const std::vector<std::string>& step_keys();
const std::vector<std::string>& fault_kinds();
const std::vector<std::string>& invariant_names();   // SPEC §6
const std::vector<std::string>& workload_actions();  // keys of a workload's `mix`
const std::vector<std::string>& matcher_keys();      // length, min, max, one_of, present

// True for a mapping that is a matcher ({length: N}, {min: x}, {max: y}, {min: x, max: y},
// {one_of: [..]}, {present: b}) rather than a nested mapping of fields to match exactly.
// The loader has already checked every matcher's shape.
bool is_matcher(const Value& v);

}  // namespace hsmsim::scenario
