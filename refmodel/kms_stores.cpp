// Custom key stores: create (with its order of checks, SPEC §5), the connection state
// machine (facts §2.1), update (lineage, SPEC §4.2) and delete.
#include <algorithm>

#include "refmodel/rules.h"

namespace hsmsim::refmodel {
namespace {

constexpr const char* kStoreNotFound = "CustomKeyStoreNotFoundException";
constexpr const char* kStoreInvalidState = "CustomKeyStoreInvalidStateException";
constexpr const char* kClusterNotFound = "CloudHsmClusterNotFoundException";
constexpr const char* kClusterNotActive = "CloudHsmClusterNotActiveException";
constexpr const char* kInvalidConfig = "CloudHsmClusterInvalidConfigurationException";
constexpr std::size_t kClusterIdLength = 19;  // cluster- and 11 characters
constexpr std::size_t kStoreLimit = 10;       // SPEC §4.2 (the scenario's default quota)
constexpr int kMaxFailedLogins = 5;           // the 6th consecutive failure locks (SPEC §4.1)

bool length_ok(const std::optional<std::string>& v, std::size_t min, std::size_t max) {
  return !v || (v->size() >= min && v->size() <= max);
}

// The answer when every state of a set gives the same one, else Unknown.
template <typename F>
Prediction per_state(uint8_t states, F answer) {
  std::optional<Prediction> agreed;
  for (uint8_t bit = 1; bit <= kFailed; bit = static_cast<uint8_t>(bit << 1)) {
    if (!(states & bit)) continue;
    Prediction p = answer(bit);
    if (p.is_unknown()) return p;
    if (agreed && (agreed->kind != p.kind || agreed->error != p.error))
      return Prediction::unknown();
    if (!agreed) agreed = p;
  }
  return agreed.value_or(Prediction::unknown());
}

}  // namespace

Prediction Rules::CreateCustomKeyStore(const Json& p, const std::optional<std::string>& as) {
  const std::optional<std::string> name = str_param(p, "CustomKeyStoreName");
  const std::optional<std::string> cluster_ref = str_param(p, "CloudHsmClusterId");
  const std::optional<std::string> anchor = str_param(p, "TrustAnchorCertificate");
  const std::optional<std::string> password = str_param(p, "KeyStorePassword");
  const std::string type = str_param(p, "CustomKeyStoreType").value_or("AWS_CLOUDHSM");
  // Parameter validation comes first (SPEC §5, order of checks).
  if (!name || !length_ok(name, 1, 256) || !length_ok(anchor, 1, 5000) ||
      !length_ok(password, 7, 32)) {
    return Prediction::fail(kValidation);
  }
  if (cluster_ref) {
    const std::optional<std::size_t> n = id_length(*cluster_ref, kClusterIdLength);
    if (!n) return Prediction::unknown();
    if (*n < 19 || *n > 24) return Prediction::fail(kValidation);
  }
  if (type != "AWS_CLOUDHSM" || !cluster_ref || !anchor || !password) {
    return Prediction::fail(kValidation);
  }
  // The idempotent repeat of an existing DISCONNECTED store (facts §1.2).
  for (const auto& [id, st] : s_.stores) {
    if (st.deleted || bound(id) != Bound::Yes) continue;
    if (!st.known || in_flux(id)) return Prediction::unknown();
    const bool same = st.name == *name && st.cluster == *cluster_ref &&
                      s_.clusters.at(st.cluster).trust_anchor == *anchor &&
                      st.password == *password;
    if (!same) continue;
    if (st.states == kDisconnected) {
      // The existing store's ID: the `as:` name now stands for that store.
      if (as) s_.store_aliases[*as] = id;
      bind(as, Bound::Yes);
      return Prediction::ok();
    }
    if (st.states & kDisconnected) return Prediction::unknown();
  }
  if (s_.maybe_store_names.count(*name)) return Prediction::unknown();
  std::size_t live = 0, maybe = s_.maybe_stores;
  for (const auto& [id, st] : s_.stores) {
    if (st.deleted) continue;
    const bool sure = bound(id) == Bound::Yes && st.known;
    if (st.name == *name || !st.known) {
      if (!sure) return Prediction::unknown();
      return Prediction::fail("CustomKeyStoreNameInUseException");
    }
    ++(bound(id) == Bound::Yes ? live : maybe);
  }
  if (live + maybe >= kStoreLimit) {
    if (live >= kStoreLimit) return Prediction::fail("LimitExceededException");
    return Prediction::unknown();
  }
  Cluster* c = nullptr;
  if (auto early = unless_found(cluster(*cluster_ref, c), kClusterNotFound)) return *early;
  if (c->state != "ACTIVE") return Prediction::fail(kClusterNotActive);
  // In use directly or through shared backup history; a store whose cluster was deleted
  // still holds that cluster's lineage.
  for (const auto& [id, st] : s_.stores) {
    if (st.deleted) continue;
    if (!st.known) return Prediction::unknown();  // its cluster may have changed
    if (shares_history(s_.clusters.at(st.cluster), *c)) {
      if (bound(id) != Bound::Yes) return Prediction::unknown();
      return Prediction::fail("CloudHsmClusterInUseException");
    }
  }
  if (s_.maybe_lineages.count(c->lineage)) return Prediction::unknown();
  const std::optional<bool> two = two_hsms_in_distinct_azs(*c);
  if (!two) return Prediction::unknown();
  if (!*two) return Prediction::fail(kInvalidConfig);
  if (*anchor != c->trust_anchor) return Prediction::fail("IncorrectTrustAnchorException");
  const std::string id = as.value_or("store#" + std::to_string(s_.stores.size()));
  Store st;
  st.id = id;
  st.name = *name;
  st.cluster = c->name;
  st.password = *password;
  s_.stores[id] = st;
  bind(as, Bound::Yes);
  return Prediction::ok();
}

Prediction Rules::DescribeCustomKeyStores(const Json& p) {
  const std::optional<std::string> id = str_param(p, "CustomKeyStoreId");
  const std::optional<std::string> name = str_param(p, "CustomKeyStoreName");
  if (id && name) return Prediction::fail(kValidation);
  if (id) {
    Store* st = nullptr;
    if (auto early = unless_found(store(*id, st), kStoreNotFound)) return *early;
    Json fields = Json::object();
    if ((st->states & (st->states - 1)) == 0) {
      fields["CustomKeyStores[0].ConnectionState"] = conn_state_name(st->states);
    }
    return Prediction::ok(fields);
  }
  if (name) {
    if (s_.maybe_store_names.count(*name)) return Prediction::unknown();
    for (const auto& [sid, st] : s_.stores) {
      if (st.deleted) continue;
      if (!st.known || bound(sid) != Bound::Yes) return Prediction::unknown();
      if (st.name == *name) return Prediction::ok();
    }
    return Prediction::fail(kStoreNotFound);
  }
  return Prediction::ok();
}

Prediction Rules::ConnectCustomKeyStore(const Json& p) {
  const std::string id = str_param(p, "CustomKeyStoreId").value_or("");
  Store* st = nullptr;
  if (auto early = unless_found(store(id, st), kStoreNotFound)) return *early;
  // Connect is rejected in DISCONNECTING and FAILED, a no-op in CONNECTED and CONNECTING, and
  // from DISCONNECTED fails at once only for easy configuration errors (SPEC §5).
  Cluster* c = nullptr;
  const auto it = s_.clusters.find(st->cluster);
  const bool cluster_known =
      it != s_.clusters.end() && it->second.state_known && !in_flux(st->cluster);
  if (it != s_.clusters.end()) c = &it->second;
  bool accepted_possible = false;
  Prediction answer = per_state(st->states, [&](uint8_t state) -> Prediction {
    if (state == kDisconnecting || state == kFailed) return Prediction::fail(kStoreInvalidState);
    if (state == kConnected || state == kConnecting) return Prediction::ok();
    if (!cluster_known) return Prediction::unknown();
    if (c->state != "DELETED") {
      if (c->state != "ACTIVE") return Prediction::fail(kClusterNotActive);
      const std::optional<std::size_t> active = active_hsms(*c);
      if (!active) return Prediction::unknown();
      if (*active == 0) return Prediction::fail(kInvalidConfig);
    }
    accepted_possible = true;
    return Prediction::ok();
  });
  if (answer.is_unknown()) {
    if (st->states & kDisconnected) {
      poison_store(*st);
      if (c) c->data_known = false;
    }
    return answer;
  }
  if (accepted_possible) {
    if (st->states != kDisconnected) {
      // Some states are no-ops and one starts a connect: the model loses track.
      poison_store(*st);
      if (c) c->data_known = false;
      return answer;
    }
    st->states = kConnecting;
    st->error.reset();
    schedule(PendingKind::StoreConnected, st->id, 0, 5 * kNsPerMinute, 20 * kNsPerMinute);
  }
  return answer;
}

std::optional<std::string> Rules::connect_failure(Store& st, const Window& when, bool& unknown) {
  auto it = s_.clusters.find(st.cluster);
  if (it == s_.clusters.end() || !it->second.state_known) {
    unknown = true;
    return std::nullopt;
  }
  Cluster& c = it->second;
  if (c.state == "DELETED") return "CLUSTER_NOT_FOUND";
  if (!c.subnets_deleted.empty()) return "SUBNET_NOT_FOUND";
  if (!c.subnets_full.empty()) return "INSUFFICIENT_FREE_ADDRESSES_IN_SUBNET";
  switch (timed_fault_active(s_.partitions[c.name], when, nullptr)) {
    case Tri::Yes:
      return "NETWORK_ERRORS";
    case Tri::Maybe:
      unknown = true;
      return std::nullopt;
    case Tri::No:
      break;
  }
  double probability = 1;
  switch (timed_fault_active(s_.internal_errors, when, &probability)) {
    case Tri::Yes:
      if (probability >= 1) return "INTERNAL_ERROR";
      if (probability > 0) {
        unknown = true;
        return std::nullopt;
      }
      break;
    case Tri::Maybe:
      unknown = true;
      return std::nullopt;
    case Tri::No:
      break;
  }
  // The kmsuser login on every active HSM (SPEC §4.1).
  if (!c.hsms_known || !c.data_known) {
    unknown = true;
    return std::nullopt;
  }
  const bool any_active = std::any_of(c.hsms.begin(), c.hsms.end(),
                                      [](const Hsm& h) { return h.state == HsmState::Active; });
  if (!any_active) return "INSUFFICIENT_CLOUDHSM_HSMS";
  auto user = c.users.find("kmsuser");
  if (user == c.users.end()) return "USER_NOT_FOUND";
  if (c.sessions.count("kmsuser")) return "USER_LOGGED_IN";
  if (user->second.locked) return "USER_LOCKED_OUT";
  if (user->second.password != st.password) {
    if (++user->second.failed_logins > kMaxFailedLogins) user->second.locked = true;
    return "INVALID_CREDENTIALS";
  }
  return std::nullopt;
}

void Rules::finish_connect(Store& st, bool outcome_unknown, const Window& when) {
  if (!(st.states & kConnecting)) return;
  bool unknown = outcome_unknown || !st.known || st.states != kConnecting;
  std::optional<std::string> error;
  if (!unknown) error = connect_failure(st, when, unknown);
  auto cluster_it = s_.clusters.find(st.cluster);
  if (unknown) {
    st.states = static_cast<uint8_t>((st.states & ~kConnecting) | kConnected | kFailed);
    st.known = false;
    st.error.reset();
    if (cluster_it != s_.clusters.end()) cluster_it->second.data_known = false;
    return;
  }
  if (error) {
    st.states = kFailed;
    st.error = error;
    return;
  }
  // Logged in: KMS rotates kmsuser's password and keeps the session (facts §2.3).
  Cluster& c = cluster_it->second;
  st.password = fresh_secret();
  User& u = c.users.at("kmsuser");
  u.password = st.password;
  u.failed_logins = 0;
  u.locked = false;
  c.sessions["kmsuser"] = "kms:" + st.id;
  st.holds_session = true;
  st.states = kConnected;
}

Prediction Rules::DisconnectCustomKeyStore(const Json& p) {
  const std::string id = str_param(p, "CustomKeyStoreId").value_or("");
  Store* st = nullptr;
  if (auto early = unless_found(store(id, st), kStoreNotFound)) return *early;
  const Prediction answer = per_state(st->states, [](uint8_t state) {
    return state == kDisconnected || state == kDisconnecting ? Prediction::fail(kStoreInvalidState)
                                                             : Prediction::ok();
  });
  if (answer.is_unknown()) {
    poison_store(*st);
    if (auto c = s_.clusters.find(st->cluster); c != s_.clusters.end())
      c->second.data_known = false;
    return answer;
  }
  if (!answer.is_ok()) return answer;
  std::erase_if(s_.pending, [&](const Pending& q) {
    return q.kind == PendingKind::StoreConnected && q.target == st->id;
  });
  auto c = s_.clusters.find(st->cluster);
  if (!st->known) {
    if (c != s_.clusters.end()) c->second.data_known = false;  // who holds the session is open
  } else if (st->holds_session && c != s_.clusters.end() && c->second.state != "DELETED") {
    auto session = c->second.sessions.find("kmsuser");
    if (session != c->second.sessions.end() && session->second == "kms:" + st->id) {
      c->second.sessions.erase(session);
    }
  }
  if (c != s_.clusters.end()) touch_cluster(c->first);
  st->holds_session = false;
  st->states = kDisconnecting;
  st->error.reset();
  schedule(PendingKind::StoreDisconnected, st->id, 0, 30 * kNsPerSecond, 30 * kNsPerSecond);
  return answer;
}

Prediction Rules::UpdateCustomKeyStore(const Json& p) {
  const std::string id = str_param(p, "CustomKeyStoreId").value_or("");
  Store* st = nullptr;
  if (auto early = unless_found(store(id, st), kStoreNotFound)) return *early;
  const std::optional<std::string> new_name = str_param(p, "NewCustomKeyStoreName");
  const std::optional<std::string> password = str_param(p, "KeyStorePassword");
  const std::optional<std::string> cluster_ref = str_param(p, "CloudHsmClusterId");
  if (!length_ok(new_name, 1, 256) || !length_ok(password, 7, 32)) {
    return Prediction::fail(kValidation);
  }
  if (cluster_ref) {
    const std::optional<std::size_t> n = id_length(*cluster_ref, kClusterIdLength);
    if (!n) return Prediction::unknown();
    if (*n < 19 || *n > 24) return Prediction::fail(kValidation);
  }
  // Only the name may change while CONNECTED; everything else needs DISCONNECTED.
  const bool only_name = new_name && !password && !cluster_ref;
  const Prediction state_answer = per_state(st->states, [&](uint8_t state) {
    const bool allowed = state == kDisconnected || (only_name && state == kConnected);
    return allowed ? Prediction::ok() : Prediction::fail(kStoreInvalidState);
  });
  if (!state_answer.is_ok()) return state_answer;
  if (!st->known) return Prediction::unknown();
  if (new_name) {
    if (s_.maybe_store_names.count(*new_name)) return Prediction::unknown();
    for (const auto& [other_id, other] : s_.stores) {
      if (other.deleted || other_id == st->id) continue;
      if (!other.known) return Prediction::unknown();
      if (other.name == *new_name) return Prediction::fail("CustomKeyStoreNameInUseException");
    }
  }
  Cluster* target = nullptr;
  if (cluster_ref) {
    if (auto early = unless_found(cluster(*cluster_ref, target), kClusterNotFound)) return *early;
    if (!shares_history(s_.clusters.at(st->cluster), *target)) {
      return Prediction::fail("CloudHsmClusterNotRelatedException");
    }
    if (target->state != "ACTIVE") return Prediction::fail(kClusterNotActive);
    const std::optional<bool> two = two_hsms_in_distinct_azs(*target);
    if (!two) return Prediction::unknown();
    if (!*two) return Prediction::fail(kInvalidConfig);
  }
  if (new_name) st->name = *new_name;
  if (password) st->password = *password;  // tells KMS the password; the cluster is untouched
  if (target) st->cluster = target->name;
  return Prediction::ok();
}

Prediction Rules::DeleteCustomKeyStore(const Json& p) {
  const std::string id = str_param(p, "CustomKeyStoreId").value_or("");
  Store* st = nullptr;
  switch (store(id, st)) {
    case Tri::No:
      return Prediction::fail(kStoreNotFound);
    case Tri::Maybe:
      // Whether the store goes is open as well: from now on it may or may not exist (the
      // store's own `known` covers only its state).
      bind(id, Bound::Maybe);
      if (auto alias = s_.store_aliases.find(id); alias != s_.store_aliases.end()) {
        bind(alias->second, Bound::Maybe);
      }
      return Prediction::unknown();
    case Tri::Yes:
      break;
  }
  const Prediction state_answer = per_state(st->states, [](uint8_t state) {
    return state == kDisconnected ? Prediction::ok() : Prediction::fail(kStoreInvalidState);
  });
  if (state_answer.is_unknown()) {
    poison_store(*st);
    bind(id, Bound::Maybe);
    bind(st->id, Bound::Maybe);
    return state_answer;
  }
  if (!state_answer.is_ok()) return state_answer;
  // Keys count until they are deleted, PendingDeletion ones included (facts §1.2).
  bool keys_open = s_.maybe_key_stores.count(id) > 0 || s_.maybe_key_stores.count(st->id) > 0;
  for (const auto& [kid, k] : s_.keys) {
    if (k.store != st->id) continue;
    if (bound(kid) == Bound::Maybe || !k.known || in_flux(kid)) {
      keys_open = true;
      continue;
    }
    if (bound(kid) == Bound::Yes && !k.deleted) {
      return Prediction::fail("CustomKeyStoreHasCMKsException");
    }
  }
  if (keys_open) {
    bind(id, Bound::Maybe);
    bind(st->id, Bound::Maybe);
    return Prediction::unknown();
  }
  st->deleted = true;
  return Prediction::ok();
}

}  // namespace hsmsim::refmodel
