// Custom key stores: create, connect (asynchronous, ending CONNECTED or FAILED with one
// ConnectionErrorCode), disconnect, update and delete, with the guards and check orders of
// SPEC §4.2 and §5.
#include <algorithm>

#include "model/kms/kms.h"
#include "model/params.h"

namespace hsmsim::model {

const char* to_string(ConnectionState s) {
  switch (s) {
    case ConnectionState::CONNECTED:
      return "CONNECTED";
    case ConnectionState::CONNECTING:
      return "CONNECTING";
    case ConnectionState::DISCONNECTED:
      return "DISCONNECTED";
    case ConnectionState::DISCONNECTING:
      return "DISCONNECTING";
    case ConnectionState::FAILED:
      return "FAILED";
  }
  return "?";
}

const char* to_string(ConnectionErrorCode c) {
  switch (c) {
    case ConnectionErrorCode::INVALID_CREDENTIALS:
      return "INVALID_CREDENTIALS";
    case ConnectionErrorCode::CLUSTER_NOT_FOUND:
      return "CLUSTER_NOT_FOUND";
    case ConnectionErrorCode::NETWORK_ERRORS:
      return "NETWORK_ERRORS";
    case ConnectionErrorCode::INTERNAL_ERROR:
      return "INTERNAL_ERROR";
    case ConnectionErrorCode::INSUFFICIENT_CLOUDHSM_HSMS:
      return "INSUFFICIENT_CLOUDHSM_HSMS";
    case ConnectionErrorCode::USER_LOCKED_OUT:
      return "USER_LOCKED_OUT";
    case ConnectionErrorCode::USER_NOT_FOUND:
      return "USER_NOT_FOUND";
    case ConnectionErrorCode::USER_LOGGED_IN:
      return "USER_LOGGED_IN";
    case ConnectionErrorCode::SUBNET_NOT_FOUND:
      return "SUBNET_NOT_FOUND";
    case ConnectionErrorCode::INSUFFICIENT_FREE_ADDRESSES_IN_SUBNET:
      return "INSUFFICIENT_FREE_ADDRESSES_IN_SUBNET";
  }
  return "?";
}

namespace {

constexpr const char* kInvalidState = "CustomKeyStoreInvalidStateException";
constexpr const char* kStoreNotFound = "CustomKeyStoreNotFoundException";
constexpr const char* kClusterNotFound = "CloudHsmClusterNotFoundException";
constexpr const char* kClusterNotActive = "CloudHsmClusterNotActiveException";
constexpr const char* kInvalidConfig = "CloudHsmClusterInvalidConfigurationException";

std::string store_actor(const CustomKeyStore& s) {
  return "key_store/" + s.id;
}

}  // namespace

Kms::Kms(sim::Engine& engine, sim::Trace& trace, const Timing& timing, IdFactory& ids,
         CloudHsm& cloudhsm, uint64_t seed, std::string region, KmsLimits limits, BugSet bugs)
    : engine_(engine),
      trace_(trace),
      timing_(timing),
      ids_(ids),
      cloudhsm_(cloudhsm),
      region_(std::move(region)),
      limits_(limits),
      bugs_(bugs),
      rng_(seed, "kms"),
      principal_(account_root_arn()) {}

void Kms::trace(std::string_view actor, std::string_view event, Json fields) {
  trace_.emit(engine_.now(), actor, event, std::move(fields));
}

const CustomKeyStore* Kms::find_store(const std::string& id) const {
  auto it = store_by_id_.find(id);
  if (it == store_by_id_.end() || stores_[it->second]->deleted) return nullptr;
  return stores_[it->second].get();
}

CustomKeyStore* Kms::store_param(const Json& p, ApiResult& error) {
  Params in(p);
  const std::string id = in.required_str("CustomKeyStoreId");
  if (!in.ok()) {
    error = in.error();
    return nullptr;
  }
  auto* s = const_cast<CustomKeyStore*>(find_store(id));
  if (!s) error = ApiResult::failure(kStoreNotFound, "Custom key store " + id + " not found.");
  return s;
}

std::size_t Kms::live_store_count() const {
  return static_cast<std::size_t>(
      std::count_if(stores_.begin(), stores_.end(), [](auto& s) { return !s->deleted; }));
}

void Kms::set_state(CustomKeyStore& s, ConnectionState state,
                    std::optional<ConnectionErrorCode> error) {
  s.state = state;
  s.error = error;
  Json fields{{"ConnectionState", to_string(state)}};
  if (error) fields["ConnectionErrorCode"] = to_string(*error);
  trace(store_actor(s), "state", std::move(fields));
}

bool Kms::cluster_reachable_slow(const std::string& cluster_id) const {
  auto it = partitions_.find(cluster_id);
  return it == partitions_.end() || it->second <= engine_.now();
}

std::optional<ApiResult> Kms::two_hsm_rule_error(const Cluster& c) const {
  if (cloudhsm_.has_two_active_hsms_in_distinct_azs(c)) return std::nullopt;
  return ApiResult::failure(kInvalidConfig, "Cluster " + c.id +
                                                " needs at least two active HSMs in different "
                                                "Availability Zones.");
}

bool Kms::internal_error_drawn() {
  if (engine_.now() >= internal_error_until_) return false;
  return rng_.next_double() < internal_error_probability_;
}

void Kms::set_network_partition(const std::string& cluster_id, sim::Time until) {
  partitions_[cluster_id] = until;
  trace("cluster/" + cluster_id, "fault",
        Json{{"fault", "network_partition"}, {"until_ns", until.ns()}});
}

void Kms::set_internal_errors(double probability, sim::Time until) {
  internal_error_probability_ = probability;
  internal_error_until_ = until;
  trace(
      "kms", "fault",
      Json{
          {"fault", "kms_internal_error"}, {"probability", probability}, {"until_ns", until.ns()}});
}

Json Kms::describe_store(const CustomKeyStore& s) const {
  Json out{{"CustomKeyStoreId", s.id},
           {"CustomKeyStoreName", s.name},
           {"CloudHsmClusterId", s.cluster_id},
           {"TrustAnchorCertificate", s.trust_anchor},
           {"ConnectionState", to_string(s.state)},
           {"CreationDate", s.created_at.since_start().seconds_f()},
           {"CustomKeyStoreType", "AWS_CLOUDHSM"}};
  if (s.error) out["ConnectionErrorCode"] = to_string(*s.error);
  return out;
}

// --- world at t=0 ----------------------------------------------------------------------------

uint32_t Kms::build_key_store(const std::string& name, const Cluster& cluster,
                              const std::string& password, bool connected) {
  auto s = std::make_unique<CustomKeyStore>();
  s->id = ids_.key_store_id();
  s->name = name;
  s->cluster_id = cluster.id;
  s->trust_anchor = cluster.trust_anchor;
  s->password = password;
  const auto index = static_cast<uint32_t>(stores_.size());
  store_by_id_[s->id] = index;
  stores_.push_back(std::move(s));
  CustomKeyStore& store = *stores_[index];
  if (connected) {
    // As if it had connected just before t=0: logged in, password rotated, session held.
    Cluster& c = *cloudhsm_.find_cluster(cluster.id);
    const LoginOutcome login = cloudhsm_.login(c, kKmsUser, password, "kms:" + store.id);
    if (login != LoginOutcome::Ok) {
      throw std::logic_error("world store " + name + " cannot log in as kmsuser");
    }
    store.password = ids_.secret(32);
    cloudhsm_.set_password(c, kKmsUser, store.password);
    store.holds_session = true;
    store.state = ConnectionState::CONNECTED;
  }
  trace(store_actor(store), "built",
        Json{{"name", name}, {"ConnectionState", to_string(store.state)}});
  return index;
}

// --- API -------------------------------------------------------------------------------------

ApiResult Kms::CreateCustomKeyStore(const Json& p) {
  Params in(p);
  const std::string name = in.required_str("CustomKeyStoreName");
  const std::optional<std::string> cluster_id = in.str("CloudHsmClusterId");
  const std::optional<std::string> anchor = in.str("TrustAnchorCertificate");
  const std::optional<std::string> password = in.str("KeyStorePassword");
  const std::string type = in.str("CustomKeyStoreType").value_or("AWS_CLOUDHSM");
  in.check_length("CustomKeyStoreName", name, 1, 256);
  in.check_length("CloudHsmClusterId", cluster_id, 19, 24);
  in.check_length("TrustAnchorCertificate", anchor, 1, 5000);
  in.check_length("KeyStorePassword", password, 7, 32);
  if (!in.ok()) return in.error();
  if (type != "AWS_CLOUDHSM") {
    return ApiResult::failure("ValidationException", "Only AWS_CLOUDHSM key stores are simulated.");
  }
  if (!cluster_id || !anchor || !password) {
    return ApiResult::failure("ValidationException",
                              "An AWS_CLOUDHSM key store needs CloudHsmClusterId, "
                              "TrustAnchorCertificate and KeyStorePassword.");
  }
  // A request repeating every property of a DISCONNECTED store returns that store.
  for (const auto& s : stores_) {
    if (!s->deleted && s->state == ConnectionState::DISCONNECTED && s->name == name &&
        s->cluster_id == *cluster_id && s->trust_anchor == *anchor && s->password == *password) {
      return ApiResult::success(Json{{"CustomKeyStoreId", s->id}});
    }
  }
  for (const auto& s : stores_) {
    if (!s->deleted && s->name == name) {
      return ApiResult::failure("CustomKeyStoreNameInUseException",
                                "Custom key store name " + name + " is already in use.");
    }
  }
  if (live_store_count() >= limits_.custom_key_stores) {
    return ApiResult::failure("LimitExceededException",
                              "The account already has " +
                                  std::to_string(limits_.custom_key_stores) +
                                  " custom key stores.");
  }
  const Cluster* cluster = cloudhsm_.find_cluster(*cluster_id);
  if (!cluster) {
    return ApiResult::failure(kClusterNotFound, "Cluster " + *cluster_id + " not found.");
  }
  if (cluster->state != ClusterState::ACTIVE) {
    return ApiResult::failure(kClusterNotActive,
                              "Cluster " + cluster->id + " is " + to_string(cluster->state) + ".");
  }
  for (const auto& s : stores_) {
    if (s->deleted || bugs_.has(Bug::reuse_lineage_cluster)) continue;
    // A store whose cluster was deleted still holds that cluster's lineage.
    const Cluster* used = cloudhsm_.cluster_record(s->cluster_id);
    if (used && cloudhsm_.shares_backup_history(*used, *cluster)) {
      return ApiResult::failure("CloudHsmClusterInUseException",
                                "Cluster " + cluster->id + " (or one sharing its backup " +
                                    "history) is used by custom key store " + s->id + ".");
    }
  }
  if (auto error = two_hsm_rule_error(*cluster)) return *error;
  if (*anchor != cluster->trust_anchor) {
    return ApiResult::failure(
        "IncorrectTrustAnchorException",
        "The trust anchor certificate does not match cluster " + cluster->id + ".");
  }
  auto s = std::make_unique<CustomKeyStore>();
  s->id = ids_.key_store_id();
  s->name = name;
  s->cluster_id = cluster->id;
  s->trust_anchor = *anchor;
  s->password = *password;
  s->created_at = engine_.now();
  const auto index = static_cast<uint32_t>(stores_.size());
  store_by_id_[s->id] = index;
  stores_.push_back(std::move(s));
  set_state(*stores_[index], ConnectionState::DISCONNECTED);
  return ApiResult::success(Json{{"CustomKeyStoreId", stores_[index]->id}});
}

ApiResult Kms::DescribeCustomKeyStores(const Json& p) const {
  Params in(p);
  const std::optional<std::string> id = in.str("CustomKeyStoreId");
  const std::optional<std::string> name = in.str("CustomKeyStoreName");
  if (!in.ok()) return in.error();
  if (id && name) {
    return ApiResult::failure("ValidationException",
                              "Specify CustomKeyStoreId or CustomKeyStoreName, not both.");
  }
  Json list = Json::array();
  for (const auto& s : stores_) {
    if (s->deleted || (id && s->id != *id) || (name && s->name != *name)) continue;
    list.push_back(describe_store(*s));
  }
  if ((id || name) && list.empty()) {
    return ApiResult::failure(kStoreNotFound,
                              "Custom key store " + id.value_or(name.value_or("")) + " not found.");
  }
  return ApiResult::success(Json{{"CustomKeyStores", list}, {"Truncated", false}});
}

ApiResult Kms::ConnectCustomKeyStore(const Json& p) {
  ApiResult error;
  CustomKeyStore* s = store_param(p, error);
  if (!s) return error;
  const bool failed_blocks = !bugs_.has(Bug::connect_from_failed);
  if (s->state == ConnectionState::DISCONNECTING ||
      (s->state == ConnectionState::FAILED && failed_blocks)) {
    return ApiResult::failure(kInvalidState,
                              "Custom key store " + s->id + " is " + to_string(s->state) + ".");
  }
  if (s->state == ConnectionState::CONNECTED || s->state == ConnectionState::CONNECTING) {
    return ApiResult::success();  // already connected or connecting: nothing to do
  }
  // Configuration errors that are easy to detect fail at once; the rest end in FAILED.
  if (const Cluster* c = cloudhsm_.find_cluster(s->cluster_id)) {
    if (c->state != ClusterState::ACTIVE) {
      return ApiResult::failure(kClusterNotActive,
                                "Cluster " + c->id + " is " + to_string(c->state) + ".");
    }
    if (cloudhsm_.active_hsm_count(*c) == 0) {
      return ApiResult::failure(kInvalidConfig, "Cluster " + c->id + " has no active HSM.");
    }
  }
  set_state(*s, ConnectionState::CONNECTING);
  const uint32_t index = store_by_id_.at(s->id);
  s->pending = engine_.schedule_after(timing_.sample(TimingKey::ConnectCustomKeyStore, rng_),
                                      [this, index] { on_connect_done(index); });
  return ApiResult::success();
}

std::optional<ConnectionErrorCode> Kms::connect_failure(CustomKeyStore& s) {
  using E = ConnectionErrorCode;
  Cluster* c = cloudhsm_.find_cluster(s.cluster_id);
  if (!c) return E::CLUSTER_NOT_FOUND;
  for (const Subnet& subnet : c->subnets) {
    if (subnet.deleted) return E::SUBNET_NOT_FOUND;
  }
  for (const Subnet& subnet : c->subnets) {
    if (subnet.full) return E::INSUFFICIENT_FREE_ADDRESSES_IN_SUBNET;
  }
  if (!cluster_reachable(c->id)) return E::NETWORK_ERRORS;
  if (internal_error_now()) return E::INTERNAL_ERROR;
  switch (cloudhsm_.login(*c, kKmsUser, s.password, "kms:" + s.id)) {
    case LoginOutcome::Ok:
      return std::nullopt;
    case LoginOutcome::NoActiveHsm:
      return E::INSUFFICIENT_CLOUDHSM_HSMS;
    case LoginOutcome::UserNotFound:
      return E::USER_NOT_FOUND;
    case LoginOutcome::AlreadyLoggedIn:
      return E::USER_LOGGED_IN;
    case LoginOutcome::LockedOut:
      return E::USER_LOCKED_OUT;
    case LoginOutcome::WrongPassword:
      return E::INVALID_CREDENTIALS;
  }
  return E::INTERNAL_ERROR;
}

void Kms::on_connect_done(uint32_t index) {
  CustomKeyStore& s = *stores_[index];
  if (s.state != ConnectionState::CONNECTING) return;
  if (std::optional<ConnectionErrorCode> failure = connect_failure(s)) {
    // Seeded bug failed_without_code: the error code is lost on the way.
    set_state(s, ConnectionState::FAILED,
              bugs_.has(Bug::failed_without_code) ? std::nullopt : failure);
    return;
  }
  // Logged in: rotate kmsuser's password to a secret only KMS knows, and keep the session.
  Cluster& c = *cloudhsm_.find_cluster(s.cluster_id);
  s.password = ids_.secret(32);
  cloudhsm_.set_password(c, kKmsUser, s.password);
  s.holds_session = true;
  set_state(s, ConnectionState::CONNECTED);
}

ApiResult Kms::DisconnectCustomKeyStore(const Json& p) {
  ApiResult error;
  CustomKeyStore* s = store_param(p, error);
  if (!s) return error;
  if (s->state == ConnectionState::DISCONNECTED || s->state == ConnectionState::DISCONNECTING) {
    return ApiResult::failure(kInvalidState,
                              "Custom key store " + s->id + " is " + to_string(s->state) + ".");
  }
  engine_.cancel(s->pending);
  if (s->holds_session) {
    Cluster* c = cloudhsm_.find_cluster(s->cluster_id);
    // Seeded bug keep_session_after_disconnect: KMS forgets to log out.
    if (c && !bugs_.has(Bug::keep_session_after_disconnect)) {
      cloudhsm_.logout(*c, kKmsUser, "kms:" + s->id);
    }
    s->holds_session = false;
  }
  set_state(*s, ConnectionState::DISCONNECTING);
  const uint32_t index = store_by_id_.at(s->id);
  s->pending = engine_.schedule_after(timing_.sample(TimingKey::DisconnectCustomKeyStore, rng_),
                                      [this, index] { on_disconnect_done(index); });
  return ApiResult::success();
}

void Kms::on_disconnect_done(uint32_t index) {
  CustomKeyStore& s = *stores_[index];
  if (s.state != ConnectionState::DISCONNECTING) return;
  set_state(s, ConnectionState::DISCONNECTED);
}

ApiResult Kms::UpdateCustomKeyStore(const Json& p) {
  ApiResult error;
  CustomKeyStore* s = store_param(p, error);
  if (!s) return error;
  Params in(p);
  const std::optional<std::string> new_name = in.str("NewCustomKeyStoreName");
  const std::optional<std::string> password = in.str("KeyStorePassword");
  const std::optional<std::string> cluster_id = in.str("CloudHsmClusterId");
  in.check_length("NewCustomKeyStoreName", new_name, 1, 256);
  in.check_length("KeyStorePassword", password, 7, 32);
  in.check_length("CloudHsmClusterId", cluster_id, 19, 24);
  if (!in.ok()) return in.error();
  // Only the name may change while CONNECTED; everything else needs DISCONNECTED.
  const bool only_name = new_name && !password && !cluster_id;
  const bool allowed = s->state == ConnectionState::DISCONNECTED ||
                       (only_name && s->state == ConnectionState::CONNECTED);
  if (!allowed) {
    return ApiResult::failure(kInvalidState,
                              "Custom key store " + s->id + " is " + to_string(s->state) + ".");
  }
  if (new_name) {
    for (const auto& other : stores_) {
      if (!other->deleted && other.get() != s && other->name == *new_name) {
        return ApiResult::failure("CustomKeyStoreNameInUseException",
                                  "Custom key store name " + *new_name + " is in use.");
      }
    }
  }
  const Cluster* target = nullptr;
  if (cluster_id) {
    target = cloudhsm_.find_cluster(*cluster_id);
    if (!target) {
      return ApiResult::failure(kClusterNotFound, "Cluster " + *cluster_id + " not found.");
    }
    // The current cluster may be gone; its lineage still decides what is related.
    const Cluster* current = cloudhsm_.cluster_record(s->cluster_id);
    const bool related = current && cloudhsm_.shares_backup_history(*current, *target);
    if (!related && !bugs_.has(Bug::update_to_unrelated_cluster)) {
      return ApiResult::failure(
          "CloudHsmClusterNotRelatedException",
          "Cluster " + target->id + " does not share backup history with " + s->cluster_id + ".");
    }
    if (target->state != ClusterState::ACTIVE) {
      return ApiResult::failure(kClusterNotActive,
                                "Cluster " + target->id + " is " + to_string(target->state) + ".");
    }
    if (auto error = two_hsm_rule_error(*target)) return *error;
  }
  Json changed = Json::object();
  if (new_name) {
    s->name = *new_name;
    changed["CustomKeyStoreName"] = *new_name;
  }
  if (password) {
    s->password = *password;  // tells KMS the current password; changes nothing in the cluster
    changed["KeyStorePassword"] = "<redacted>";
  }
  if (target) {
    s->cluster_id = target->id;
    changed["CloudHsmClusterId"] = target->id;
  }
  trace(store_actor(*s), "updated", std::move(changed));
  return ApiResult::success();
}

ApiResult Kms::DeleteCustomKeyStore(const Json& p) {
  ApiResult error;
  CustomKeyStore* s = store_param(p, error);
  if (!s) return error;
  if (s->state != ConnectionState::DISCONNECTED) {
    return ApiResult::failure(kInvalidState,
                              "Custom key store " + s->id + " is " + to_string(s->state) + ".");
  }
  const uint32_t index = store_by_id_.at(s->id);
  const bool has_keys = std::any_of(keys_.begin(), keys_.end(), [&](auto& k) {
    // PendingDeletion keys count (unless the seeded bug delete_store_with_pending_key).
    const bool counted = !k->pending_deletion || !bugs_.has(Bug::delete_store_with_pending_key);
    return !k->deleted && k->store == index && counted;
  });
  if (has_keys) {
    return ApiResult::failure("CustomKeyStoreHasCMKsException",
                              "Custom key store " + s->id + " still contains KMS keys.");
  }
  s->deleted = true;
  trace(store_actor(*s), "deleted", Json::object());
  return ApiResult::success();
}

}  // namespace hsmsim::model
