// A small reference model of the documented rules of KMS custom key stores and CloudHSM
// (../shared/reference/kms-cloudhsm-facts.md, SPEC §4-§5), written apart from model/ and
// sharing no code with it, so that the fuzz campaign and the stateful property tests can
// compare the simulator's answers with an independent reading of the rules.
//
// The model answers one call at a time with what the documented rules make certain: `ok`
// (with a few response fields it is sure of), an exception name, or Unknown when the rules
// (or timing the model does not pin down) leave the outcome open. It never guesses: where two
// answers are possible it says Unknown and forgets what it can no longer know ("poisoning"
// the object), so a clean simulator never disagrees with it.
//
// Time is tracked as an interval [lo, hi] of virtual nanoseconds: control-plane steps take
// exactly `api_rtt` (1 ms), data-plane steps an unknown but bounded time. Every asynchronous
// transition (SPEC §4.4) is a pending change with a window [end_lo, end_hi]; it has certainly
// happened once lo >= end_hi and certainly not while hi < end_lo. A transition whose window
// straddles the present makes its object Unknown. Callers keep things certain by either
// issuing the next call at once or letting a "settle" time pass that exceeds every duration.
//
// Identifiers: the model uses the strings a scenario's `with:` holds — world names, `as:`
// names, or literals that name nothing (e.g. cks-doesnotexist). A world cluster's t=0 backup
// is named "backup-of:<cluster>".
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace hsmsim::refmodel {

using Json = nlohmann::ordered_json;

// --- the world at t=0 (SPEC §5 "The world at t=0") ------------------------------------------

struct UserSpec {
  std::string name;
  std::string role;  // "CO" | "CU"
  std::string password;
};

struct ClusterSpec {
  std::string name;
  std::vector<std::string> azs;
  std::string state = "ACTIVE";      // "ACTIVE" | "UNINITIALIZED"
  std::vector<std::string> hsm_azs;  // one entry per HSM
  std::vector<UserSpec> users;
  std::string trust_anchor;  // given explicitly so that calls can name it
};

struct StoreSpec {
  std::string name;
  std::string cluster;
  std::string password;
  bool connected = false;
};

struct KeySpec {
  std::string name;
  std::string store;
  std::optional<std::string> alias;
};

struct WorldSpec {
  std::vector<ClusterSpec> clusters;
  std::vector<StoreSpec> stores;
  std::vector<KeySpec> keys;
};

// --- predictions ------------------------------------------------------------------------------

struct Prediction {
  enum class Kind { Unknown, Ok, Error };
  Kind kind = Kind::Unknown;
  std::string error;             // Kind::Error: the exception name
  Json fields = Json::object();  // Kind::Ok: response fields (dotted paths) it is sure of

  static Prediction unknown() { return {}; }
  static Prediction ok(Json fields = Json::object()) { return {Kind::Ok, "", std::move(fields)}; }
  static Prediction fail(std::string error) {
    return {Kind::Error, std::move(error), Json::object()};
  }
  bool is_unknown() const { return kind == Kind::Unknown; }
  bool is_ok() const { return kind == Kind::Ok; }
  bool is_error(const std::string& name) const { return kind == Kind::Error && error == name; }
};

// Whether an `as:` name is bound after its step ran.
enum class Bound { Yes, No, Maybe };

struct State;  // the model's state, in ref_model_state.h

class RefModel {
 public:
  explicit RefModel(const WorldSpec& world);
  ~RefModel();
  RefModel(const RefModel&) = delete;
  RefModel& operator=(const RefModel&) = delete;

  // Virtual time passes before the next step (its `after:`).
  void advance(int64_t ns);

  // One call step: the action (AWS name, no prefix), its parameters (IDs as names, see
  // above), and its `as:` name. The prediction is made for the state before the call; the
  // model then applies what it knows of the call's effect.
  Prediction call(const std::string& action, const Json& params,
                  const std::optional<std::string>& as);

  // A fault step (parameters as in the scenario; `duration` as "30s", "4h"...). False when the
  // model cannot be sure the fault applies without error (the step would fail); the caller
  // must then not emit it. Nothing changes in that case.
  bool fault_applies(const std::string& kind, const Json& params);
  void fault(const std::string& kind, const Json& params);

  // `check` entries the model is sure of: "key_store X" -> {ConnectionState, ...},
  // "key X" -> {KeyState}, "cluster X" -> {State, active_hsms}, "orphans" -> {count}.
  Json observable();

  // What an `as:` name is bound to, as far as the model knows.
  Bound bound(const std::string& name) const;
  // For a DescribeBackups step bound as `name` with a cluster filter: the backup its
  // Backups[0] certainly is ("backup-of:<cluster>"), if the model is sure.
  std::optional<std::string> first_backup_of(const std::string& describe_name) const;

  // A virtual-time upper bound of now (ns), for callers that want to know how far a
  // program has run.
  int64_t now_hi() const;

 private:
  std::unique_ptr<State> s_;
};

// Constants the generator and the model agree on.
inline constexpr int64_t kNsPerSecond = 1'000'000'000;
inline constexpr int64_t kNsPerMinute = 60 * kNsPerSecond;
inline constexpr int64_t kNsPerHour = 60 * kNsPerMinute;
inline constexpr int64_t kNsPerDay = 24 * kNsPerHour;

}  // namespace hsmsim::refmodel
