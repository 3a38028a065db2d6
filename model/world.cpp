#include "model/world.h"

#include <stdexcept>

#include "model/kms/policy.h"
#include "model/params.h"

namespace hsmsim::model {
namespace {

KmsLimits limits_from(const scenario::Scenario& s) {
  KmsLimits limits;
  limits.custom_key_stores =
      s.quotas.custom_key_stores.value_or(static_cast<uint32_t>(scenario::Limits::kKeyStores));
  return limits;
}

using Handler = ApiResult (*)(World&, const Json&);

template <auto Method>
ApiResult kms_call(World& w, const Json& p) {
  return (w.kms().*Method)(p);
}
template <auto Method>
ApiResult hsm_call(World& w, const Json& p) {
  return (w.cloudhsm().*Method)(p);
}

// Dispatch table: "service:Action" -> handler. Kept beside the catalog's order.
const std::map<std::string, Handler>& handlers() {
  static const std::map<std::string, Handler> table = {
      {"kms:CreateCustomKeyStore", kms_call<&Kms::CreateCustomKeyStore>},
      {"kms:DescribeCustomKeyStores", kms_call<&Kms::DescribeCustomKeyStores>},
      {"kms:ConnectCustomKeyStore", kms_call<&Kms::ConnectCustomKeyStore>},
      {"kms:DisconnectCustomKeyStore", kms_call<&Kms::DisconnectCustomKeyStore>},
      {"kms:UpdateCustomKeyStore", kms_call<&Kms::UpdateCustomKeyStore>},
      {"kms:DeleteCustomKeyStore", kms_call<&Kms::DeleteCustomKeyStore>},
      {"kms:CreateKey", kms_call<&Kms::CreateKey>},
      {"kms:DescribeKey", kms_call<&Kms::DescribeKey>},
      {"kms:ListKeys", kms_call<&Kms::ListKeys>},
      {"kms:EnableKey", kms_call<&Kms::EnableKey>},
      {"kms:DisableKey", kms_call<&Kms::DisableKey>},
      {"kms:ScheduleKeyDeletion", kms_call<&Kms::ScheduleKeyDeletion>},
      {"kms:CancelKeyDeletion", kms_call<&Kms::CancelKeyDeletion>},
      {"kms:CreateAlias", kms_call<&Kms::CreateAlias>},
      {"kms:DeleteAlias", kms_call<&Kms::DeleteAlias>},
      {"kms:UpdateAlias", kms_call<&Kms::UpdateAlias>},
      {"kms:ListAliases", kms_call<&Kms::ListAliases>},
      {"kms:TagResource", kms_call<&Kms::TagResource>},
      {"kms:UntagResource", kms_call<&Kms::UntagResource>},
      {"kms:ListResourceTags", kms_call<&Kms::ListResourceTags>},
      {"kms:UpdateKeyDescription", kms_call<&Kms::UpdateKeyDescription>},
      {"kms:PutKeyPolicy", kms_call<&Kms::PutKeyPolicy>},
      {"kms:GetKeyPolicy", kms_call<&Kms::GetKeyPolicy>},
      {"kms:EnableKeyRotation", kms_call<&Kms::EnableKeyRotation>},
      {"kms:DisableKeyRotation", kms_call<&Kms::DisableKeyRotation>},
      {"kms:GetKeyRotationStatus", kms_call<&Kms::GetKeyRotationStatus>},
      {"kms:GetParametersForImport", kms_call<&Kms::GetParametersForImport>},
      {"kms:ImportKeyMaterial", kms_call<&Kms::ImportKeyMaterial>},
      {"cloudhsmv2:CreateCluster", hsm_call<&CloudHsm::CreateCluster>},
      {"cloudhsmv2:DescribeClusters", hsm_call<&CloudHsm::DescribeClusters>},
      {"cloudhsmv2:InitializeCluster", hsm_call<&CloudHsm::InitializeCluster>},
      {"cloudhsmv2:DeleteCluster", hsm_call<&CloudHsm::DeleteCluster>},
      {"cloudhsmv2:ModifyCluster", hsm_call<&CloudHsm::ModifyCluster>},
      {"cloudhsmv2:CreateHsm", hsm_call<&CloudHsm::CreateHsm>},
      {"cloudhsmv2:DeleteHsm", hsm_call<&CloudHsm::DeleteHsm>},
      {"cloudhsmv2:DescribeBackups", hsm_call<&CloudHsm::DescribeBackups>},
      {"cloudhsmv2:DeleteBackup", hsm_call<&CloudHsm::DeleteBackup>},
      {"cloudhsmv2:RestoreBackup", hsm_call<&CloudHsm::RestoreBackup>},
      {"cloudhsmv2:CopyBackupToRegion", hsm_call<&CloudHsm::CopyBackupToRegion>},
      {"cloudhsmv2:ModifyBackupAttributes", hsm_call<&CloudHsm::ModifyBackupAttributes>},
      {"cli:Login", hsm_call<&CloudHsm::CliLogin>},
      {"cli:Logout", hsm_call<&CloudHsm::CliLogout>},
      {"cli:CreateUser", hsm_call<&CloudHsm::CliCreateUser>},
      {"cli:DeleteUser", hsm_call<&CloudHsm::CliDeleteUser>},
      {"cli:ChangePassword", hsm_call<&CloudHsm::CliChangePassword>},
      {"cli:ListKeys", hsm_call<&CloudHsm::CliListKeys>},
      {"cli:DeleteKey", hsm_call<&CloudHsm::CliDeleteKey>},
      {"cli:ActivateCluster", hsm_call<&CloudHsm::CliActivateCluster>},
  };
  return table;
}

}  // namespace

World::World(sim::Engine& engine, sim::Trace& trace, const scenario::Scenario& scenario,
             uint64_t seed, crypto::EntropyMode entropy, BugSet bugs)
    : engine_(engine), trace_(trace), ids_(seed) {
  timing_.override_with(scenario.timing);
  cloudhsm_ = std::make_unique<CloudHsm>(engine, trace, timing_, ids_, seed, scenario.region);
  kms_ = std::make_unique<Kms>(engine, trace, timing_, ids_, *cloudhsm_, seed, scenario.region,
                               limits_from(scenario), bugs);
  vault_ = std::make_unique<KeyVault>(seed, entropy);
  DataPlaneConfig config;
  config.hsm = scenario.hsm;
  config.network = scenario.network;
  config.key_store_rps = scenario.quotas.key_store_rps;
  config.account_rps = scenario.quotas.account_rps;
  data_plane_ = std::make_unique<DataPlane>(engine, trace, timing_, *cloudhsm_, *kms_, *vault_,
                                            std::move(config), seed, bugs);
  build(scenario.world);
}

void World::build(const scenario::World& world) {
  std::map<std::string, uint32_t> cluster_index;
  for (const scenario::ClusterSpec& spec : world.clusters) {
    std::map<std::string, HsmUser> users;
    for (const scenario::UserSpec& u : spec.users) {
      users[u.name] = HsmUser{u.role == "CO" ? UserRole::CO : UserRole::CU, u.password};
    }
    const ClusterState state =
        spec.state == "ACTIVE" ? ClusterState::ACTIVE : ClusterState::UNINITIALIZED;
    const uint32_t index = cloudhsm_->build_cluster(spec.name, spec.azs, state, spec.hsms, users,
                                                    spec.trust_anchor, spec.backup_retention_days);
    cluster_index[spec.name] = index;
    names_[spec.name] = {NamedObject::Kind::Cluster, cloudhsm_->clusters()[index]->id};
  }
  std::map<std::string, uint32_t> store_index;
  for (const scenario::KeyStoreSpec& spec : world.key_stores) {
    const Cluster& c = *cloudhsm_->clusters()[cluster_index.at(spec.cluster)];
    const uint32_t index =
        kms_->build_key_store(spec.name, c, spec.password, spec.state == "CONNECTED");
    store_index[spec.name] = index;
    names_[spec.name] = {NamedObject::Kind::KeyStore, kms_->stores()[index]->id};
  }
  for (const scenario::KeySpec& spec : world.keys) {
    const uint32_t index =
        kms_->build_key(store_index.at(spec.key_store), spec.alias, spec.description);
    names_[spec.name] = {NamedObject::Kind::Key, kms_->keys()[index]->id};
  }
  cloudhsm_->finish_world();
}

ApiResult World::call(const ActionInfo& action, const Json& params, const std::string& principal) {
  const std::string key = std::string(action.service) + ":" + std::string(action.name);
  auto it = handlers().find(key);
  if (it == handlers().end()) {
    throw std::logic_error("no handler for catalogued action " + key);
  }
  kms_->set_principal(principal.empty() ? account_root_arn() : principal);
  ApiResult result = it->second(*this, params);
  kms_->set_principal(account_root_arn());
  return result;
}

ApiResult World::apply_fault(const std::string& kind, const Json& params) {
  Params in(params);
  const sim::Time now = engine_.now();
  auto until = [&](const char* field) {
    const std::optional<std::string> text = in.str(field);
    const std::optional<sim::Duration> d = text ? sim::parse_duration(*text) : std::nullopt;
    return d ? now + *d : sim::Time::max();
  };
  auto cluster_id = [&]() {
    const std::string name = in.required_str("cluster");
    auto it = names_.find(name);
    return it == names_.end() ? name : it->second.id;
  };
  if (kind == "hsm_failure") {
    const std::string cluster = cluster_id();
    const std::optional<std::string> az = in.str("az");
    const std::optional<std::string> hsm = in.str("hsm");
    const bool replace = in.boolean("replace").value_or(true);
    if (!in.ok()) return in.error();
    return cloudhsm_->fail_hsm(cluster, az, hsm, replace);
  }
  if (kind == "subnet_deleted" || kind == "subnet_full") {
    const std::string cluster = cluster_id();
    const std::string az = in.required_str("az");
    if (!in.ok()) return in.error();
    if (!cloudhsm_->set_subnet_flag(cluster, az, kind == "subnet_deleted", kind == "subnet_full")) {
      return ApiResult::failure("CloudHsmResourceNotFoundException",
                                "cluster " + cluster + " has no subnet in " + az);
    }
    return ApiResult::success();
  }
  if (kind == "network_partition") {
    const std::string cluster = cluster_id();
    const sim::Time end = until("duration");
    if (!in.ok()) return in.error();
    kms_->set_network_partition(cluster, end);
    return ApiResult::success();
  }
  if (kind == "kms_internal_error") {
    const std::optional<std::string> p = in.str("probability");
    const double probability = p ? std::stod(*p) : 1.0;
    kms_->set_internal_errors(probability, until("duration"));
    return ApiResult::success();
  }
  if (kind == "az_outage") {
    const std::string az = in.required_str("az");
    if (!in.ok()) return in.error();
    cloudhsm_->set_az_outage(az, true);
    const sim::Time end = until("duration");
    if (end != sim::Time::max()) {
      // The outage ends by itself; the event finds the AZ name by index.
      outage_azs_.push_back(az);
      const std::size_t index = outage_azs_.size() - 1;
      engine_.schedule_at(end,
                          [this, index] { cloudhsm_->set_az_outage(outage_azs_[index], false); });
    }
    return ApiResult::success();
  }
  if (kind == "hsm_slowdown") {
    const std::string cluster = cluster_id();
    const std::optional<std::string> factor = in.str("factor");
    const sim::Time end = until("duration");
    if (!in.ok()) return in.error();
    if (!cloudhsm_->set_slowdown(cluster, factor ? std::stod(*factor) : 1.0, end)) {
      return ApiResult::failure("CloudHsmResourceNotFoundException", "no cluster " + cluster);
    }
    return ApiResult::success();
  }
  throw std::logic_error("fault kind '" + kind + "' passed the loader but has no model");
}

}  // namespace hsmsim::model
