// KMS in one Region: custom key stores with their connection state machine, and the KMS keys
// inside them, down to key deletion and the backing keys it can leave behind (SPEC §4.2-4.3).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "model/bugs/bugs.h"
#include "model/cloudhsm/cloudhsm.h"
#include "model/common.h"
#include "model/kms/policy.h"
#include "model/kms/types.h"
#include "model/timing.h"

namespace hsmsim::model {

struct KmsLimits {
  std::size_t custom_key_stores = 10;
  std::size_t keys = 100'000;
};

class Kms {
 public:
  Kms(sim::Engine& engine, sim::Trace& trace, const Timing& timing, IdFactory& ids,
      CloudHsm& cloudhsm, uint64_t seed, std::string region, KmsLimits limits, BugSet bugs = {});

  // The principal of the call being handled (default: the account root).
  void set_principal(std::string principal) { principal_ = std::move(principal); }

  // --- custom key stores -------------------------------------------------------------------
  ApiResult CreateCustomKeyStore(const Json& p);
  ApiResult DescribeCustomKeyStores(const Json& p) const;
  ApiResult ConnectCustomKeyStore(const Json& p);
  ApiResult DisconnectCustomKeyStore(const Json& p);
  ApiResult UpdateCustomKeyStore(const Json& p);
  ApiResult DeleteCustomKeyStore(const Json& p);

  // --- keys ----------------------------------------------------------------------------------
  ApiResult CreateKey(const Json& p);
  ApiResult DescribeKey(const Json& p) const;
  ApiResult ListKeys(const Json& p) const;
  ApiResult EnableKey(const Json& p);
  ApiResult DisableKey(const Json& p);
  ApiResult ScheduleKeyDeletion(const Json& p);
  ApiResult CancelKeyDeletion(const Json& p);
  ApiResult CreateAlias(const Json& p);
  ApiResult DeleteAlias(const Json& p);
  ApiResult UpdateAlias(const Json& p);
  ApiResult ListAliases(const Json& p) const;
  ApiResult TagResource(const Json& p);
  ApiResult UntagResource(const Json& p);
  ApiResult ListResourceTags(const Json& p) const;
  ApiResult UpdateKeyDescription(const Json& p);
  ApiResult PutKeyPolicy(const Json& p);
  ApiResult GetKeyPolicy(const Json& p) const;
  // Rotation and import are not supported for keys in a custom key store.
  ApiResult EnableKeyRotation(const Json& p);
  ApiResult DisableKeyRotation(const Json& p);
  ApiResult GetKeyRotationStatus(const Json& p) const;
  ApiResult GetParametersForImport(const Json& p) const;
  ApiResult ImportKeyMaterial(const Json& p) const;

  // --- world at t=0 --------------------------------------------------------------------------
  uint32_t build_key_store(const std::string& name, const Cluster& cluster,
                           const std::string& password, bool connected);
  uint32_t build_key(uint32_t store, const std::optional<std::string>& alias,
                     const std::optional<std::string>& description);

  // --- faults ----------------------------------------------------------------------------------
  void set_network_partition(const std::string& cluster_id, sim::Time until);
  void set_internal_errors(double probability, sim::Time until);

  // --- read access -------------------------------------------------------------------------
  KeyState key_state(const KmsKey& k) const;
  const std::vector<std::unique_ptr<CustomKeyStore>>& stores() const { return stores_; }
  const std::vector<std::unique_ptr<KmsKey>>& keys() const { return keys_; }
  const std::map<std::string, uint32_t>& aliases() const { return aliases_; }
  const CustomKeyStore* find_store(const std::string& id) const;
  // A key by key ID, key ARN, alias name or alias ARN; nullptr when absent or deleted.
  const KmsKey* find_key(const std::string& ref) const;
  Json describe_store(const CustomKeyStore& s) const;
  Json describe_key(const KmsKey& k) const;
  bool cluster_reachable(const std::string& cluster_id) const {
    return partitions_.empty() || cluster_reachable_slow(cluster_id);  // the usual case: none
  }

  // --- for the data plane --------------------------------------------------------------------
  // The index of a key by key ID, key ARN, alias name or alias ARN (not deleted).
  std::optional<uint32_t> key_index(const std::string& ref) const;
  // Does the key's policy let `principal` do `action` ("kms:Encrypt")?
  bool authorized(const KmsKey& k, const std::string& principal, const std::string& action) const;
  // A kms_internal_error fault: whether this request fails (draws from the fault's stream).
  // Inline: every data-plane request asks, and almost always no such fault was injected.
  bool internal_error_now() { return internal_error_probability_ > 0 && internal_error_drawn(); }
  const std::string& region() const { return region_; }

 private:
  bool cluster_reachable_slow(const std::string& cluster_id) const;
  bool internal_error_drawn();
  CustomKeyStore* store_param(const Json& p, ApiResult& error);
  KmsKey* key_param(const Json& p, const char* action, ApiResult& error);
  std::size_t live_store_count() const;
  void set_state(CustomKeyStore& s, ConnectionState state,
                 std::optional<ConnectionErrorCode> error = std::nullopt);
  std::optional<ConnectionErrorCode> connect_failure(CustomKeyStore& s);
  void on_connect_done(uint32_t store);
  void on_disconnect_done(uint32_t store);
  void on_key_deletion(uint32_t key);
  // Create, Update and CreateKey need two active HSMs in distinct AZs (which also means two
  // subnets): the CloudHsmClusterInvalidConfigurationException answer, or nullopt.
  std::optional<ApiResult> two_hsm_rule_error(const Cluster& c) const;
  std::string key_arn(const std::string& id) const;
  uint32_t add_key(std::unique_ptr<KmsKey> key);
  void trace(std::string_view actor, std::string_view event, Json fields);

  sim::Engine& engine_;
  sim::Trace& trace_;
  const Timing& timing_;
  IdFactory& ids_;
  CloudHsm& cloudhsm_;
  std::string region_;
  KmsLimits limits_;
  BugSet bugs_;  // seeded bugs of this run (testing aid; empty in normal runs)
  sim::RandomStream rng_;
  std::string principal_;

  std::vector<std::unique_ptr<CustomKeyStore>> stores_;
  std::vector<std::unique_ptr<KmsKey>> keys_;
  std::map<std::string, uint32_t> store_by_id_;
  std::map<std::string, uint32_t> key_by_id_;
  std::map<std::string, uint32_t> aliases_;      // alias name -> key index
  std::map<std::string, sim::Time> partitions_;  // cluster ID -> end of the partition
  double internal_error_probability_ = 0;
  sim::Time internal_error_until_;
};

}  // namespace hsmsim::model
