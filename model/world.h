// The simulated world of one run: the CloudHSM service and KMS in one Region, built from a
// scenario's `world` at t=0, with a dispatcher from action names to their handlers.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "crypto/random_source.h"
#include "model/api_catalog.h"
#include "model/bugs/bugs.h"
#include "model/cloudhsm/cloudhsm.h"
#include "model/common.h"
#include "model/dataplane/data_plane.h"
#include "model/dataplane/vault.h"
#include "model/kms/kms.h"
#include "model/scenario/scenario.h"
#include "model/timing.h"

namespace hsmsim::model {

// What a scenario name stands for.
struct NamedObject {
  enum class Kind { Cluster, KeyStore, Key, Hsm, Backup, Value };
  Kind kind = Kind::Value;
  std::string id;  // the object's ID
};

class World {
 public:
  // Key material, IVs and random bytes come from DRBGs seeded from `seed` unless `entropy`
  // asks for the operating system's generator.
  World(sim::Engine& engine, sim::Trace& trace, const scenario::Scenario& scenario, uint64_t seed,
        crypto::EntropyMode entropy = crypto::EntropyMode::kDeterministic, BugSet bugs = {});

  // Calls an action (resolved by find_action) as `principal` (empty: the account root).
  ApiResult call(const ActionInfo& action, const Json& params, const std::string& principal);
  // Applies a fault step; parameters were checked when the scenario was loaded.
  ApiResult apply_fault(const std::string& kind, const Json& params);

  CloudHsm& cloudhsm() { return *cloudhsm_; }
  const CloudHsm& cloudhsm() const { return *cloudhsm_; }
  Kms& kms() { return *kms_; }
  const Kms& kms() const { return *kms_; }
  DataPlane& data_plane() { return *data_plane_; }
  const DataPlane& data_plane() const { return *data_plane_; }
  KeyVault& vault() { return *vault_; }
  const KeyVault& vault() const { return *vault_; }
  const Timing& timing() const { return timing_; }
  sim::Engine& engine() { return engine_; }
  sim::Time now() const { return engine_.now(); }

  // World names (clusters, key stores, keys) → objects.
  const std::map<std::string, NamedObject>& names() const { return names_; }

 private:
  void build(const scenario::World& world);

  sim::Engine& engine_;
  [[maybe_unused]] sim::Trace& trace_;  // not read yet (clang's -Wunused-private-field)
  Timing timing_;
  IdFactory ids_;
  std::unique_ptr<CloudHsm> cloudhsm_;
  std::unique_ptr<Kms> kms_;
  std::unique_ptr<KeyVault> vault_;
  std::unique_ptr<DataPlane> data_plane_;
  std::map<std::string, NamedObject> names_;
  std::vector<std::string> outage_azs_;
};

}  // namespace hsmsim::model
