// The rules of the reference model, one function per action, over refmodel::State. Private
// to refmodel/: RefModel (ref_model.cpp) forwards to it.
#pragma once

#include <optional>
#include <string>

#include "refmodel/state.h"

namespace hsmsim::refmodel {

// Three-valued answers: the rules may leave a fact open.
enum class Tri { No, Yes, Maybe };

class Rules {
 public:
  explicit Rules(State& s) : s_(s) {}

  // --- time ----------------------------------------------------------------------------------
  // Applies every pending change that has certainly happened by s_.lo, and records the ones
  // that may have happened by `hi` (they make their objects uncertain for this step).
  void resolve(int64_t hi);
  bool in_flux(const std::string& name) const { return flux_.count(name) > 0; }

  // --- calls -----------------------------------------------------------------------------------
  Prediction call(const std::string& action, const Json& p, const std::optional<std::string>& as);
  void poison_everything_named_in(const Json& p);

  // --- faults ----------------------------------------------------------------------------------
  bool fault_applies(const std::string& kind, const Json& p) const;
  void fault(const std::string& kind, const Json& p);

  Json observable() const;

  // Exposed for ref_model.cpp.
  void schedule(PendingKind kind, const std::string& target, std::size_t index, int64_t dmin,
                int64_t dmax);

 private:
  // KMS: custom key stores (kms_stores.cpp)
  Prediction CreateCustomKeyStore(const Json& p, const std::optional<std::string>& as);
  Prediction DescribeCustomKeyStores(const Json& p);
  Prediction ConnectCustomKeyStore(const Json& p);
  Prediction DisconnectCustomKeyStore(const Json& p);
  Prediction UpdateCustomKeyStore(const Json& p);
  Prediction DeleteCustomKeyStore(const Json& p);
  void finish_connect(Store& st, bool outcome_unknown, const Window& when);
  std::optional<std::string> connect_failure(Store& st, const Window& when, bool& unknown);

  // KMS: keys (kms_keys.cpp)
  Prediction CreateKey(const Json& p, const std::optional<std::string>& as);
  Prediction key_admin(const std::string& action, const Json& p);
  Prediction ScheduleKeyDeletion(const Json& p);
  Prediction CancelKeyDeletion(const Json& p);
  Prediction alias_call(const std::string& action, const Json& p);
  void delete_key_now(Key& k);

  // KMS: crypto (kms_crypto.cpp)
  Prediction crypto(const std::string& action, const Json& p, const std::optional<std::string>& as);
  std::optional<Prediction> key_usable(const Key& k, const std::string& action);
  std::optional<Prediction> cluster_serves(const std::string& cluster, const std::string& key,
                                           const char* unreachable);
  std::optional<Prediction> internal_error_now(const char* exception);
  std::optional<Prediction> partition_now(const std::string& cluster, const char* exception);
  Prediction GenerateRandom(const Json& p);

  // CloudHSM and its command-line tools (cloudhsm_rules.cpp)
  Prediction CreateCluster(const Json& p, const std::optional<std::string>& as);
  Prediction InitializeCluster(const Json& p);
  Prediction DeleteCluster(const Json& p);
  Prediction ModifyCluster(const Json& p);
  Prediction CreateHsm(const Json& p, const std::optional<std::string>& as);
  Prediction DeleteHsm(const Json& p);
  Prediction DescribeBackups(const Json& p, const std::optional<std::string>& as);
  Prediction backup_call(const std::string& action, const Json& p);
  Prediction cli(const std::string& action, const Json& p);
  void hsm_created(Cluster& c, std::size_t index, bool outcome_unknown);

 public:
  // --- lookups (rules_common.cpp) -------------------------------------------------------------
  Bound bound(const std::string& name) const;
  // Tri::Yes with the object, Tri::No when it does not exist, Tri::Maybe when unsure.
  Tri cluster(const std::string& name, Cluster*& out);  // not DELETED
  Tri store(const std::string& name, Store*& out);
  Tri key(const std::string& ref, Key*& out);  // key name or alias; not deleted
  // What a call predicts when its lookup came out `found`: `missing` when the object does not
  // exist, unknown when it may not; nullopt when it exists (the call goes on).
  static std::optional<Prediction> unless_found(Tri found, std::string missing);
  // HSM facts of a cluster, or nullopt when the model does not know them now.
  std::optional<std::size_t> active_hsms(const Cluster& c) const;
  std::optional<bool> two_hsms_in_distinct_azs(const Cluster& c) const;
  bool hsms_certain(const Cluster& c) const;
  bool data_certain(const Cluster& c) const;
  bool shares_history(const Cluster& a, const Cluster& b) const { return a.lineage == b.lineage; }
  void poison_cluster(Cluster& c);
  void poison_store(Store& st);
  void bind(const std::optional<std::string>& as, Bound b);
  std::string fresh_secret();
  // A call changes cluster `name` now: a connect that may end at this very moment then has
  // an open outcome.
  void touch_cluster(const std::string& name);
  // The length of the ID a scenario value stands for, when bound ("" when not known).
  std::optional<std::size_t> id_length(const std::string& value, std::size_t bound_length) const;
  // Whether a timed fault (last one set wins) holds during `when`: Yes, No or Maybe.
  Tri timed_fault_active(const std::vector<TimedFault>& faults, const Window& when,
                         double* probability) const;

 private:
  State& s_;
  std::set<std::string> flux_;
  bool orphans_in_flux_ = false;
};

// Parameter helpers.
std::optional<std::string> str_param(const Json& p, const char* name);
std::optional<int64_t> int_param(const Json& p, const char* name, bool& malformed);

inline constexpr const char* kValidation = "ValidationException";
inline constexpr int64_t kApiRttNs = 1'000'000;  // SPEC §4.4 api_rtt

}  // namespace hsmsim::refmodel
