// KMS keys in custom key stores: creation under the two-HSM rule, key states (Unavailable
// while the store is not connected, deferred Enable/Disable), aliases, tags, descriptions,
// key policies, and deletion with its waiting period, lag and best-effort backing-key removal.
//
// Aliases, tags, descriptions and key policies work in any key state, PendingDeletion
// included, as SPEC §4.3 says (the AWS key-state table is stricter for PendingDeletion).
#include <algorithm>

#include "model/kms/kms.h"
#include "model/params.h"

namespace hsmsim::model {

const char* to_string(KeyState s) {
  switch (s) {
    case KeyState::Enabled:
      return "Enabled";
    case KeyState::Disabled:
      return "Disabled";
    case KeyState::PendingDeletion:
      return "PendingDeletion";
    case KeyState::Unavailable:
      return "Unavailable";
  }
  return "?";
}

namespace {

constexpr const char* kNotFound = "NotFoundException";
constexpr const char* kInvalidState = "KMSInvalidStateException";
constexpr int64_t kMinWindowDays = 7;
constexpr int64_t kMaxWindowDays = 30;
constexpr int64_t kDefaultWindowDays = 30;

std::string key_actor(const KmsKey& k) {
  return "key/" + k.id;
}

}  // namespace

std::string Kms::key_arn(const std::string& id) const {
  return "arn:aws:kms:" + region_ + ":" + kAccountId + ":key/" + id;
}

KeyState Kms::key_state(const KmsKey& k) const {
  if (k.pending_deletion) return KeyState::PendingDeletion;
  if (k.store && stores_[*k.store]->state != ConnectionState::CONNECTED) {
    return KeyState::Unavailable;
  }
  return k.enabled ? KeyState::Enabled : KeyState::Disabled;
}

const KmsKey* Kms::find_key(const std::string& ref) const {
  const std::optional<uint32_t> index = key_index(ref);
  return index ? keys_[*index].get() : nullptr;
}

std::optional<uint32_t> Kms::key_index(const std::string& ref) const {
  std::string id = ref;
  const std::string alias_arn_prefix = "arn:aws:kms:" + region_ + ":" + kAccountId + ":";
  if (id.rfind(alias_arn_prefix, 0) == 0) id = id.substr(alias_arn_prefix.size());
  if (id.rfind("key/", 0) == 0) id = id.substr(4);
  if (id.rfind("alias/", 0) == 0) {
    auto it = aliases_.find(id);
    if (it == aliases_.end()) return std::nullopt;
    return it->second;
  }
  auto it = key_by_id_.find(id);
  if (it == key_by_id_.end() || keys_[it->second]->deleted) return std::nullopt;
  return it->second;
}

bool Kms::authorized(const KmsKey& k, const std::string& principal,
                     const std::string& action) const {
  // The default policy lets the account root do everything: the common case, decided
  // without parsing the policy on every crypto request.
  if (k.default_policy && principal == account_root_arn()) return true;
  std::string why;
  const std::optional<KeyPolicy> policy = parse_key_policy(k.policy, why);
  return policy && policy_allows(*policy, principal, action);
}

KmsKey* Kms::key_param(const Json& p, const char* action, ApiResult& error) {
  Params in(p);
  const std::string ref = in.required_str("KeyId");
  in.check_length("KeyId", ref, 1, 2048);
  if (!in.ok()) {
    error = in.error();
    return nullptr;
  }
  auto* k = const_cast<KmsKey*>(find_key(ref));
  if (!k) {
    error = ApiResult::failure(kNotFound, "Key '" + ref + "' does not exist");
    return nullptr;
  }
  if (!authorized(*k, principal_, std::string("kms:") + action)) {
    error = ApiResult::failure("AccessDeniedException", "User: " + principal_ +
                                                            " is not authorized to perform: kms:" +
                                                            action + " on resource: " + k->arn);
    return nullptr;
  }
  return k;
}

uint32_t Kms::add_key(std::unique_ptr<KmsKey> key) {
  const auto index = static_cast<uint32_t>(keys_.size());
  key_by_id_[key->id] = index;
  keys_.push_back(std::move(key));
  return index;
}

Json Kms::describe_key(const KmsKey& k) const {
  const KeyState state = key_state(k);
  Json m{{"AWSAccountId", kAccountId},
         {"KeyId", k.id},
         {"Arn", k.arn},
         {"CreationDate", k.created_at.since_start().seconds_f()},
         {"Enabled", state == KeyState::Enabled},
         {"Description", k.description},
         {"KeyUsage", "ENCRYPT_DECRYPT"},
         {"KeyState", to_string(state)},
         {"Origin", k.origin},
         {"KeyManager", "CUSTOMER"},
         {"CustomerMasterKeySpec", "SYMMETRIC_DEFAULT"},
         {"KeySpec", "SYMMETRIC_DEFAULT"},
         {"EncryptionAlgorithms", Json::array({"SYMMETRIC_DEFAULT"})},
         {"MultiRegion", false}};
  if (k.pending_deletion) {
    m["DeletionDate"] = k.deletion_date.since_start().seconds_f();
    m["PendingDeletionWindowInDays"] = k.pending_window_days;
  }
  if (k.store) {
    m["CustomKeyStoreId"] = stores_[*k.store]->id;
    m["CloudHsmClusterId"] = stores_[*k.store]->cluster_id;
  }
  return m;
}

// --- world at t=0 ----------------------------------------------------------------------------

uint32_t Kms::build_key(uint32_t store, const std::optional<std::string>& alias,
                        const std::optional<std::string>& description) {
  const CustomKeyStore& s = *stores_[store];
  Cluster& c = *cloudhsm_.find_cluster(s.cluster_id);
  auto k = std::make_unique<KmsKey>();
  k->id = ids_.key_id();
  k->arn = key_arn(k->id);
  k->store = store;
  k->cluster_id = c.id;
  k->material = rng_.next_u64();
  k->policy = default_key_policy();
  k->description = description.value_or("");
  // World keys' material is on every HSM of the cluster at t=0.
  const std::optional<uint64_t> handle = cloudhsm_.generate_key(c, kKmsUser, k->arn, k->material);
  if (!handle) throw std::logic_error("world key needs an active HSM");
  k->backing_handle = *handle;
  cloudhsm_.copy_key_everywhere(c, *handle);
  const uint32_t index = add_key(std::move(k));
  if (alias) aliases_[*alias] = index;
  trace(key_actor(*keys_[index]), "built", Json{{"Arn", keys_[index]->arn}});
  return index;
}

// --- API -------------------------------------------------------------------------------------

ApiResult Kms::CreateKey(const Json& p) {
  Params in(p);
  const std::optional<std::string> store_id = in.str("CustomKeyStoreId");
  const std::string origin = in.str("Origin").value_or("AWS_KMS");
  const std::string spec =
      in.str("KeySpec").value_or(in.str("CustomerMasterKeySpec").value_or("SYMMETRIC_DEFAULT"));
  const std::string usage = in.str("KeyUsage").value_or("ENCRYPT_DECRYPT");
  const bool multi_region = in.boolean("MultiRegion").value_or(false);
  const std::string description = in.str("Description").value_or("");
  const std::optional<std::string> policy_text = in.str("Policy");
  in.check_length("Description", description, 0, 8192);
  in.check_length("Policy", policy_text, 1, 32768);
  if (!in.ok()) return in.error();
  if (policy_text) {
    std::string why;
    if (!parse_key_policy(*policy_text, why)) {
      return ApiResult::failure("MalformedPolicyDocumentException", why);
    }
  }
  if (origin != "AWS_KMS" && origin != "AWS_CLOUDHSM") {
    return ApiResult::failure("UnsupportedOperationException",
                              "Origin " + origin + " is not simulated.");
  }
  if ((origin == "AWS_CLOUDHSM") != store_id.has_value()) {
    return ApiResult::failure("ValidationException",
                              "Origin AWS_CLOUDHSM and CustomKeyStoreId go together.");
  }
  if (spec != "SYMMETRIC_DEFAULT" || usage != "ENCRYPT_DECRYPT" || multi_region) {
    if (store_id) {
      return ApiResult::failure("UnsupportedOperationException",
                                "A custom key store holds only single-Region "
                                "SYMMETRIC_DEFAULT ENCRYPT_DECRYPT keys.");
    }
    return ApiResult::failure("UnsupportedOperationException",
                              "Only SYMMETRIC_DEFAULT keys are simulated.");
  }
  const auto live_keys =
      std::count_if(keys_.begin(), keys_.end(), [](auto& k) { return !k->deleted; });
  if (static_cast<std::size_t>(live_keys) >= limits_.keys) {
    return ApiResult::failure("LimitExceededException", "Too many KMS keys in this Region.");
  }
  auto k = std::make_unique<KmsKey>();
  if (store_id) {
    ApiResult error;
    CustomKeyStore* s = store_param(p, error);
    if (!s) return error;
    if (s->state != ConnectionState::CONNECTED) {
      return ApiResult::failure("CustomKeyStoreInvalidStateException",
                                "Custom key store " + s->id + " is " + to_string(s->state) + ".");
    }
    Cluster* c = cloudhsm_.find_cluster(s->cluster_id);
    if (!c) {
      return ApiResult::failure("CloudHsmClusterInvalidConfigurationException",
                                "Cluster " + s->cluster_id + " has no active HSM.");
    }
    if (auto error = two_hsm_rule_error(*c); error && !bugs_.has(Bug::create_key_with_one_hsm)) {
      return *error;
    }
    if (!cluster_reachable(c->id)) {
      return ApiResult::failure("KMSInternalException",
                                "KMS cannot communicate with your CloudHSM cluster.");
    }
    k->id = ids_.key_id();
    k->arn = key_arn(k->id);
    k->material = rng_.next_u64();
    // Logged in as kmsuser, KMS generates a persistent AES-256 key labelled with the ARN.
    const std::optional<uint64_t> handle =
        cloudhsm_.generate_key(*c, kKmsUser, k->arn, k->material);
    if (!handle) {
      return ApiResult::failure("CloudHsmClusterInvalidConfigurationException",
                                "Cluster " + c->id + " has no active HSM.");
    }
    k->store = store_by_id_.at(s->id);
    k->cluster_id = c->id;
    k->backing_handle = *handle;
    k->origin = "AWS_CLOUDHSM";
  } else {
    k->id = ids_.key_id();
    k->arn = key_arn(k->id);
    k->material = rng_.next_u64();
    k->origin = "AWS_KMS";
  }
  k->created_at = engine_.now();
  k->description = description;
  k->policy = policy_text.value_or(default_key_policy());
  k->default_policy = !policy_text;
  if (const Json* tags = in.raw("Tags"); tags && tags->is_array()) {
    for (const Json& t : *tags) {
      k->tags.emplace_back(t.value("TagKey", ""), t.value("TagValue", ""));
    }
  }
  const uint32_t index = add_key(std::move(k));
  const KmsKey& key = *keys_[index];
  trace(key_actor(key), "created",
        Json{{"Arn", key.arn}, {"Origin", key.origin}, {"handle", key.backing_handle}});
  return ApiResult::success(Json{{"KeyMetadata", describe_key(key)}});
}

ApiResult Kms::DescribeKey(const Json& p) const {
  ApiResult error;
  const KmsKey* k = const_cast<Kms*>(this)->key_param(p, "DescribeKey", error);
  if (!k) return error;
  return ApiResult::success(Json{{"KeyMetadata", describe_key(*k)}});
}

ApiResult Kms::ListKeys(const Json&) const {
  Json list = Json::array();
  for (const auto& k : keys_) {
    if (!k->deleted) list.push_back(Json{{"KeyId", k->id}, {"KeyArn", k->arn}});
  }
  return ApiResult::success(Json{{"Keys", list}, {"Truncated", false}});
}

ApiResult Kms::EnableKey(const Json& p) {
  ApiResult error;
  KmsKey* k = key_param(p, "EnableKey", error);
  if (!k) return error;
  if (k->pending_deletion) {
    return ApiResult::failure(kInvalidState, k->arn + " is pending deletion.");
  }
  k->enabled = true;  // takes effect on reconnect when the key is Unavailable
  trace(key_actor(*k), "enabled", Json{{"KeyState", to_string(key_state(*k))}});
  return ApiResult::success();
}

ApiResult Kms::DisableKey(const Json& p) {
  ApiResult error;
  KmsKey* k = key_param(p, "DisableKey", error);
  if (!k) return error;
  if (k->pending_deletion) {
    return ApiResult::failure(kInvalidState, k->arn + " is pending deletion.");
  }
  k->enabled = false;
  trace(key_actor(*k), "disabled", Json{{"KeyState", to_string(key_state(*k))}});
  return ApiResult::success();
}

ApiResult Kms::ScheduleKeyDeletion(const Json& p) {
  ApiResult error;
  KmsKey* k = key_param(p, "ScheduleKeyDeletion", error);
  if (!k) return error;
  Params in(p);
  const int64_t days = in.integer("PendingWindowInDays").value_or(kDefaultWindowDays);
  if (!in.ok()) return in.error();
  if (days < kMinWindowDays || days > kMaxWindowDays) {
    return ApiResult::failure("ValidationException",
                              "PendingWindowInDays must be between 7 and 30.");
  }
  if (k->pending_deletion) {
    return ApiResult::failure(kInvalidState, k->arn + " is pending deletion.");
  }
  k->pending_deletion = true;
  k->pending_window_days = days;
  k->deletion_date = engine_.now() + sim::Duration::days(days);
  const uint32_t index = key_by_id_.at(k->id);
  // KMS deletes the key when the window ends, plus up to 24 h (the seeded bug
  // ignore_deletion_window forgets the window).
  const sim::Time window_end =
      bugs_.has(Bug::ignore_deletion_window) ? engine_.now() : k->deletion_date;
  k->pending = engine_.schedule_at(window_end + timing_.sample(TimingKey::deletion_lag, rng_),
                                   [this, index] { on_key_deletion(index); });
  trace(key_actor(*k), "deletion_scheduled",
        Json{{"PendingWindowInDays", days}, {"DeletionDate_ns", k->deletion_date.ns()}});
  return ApiResult::success(Json{{"KeyId", k->arn},
                                 {"DeletionDate", k->deletion_date.since_start().seconds_f()},
                                 {"KeyState", "PendingDeletion"},
                                 {"PendingWindowInDays", days}});
}

ApiResult Kms::CancelKeyDeletion(const Json& p) {
  ApiResult error;
  KmsKey* k = key_param(p, "CancelKeyDeletion", error);
  if (!k) return error;
  if (!k->pending_deletion) {
    return ApiResult::failure(kInvalidState, k->arn + " is not pending deletion.");
  }
  engine_.cancel(k->pending);
  k->pending_deletion = false;
  k->enabled = false;  // a cancelled deletion leaves the key Disabled
  trace(key_actor(*k), "deletion_cancelled", Json{{"KeyState", to_string(key_state(*k))}});
  return ApiResult::success(Json{{"KeyId", k->arn}});
}

void Kms::on_key_deletion(uint32_t index) {
  KmsKey& k = *keys_[index];
  if (!k.pending_deletion || k.deleted) return;
  k.deleted = true;
  k.deleted_at = engine_.now();
  for (auto it = aliases_.begin(); it != aliases_.end();) {
    it = it->second == index ? aliases_.erase(it) : std::next(it);
  }
  // Best effort: the backing key goes only if KMS holds a kmsuser session on the cluster
  // (store CONNECTED) and the cluster is reachable. Backups are never cleaned.
  bool backing_deleted = false;
  if (k.store) {
    const CustomKeyStore& s = *stores_[*k.store];
    Cluster* c = cloudhsm_.find_cluster(s.cluster_id);
    if (c && s.state == ConnectionState::CONNECTED && s.holds_session && cluster_reachable(c->id)) {
      backing_deleted = cloudhsm_.delete_key(*c, k.backing_handle);
    }
    // Seeded bug forget_disconnected_orphan: the material left behind drops off the list.
    k.orphan_forgotten = bugs_.has(Bug::forget_disconnected_orphan) && !backing_deleted &&
                         s.state != ConnectionState::CONNECTED;
  }
  trace(key_actor(k), "deleted",
        Json{{"Arn", k.arn},
             {"backingKeysDeletionStatus",
              k.store ? (backing_deleted ? "SUCCESS" : "FAILURE") : "NOT_APPLICABLE"}});
}

ApiResult Kms::CreateAlias(const Json& p) {
  Params in(p);
  const std::string name = in.required_str("AliasName");
  const std::string target = in.required_str("TargetKeyId");
  in.check_length("AliasName", name, 1, 256);
  if (!in.ok()) return in.error();
  if (name.rfind("alias/", 0) != 0 || name.rfind("alias/aws/", 0) == 0 || name.size() < 7) {
    return ApiResult::failure("InvalidAliasNameException",
                              "Alias " + name + " must begin with alias/ (not alias/aws/).");
  }
  if (aliases_.count(name)) {
    return ApiResult::failure("AlreadyExistsException", "Alias " + name + " already exists.");
  }
  ApiResult error;
  KmsKey* k = key_param(Json{{"KeyId", target}}, "CreateAlias", error);
  if (!k) return error;
  aliases_[name] = key_by_id_.at(k->id);
  trace(key_actor(*k), "alias_created", Json{{"AliasName", name}});
  return ApiResult::success();
}

ApiResult Kms::DeleteAlias(const Json& p) {
  Params in(p);
  const std::string name = in.required_str("AliasName");
  if (!in.ok()) return in.error();
  auto it = aliases_.find(name);
  if (it == aliases_.end()) {
    return ApiResult::failure(kNotFound, "Alias " + name + " does not exist.");
  }
  trace(key_actor(*keys_[it->second]), "alias_deleted", Json{{"AliasName", name}});
  aliases_.erase(it);
  return ApiResult::success();
}

ApiResult Kms::UpdateAlias(const Json& p) {
  Params in(p);
  const std::string name = in.required_str("AliasName");
  const std::string target = in.required_str("TargetKeyId");
  if (!in.ok()) return in.error();
  auto it = aliases_.find(name);
  if (it == aliases_.end()) {
    return ApiResult::failure(kNotFound, "Alias " + name + " does not exist.");
  }
  ApiResult error;
  KmsKey* k = key_param(Json{{"KeyId", target}}, "UpdateAlias", error);
  if (!k) return error;
  it->second = key_by_id_.at(k->id);
  return ApiResult::success();
}

ApiResult Kms::ListAliases(const Json& p) const {
  Params in(p);
  const std::optional<std::string> key_ref = in.str("KeyId");
  if (!in.ok()) return in.error();
  const KmsKey* only = nullptr;
  if (key_ref) {
    only = find_key(*key_ref);
    if (!only) return ApiResult::failure(kNotFound, "Key '" + *key_ref + "' does not exist");
  }
  Json list = Json::array();
  for (const auto& [name, index] : aliases_) {
    const KmsKey& k = *keys_[index];
    if (only && only != &k) continue;
    list.push_back(Json{{"AliasName", name},
                        {"AliasArn", "arn:aws:kms:" + region_ + ":" + kAccountId + ":" + name},
                        {"TargetKeyId", k.id}});
  }
  return ApiResult::success(Json{{"Aliases", list}, {"Truncated", false}});
}

ApiResult Kms::TagResource(const Json& p) {
  ApiResult error;
  KmsKey* k = key_param(p, "TagResource", error);
  if (!k) return error;
  Params in(p);
  const Json* tags = in.raw("Tags");
  if (!tags || !tags->is_array()) {
    return ApiResult::failure("ValidationException", "Tags must be a list.");
  }
  for (const Json& t : *tags) {
    if (!t.is_object() || !t.contains("TagKey")) {
      return ApiResult::failure("TagException", "Each tag needs a TagKey.");
    }
    const std::string key = t.value("TagKey", "");
    auto it =
        std::find_if(k->tags.begin(), k->tags.end(), [&](auto& kv) { return kv.first == key; });
    if (it != k->tags.end())
      it->second = t.value("TagValue", "");
    else
      k->tags.emplace_back(key, t.value("TagValue", ""));
  }
  return ApiResult::success();
}

ApiResult Kms::UntagResource(const Json& p) {
  ApiResult error;
  KmsKey* k = key_param(p, "UntagResource", error);
  if (!k) return error;
  Params in(p);
  const std::vector<std::string> keys = in.str_list("TagKeys");
  if (!in.ok()) return in.error();
  std::erase_if(k->tags, [&](auto& kv) {
    return std::find(keys.begin(), keys.end(), kv.first) != keys.end();
  });
  return ApiResult::success();
}

ApiResult Kms::ListResourceTags(const Json& p) const {
  ApiResult error;
  const KmsKey* k = const_cast<Kms*>(this)->key_param(p, "ListResourceTags", error);
  if (!k) return error;
  Json list = Json::array();
  for (const auto& [key, value] : k->tags)
    list.push_back(Json{{"TagKey", key}, {"TagValue", value}});
  return ApiResult::success(Json{{"Tags", list}, {"Truncated", false}});
}

ApiResult Kms::UpdateKeyDescription(const Json& p) {
  ApiResult error;
  KmsKey* k = key_param(p, "UpdateKeyDescription", error);
  if (!k) return error;
  Params in(p);
  const std::string description = in.required_str("Description");
  in.check_length("Description", description, 0, 8192);
  if (!in.ok()) return in.error();
  k->description = description;
  return ApiResult::success();
}

ApiResult Kms::PutKeyPolicy(const Json& p) {
  ApiResult error;
  KmsKey* k = key_param(p, "PutKeyPolicy", error);
  if (!k) return error;
  Params in(p);
  const std::string text = in.required_str("Policy");
  in.check_length("Policy", text, 1, 32768);
  if (!in.ok()) return in.error();
  std::string why;
  const std::optional<KeyPolicy> policy = parse_key_policy(text, why);
  if (!policy) return ApiResult::failure("MalformedPolicyDocumentException", why);
  const bool conditions = std::any_of(policy->statements.begin(), policy->statements.end(),
                                      [](auto& s) { return s.has_condition; });
  k->policy = text;
  k->default_policy = false;
  trace(key_actor(*k), "policy_put", Json{{"conditions_ignored", conditions}});
  return ApiResult::success();
}

ApiResult Kms::GetKeyPolicy(const Json& p) const {
  ApiResult error;
  const KmsKey* k = const_cast<Kms*>(this)->key_param(p, "GetKeyPolicy", error);
  if (!k) return error;
  return ApiResult::success(Json{{"Policy", k->policy}, {"PolicyName", "default"}});
}

namespace {

ApiResult rotation_unsupported(const KmsKey& k) {
  return ApiResult::failure("UnsupportedOperationException",
                            k.arn +
                                " is in a custom key store: automatic rotation is not "
                                "supported.");
}

}  // namespace

ApiResult Kms::EnableKeyRotation(const Json& p) {
  ApiResult error;
  KmsKey* k = key_param(p, "EnableKeyRotation", error);
  if (!k) return error;
  if (k->store) return rotation_unsupported(*k);
  if (k->pending_deletion)
    return ApiResult::failure(kInvalidState, k->arn + " is pending deletion.");
  if (!k->enabled) return ApiResult::failure("DisabledException", k->arn + " is disabled.");
  k->rotation_enabled = true;
  return ApiResult::success();
}

ApiResult Kms::DisableKeyRotation(const Json& p) {
  ApiResult error;
  KmsKey* k = key_param(p, "DisableKeyRotation", error);
  if (!k) return error;
  if (k->store) return rotation_unsupported(*k);
  if (k->pending_deletion)
    return ApiResult::failure(kInvalidState, k->arn + " is pending deletion.");
  if (!k->enabled) return ApiResult::failure("DisabledException", k->arn + " is disabled.");
  k->rotation_enabled = false;
  return ApiResult::success();
}

ApiResult Kms::GetKeyRotationStatus(const Json& p) const {
  ApiResult error;
  const KmsKey* k = const_cast<Kms*>(this)->key_param(p, "GetKeyRotationStatus", error);
  if (!k) return error;
  if (k->store) return rotation_unsupported(*k);
  return ApiResult::success(Json{{"KeyRotationEnabled", k->rotation_enabled}});
}

ApiResult Kms::GetParametersForImport(const Json& p) const {
  ApiResult error;
  const KmsKey* k = const_cast<Kms*>(this)->key_param(p, "GetParametersForImport", error);
  if (!k) return error;
  return ApiResult::failure(
      "UnsupportedOperationException",
      k->arn + " does not have imported key material (Origin " + k->origin + ").");
}

ApiResult Kms::ImportKeyMaterial(const Json& p) const {
  ApiResult error;
  const KmsKey* k = const_cast<Kms*>(this)->key_param(p, "ImportKeyMaterial", error);
  if (!k) return error;
  return ApiResult::failure(
      "UnsupportedOperationException",
      k->arn + " does not have imported key material (Origin " + k->origin + ").");
}

}  // namespace hsmsim::model
