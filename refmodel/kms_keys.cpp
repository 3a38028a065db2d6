// KMS keys: creation under the two-HSM rule (facts §3.1), key states and the key-state table
// (facts §3.3), deletion with its 7-30 day window (facts §3.4), aliases and the actions that
// work in any state (SPEC §4.3).
#include <algorithm>

#include "refmodel/rules.h"

namespace hsmsim::refmodel {
namespace {

constexpr const char* kNotFound = "NotFoundException";
constexpr const char* kKeyInvalidState = "KMSInvalidStateException";
constexpr const char* kUnsupported = "UnsupportedOperationException";
constexpr std::size_t kKeyIdLength = 36;  // a UUID
constexpr int64_t kMinWindowDays = 7;
constexpr int64_t kMaxWindowDays = 30;
constexpr int64_t kDefaultWindowDays = 30;

// The one key policy the generator writes besides malformed text: everyone may do everything.
bool allows_everything(const Json& policy) {
  if (!policy.is_object() || !policy.contains("Statement")) return false;
  const Json& statements = policy["Statement"];
  if (!statements.is_array() || statements.size() != 1) return false;
  const Json& st = statements[0];
  return st.is_object() && st.size() == 4 && st.value("Effect", "") == "Allow" &&
         st.contains("Principal") && st["Principal"] == "*" && st.contains("Action") &&
         st["Action"] == "kms:*" && st.contains("Resource");
}

}  // namespace

Prediction Rules::CreateKey(const Json& p, const std::optional<std::string>& as) {
  const std::optional<std::string> store_ref = str_param(p, "CustomKeyStoreId");
  const std::string origin = str_param(p, "Origin").value_or("AWS_KMS");
  const std::string spec =
      str_param(p, "KeySpec")
          .value_or(str_param(p, "CustomerMasterKeySpec").value_or("SYMMETRIC_DEFAULT"));
  const std::string usage = str_param(p, "KeyUsage").value_or("ENCRYPT_DECRYPT");
  const bool multi_region = p.value("MultiRegion", false);
  const std::string description = str_param(p, "Description").value_or("");
  if (description.size() > 8192) return Prediction::fail(kValidation);
  if (p.contains("Policy")) return Prediction::unknown();  // not generated
  if (origin != "AWS_KMS" && origin != "AWS_CLOUDHSM") return Prediction::fail(kUnsupported);
  if ((origin == "AWS_CLOUDHSM") != store_ref.has_value()) return Prediction::fail(kValidation);
  if (spec != "SYMMETRIC_DEFAULT" || usage != "ENCRYPT_DECRYPT" || multi_region) {
    return Prediction::fail(kUnsupported);
  }
  const std::string id = as.value_or("key#" + std::to_string(s_.keys.size()));
  Key k;
  k.name = id;
  if (!store_ref) {
    s_.keys[id] = k;
    bind(as, Bound::Yes);
    return Prediction::ok(
        Json{{"KeyMetadata.KeyState", "Enabled"}, {"KeyMetadata.Origin", "AWS_KMS"}});
  }
  // Store exists, is CONNECTED, and its cluster has two active HSMs in two AZs: in that order
  // (SPEC §4.3).
  Store* st = nullptr;
  switch (store(*store_ref, st)) {
    case Tri::No:
      return Prediction::fail("CustomKeyStoreNotFoundException");
    case Tri::Maybe:
      s_.maybe_key_stores.insert(*store_ref);
      return Prediction::unknown();
    case Tri::Yes:
      break;
  }
  if (!(st->states & kConnected)) return Prediction::fail("CustomKeyStoreInvalidStateException");
  auto unknown = [&]() {
    s_.maybe_key_stores.insert(*store_ref);
    s_.maybe_key_stores.insert(st->id);
    return Prediction::unknown();
  };
  const std::string store_id = st->id;
  if (st->states != kConnected || !st->known) return unknown();
  Cluster* c = nullptr;
  switch (cluster(st->cluster, c)) {
    case Tri::No:
      return Prediction::fail("CloudHsmClusterInvalidConfigurationException");
    case Tri::Maybe:
      return unknown();
    case Tri::Yes:
      break;
  }
  const std::optional<bool> two = two_hsms_in_distinct_azs(*c);
  if (!two) return unknown();
  if (!*two) return Prediction::fail("CloudHsmClusterInvalidConfigurationException");
  // The simulator's choice where the docs are silent: a partitioned cluster answers CreateKey
  // with KMSInternalException ("KMS cannot communicate with your CloudHSM cluster").
  switch (timed_fault_active(s_.partitions[c->name], Window{s_.lo, s_.hi}, nullptr)) {
    case Tri::Yes:
      return Prediction::fail("KMSInternalException");
    case Tri::Maybe:
      return unknown();
    case Tri::No:
      break;
  }
  k.store = store_id;
  k.home_cluster = c->name;
  // Made on one active HSM, copied to the others within moments (key_sync).
  Material m;
  m.everywhere = false;
  for (std::size_t i = 0; i < c->hsms.size(); ++i) {
    if (c->hsms[i].state == HsmState::Active) m.one_of.insert(i);
  }
  m.synced_by = s_.hi + kNsPerMinute;
  c->material[id] = m;
  s_.keys[id] = k;
  bind(as, Bound::Yes);
  return Prediction::ok(
      Json{{"KeyMetadata.KeyState", "Enabled"}, {"KeyMetadata.Origin", "AWS_CLOUDHSM"}});
}

Prediction Rules::key_admin(const std::string& action, const Json& p) {
  const std::optional<std::string> ref = str_param(p, "KeyId");
  if (!ref) return Prediction::fail(kValidation);
  const std::optional<std::size_t> n = id_length(*ref, kKeyIdLength);
  if (n && (*n < 1 || *n > 2048)) return Prediction::fail(kValidation);
  Key* k = nullptr;
  if (auto early = unless_found(key(*ref, k), kNotFound)) return *early;
  if (action == "DescribeKey" || action == "ListResourceTags" || action == "GetKeyPolicy" ||
      action == "UntagResource") {
    return Prediction::ok();
  }
  if (action == "EnableKey" || action == "DisableKey") {
    if (k->pending_deletion) return Prediction::fail(kKeyInvalidState);
    k->enabled = action == "EnableKey";  // on an Unavailable key: takes effect on reconnect
    return Prediction::ok();
  }
  if (action == "TagResource") {
    const auto tags = p.find("Tags");
    if (tags == p.end() || !tags->is_array()) return Prediction::fail(kValidation);
    for (const Json& t : *tags) {
      if (!t.is_object() || !t.contains("TagKey")) return Prediction::fail("TagException");
    }
    return Prediction::ok();
  }
  if (action == "UpdateKeyDescription") {
    const std::optional<std::string> d = str_param(p, "Description");
    if (!d || d->size() > 8192) return Prediction::fail(kValidation);
    return Prediction::ok();
  }
  if (action == "PutKeyPolicy") {
    const std::optional<std::string> text = str_param(p, "Policy");
    if (!text || text->empty() || text->size() > 32768) return Prediction::fail(kValidation);
    const Json policy = Json::parse(*text, nullptr, false);
    if (policy.is_discarded()) return Prediction::fail("MalformedPolicyDocumentException");
    if (allows_everything(policy)) return Prediction::ok();
    return Prediction::unknown();
  }
  // Rotation is not supported for keys in a custom key store (facts §3.2).
  if (action == "EnableKeyRotation" || action == "DisableKeyRotation") {
    if (k->store) return Prediction::fail(kUnsupported);
    if (k->pending_deletion) return Prediction::fail(kKeyInvalidState);
    if (!k->enabled) return Prediction::fail("DisabledException");
    return Prediction::ok();
  }
  if (action == "GetKeyRotationStatus") {
    return k->store ? Prediction::fail(kUnsupported) : Prediction::ok();
  }
  if (action == "GetParametersForImport" || action == "ImportKeyMaterial") {
    return Prediction::fail(kUnsupported);  // no key here has imported material
  }
  return Prediction::unknown();
}

Prediction Rules::ScheduleKeyDeletion(const Json& p) {
  const std::optional<std::string> ref = str_param(p, "KeyId");
  if (!ref) return Prediction::fail(kValidation);
  Key* k = nullptr;
  if (auto early = unless_found(key(*ref, k), kNotFound)) return *early;
  bool malformed = false;
  const int64_t days = int_param(p, "PendingWindowInDays", malformed).value_or(kDefaultWindowDays);
  if (malformed || days < kMinWindowDays || days > kMaxWindowDays) {
    return Prediction::fail(kValidation);
  }
  if (k->pending_deletion) return Prediction::fail(kKeyInvalidState);
  k->pending_deletion = true;
  // Deleted when the window ends, plus up to 24 h (facts §3.4).
  schedule(PendingKind::KeyDeleted, k->name, 0, days * kNsPerDay, days * kNsPerDay + kNsPerDay);
  return Prediction::ok(Json{{"KeyState", "PendingDeletion"}, {"PendingWindowInDays", days}});
}

Prediction Rules::CancelKeyDeletion(const Json& p) {
  const std::optional<std::string> ref = str_param(p, "KeyId");
  if (!ref) return Prediction::fail(kValidation);
  Key* k = nullptr;
  if (auto early = unless_found(key(*ref, k), kNotFound)) return *early;
  if (!k->pending_deletion) return Prediction::fail(kKeyInvalidState);
  std::erase_if(s_.pending, [&](const Pending& q) {
    return q.kind == PendingKind::KeyDeleted && q.target == k->name;
  });
  k->pending_deletion = false;
  k->enabled = false;  // a cancelled deletion leaves the key Disabled
  return Prediction::ok();
}

void Rules::delete_key_now(Key& k) {
  if (!k.pending_deletion || k.deleted) return;
  k.deleted = true;
  std::erase_if(s_.aliases, [&](const auto& kv) { return kv.second == k.name; });
  if (!k.store) return;
  // Backups are never cleaned (facts §3.4): a world key stays in its cluster's t=0 backup.
  auto b = s_.backups.find("backup-of:" + k.home_cluster);
  if (k.world && b != s_.backups.end() && b->second.known && b->second.state != "DELETED") {
    s_.orphan_keys[k.name] = b->first;
  } else {
    s_.orphans_known = false;
  }
}

Prediction Rules::alias_call(const std::string& action, const Json& p) {
  if (action == "ListAliases") {
    const std::optional<std::string> ref = str_param(p, "KeyId");
    if (!ref) return Prediction::ok();
    Key* k = nullptr;
    switch (key(*ref, k)) {
      case Tri::No:
        return Prediction::fail(kNotFound);
      case Tri::Maybe:
        return Prediction::unknown();
      case Tri::Yes:
        return Prediction::ok();
    }
  }
  const std::optional<std::string> name = str_param(p, "AliasName");
  if (!name) return Prediction::fail(kValidation);
  // An alias goes with its key: while the key's deletion may be happening, so may the alias's.
  if (auto a = s_.aliases.find(*name); a != s_.aliases.end()) {
    auto k = s_.keys.find(a->second);
    if (in_flux(a->second) || k == s_.keys.end() || !k->second.known) return Prediction::unknown();
  }
  if (action == "CreateAlias") {
    const std::optional<std::string> target = str_param(p, "TargetKeyId");
    if (!target || name->empty() || name->size() > 256) return Prediction::fail(kValidation);
    if (name->rfind("alias/", 0) != 0 || name->rfind("alias/aws/", 0) == 0 || name->size() < 7) {
      return Prediction::fail("InvalidAliasNameException");
    }
    if (!s_.aliases_known) return Prediction::unknown();
    if (s_.aliases.count(*name)) return Prediction::fail("AlreadyExistsException");
    Key* k = nullptr;
    if (auto early = unless_found(key(*target, k), kNotFound)) return *early;
    s_.aliases[*name] = k->name;
    return Prediction::ok();
  }
  if (!s_.aliases_known) return Prediction::unknown();
  auto it = s_.aliases.find(*name);
  if (action == "DeleteAlias") {
    if (it == s_.aliases.end()) return Prediction::fail(kNotFound);
    s_.aliases.erase(it);
    return Prediction::ok();
  }
  // UpdateAlias
  const std::optional<std::string> target = str_param(p, "TargetKeyId");
  if (!target) return Prediction::fail(kValidation);
  if (it == s_.aliases.end()) return Prediction::fail(kNotFound);
  Key* k = nullptr;
  if (auto early = unless_found(key(*target, k), kNotFound)) return *early;
  it->second = k->name;
  return Prediction::ok();
}

}  // namespace hsmsim::refmodel
