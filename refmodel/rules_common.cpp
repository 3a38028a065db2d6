// Time, lookups, poisoning, dispatch, faults and the observable state of the reference model.
#include <algorithm>
#include <cassert>
#include <stdexcept>
#include <utility>

#include "refmodel/rules.h"

namespace hsmsim::refmodel {

const char* conn_state_name(uint8_t single) {
  switch (single) {
    case kConnected:
      return "CONNECTED";
    case kConnecting:
      return "CONNECTING";
    case kDisconnected:
      return "DISCONNECTED";
    case kDisconnecting:
      return "DISCONNECTING";
    case kFailed:
      return "FAILED";
  }
  return "?";
}

std::optional<std::string> str_param(const Json& p, const char* name) {
  auto it = p.find(name);
  if (it == p.end() || it->is_null()) return std::nullopt;
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_integer()) return std::to_string(it->get<int64_t>());
  return it->dump();
}

std::optional<int64_t> int_param(const Json& p, const char* name, bool& malformed) {
  auto it = p.find(name);
  if (it == p.end() || it->is_null()) return std::nullopt;
  if (it->is_number_integer()) return it->get<int64_t>();
  malformed = true;
  return std::nullopt;
}

// --- time --------------------------------------------------------------------------------------

namespace {

bool overlaps(const Window& a, const Window& b) {
  return a.lo <= b.hi && b.lo <= a.hi;
}

}  // namespace

void Rules::schedule(PendingKind kind, const std::string& target, std::size_t index, int64_t dmin,
                     int64_t dmax) {
  // The call is handled when its step starts, somewhere in [lo, hi].
  s_.pending.push_back(
      Pending{kind, target, index, Window{s_.lo + dmin, s_.hi + dmax}, false, s_.next_order++});
}

void Rules::resolve(int64_t hi) {
  // The cluster a pending change reads or changes, for the interactions below.
  auto cluster_of = [&](const Pending& p) -> std::string {
    switch (p.kind) {
      case PendingKind::StoreConnected:
      case PendingKind::StoreDisconnected: {
        auto it = s_.stores.find(p.target);
        return it == s_.stores.end() ? "" : it->second.cluster;
      }
      case PendingKind::ClusterCreated:
      case PendingKind::ClusterInitialized:
      case PendingKind::ClusterDeleted:
      case PendingKind::HsmCreated:
      case PendingKind::HsmDeleted:
        return p.target;
      default:
        return "";
    }
  };
  // A connect's outcome reads the cluster's HSMs, users and sessions at the moment it ends:
  // when another change of that cluster may come before or after it, the outcome is open.
  for (Pending& a : s_.pending) {
    if (a.kind != PendingKind::StoreConnected) continue;
    for (const Pending& b : s_.pending) {
      if (&a == &b || b.kind == PendingKind::KeyDeleted || b.kind == PendingKind::BackupDeleted ||
          b.kind == PendingKind::StoreDisconnected) {
        continue;
      }
      if (cluster_of(a) == cluster_of(b) && overlaps(a.when, b.when)) a.outcome_unknown = true;
    }
  }
  for (;;) {
    auto next = s_.pending.end();
    for (auto it = s_.pending.begin(); it != s_.pending.end(); ++it) {
      if (it->when.hi > s_.lo) continue;  // not certainly done yet
      if (next == s_.pending.end() || it->when.lo < next->when.lo ||
          (it->when.lo == next->when.lo && it->order < next->order)) {
        next = it;
      }
    }
    if (next == s_.pending.end()) break;
    const Pending p = *next;
    s_.pending.erase(next);
    switch (p.kind) {
      case PendingKind::ClusterCreated: {
        Cluster& c = s_.clusters.at(p.target);
        if (c.state == "CREATE_IN_PROGRESS") c.state = "UNINITIALIZED";
        break;
      }
      case PendingKind::ClusterInitialized: {
        Cluster& c = s_.clusters.at(p.target);
        if (c.state == "INITIALIZE_IN_PROGRESS") c.state = "INITIALIZED";
        break;
      }
      case PendingKind::ClusterDeleted: {
        Cluster& c = s_.clusters.at(p.target);
        if (c.state == "DELETE_IN_PROGRESS") c.state = "DELETED";
        c.sessions.clear();
        break;
      }
      case PendingKind::HsmCreated:
        hsm_created(s_.clusters.at(p.target), p.index, p.outcome_unknown);
        break;
      case PendingKind::HsmDeleted: {
        Hsm& h = s_.clusters.at(p.target).hsms.at(p.index);
        if (h.state == HsmState::DeleteInProgress) h.state = HsmState::Deleted;
        break;
      }
      case PendingKind::StoreConnected:
        finish_connect(s_.stores.at(p.target), p.outcome_unknown, p.when);
        break;
      case PendingKind::StoreDisconnected: {
        Store& st = s_.stores.at(p.target);
        if (st.states & kDisconnecting) {
          st.states = static_cast<uint8_t>((st.states & ~kDisconnecting) | kDisconnected);
        }
        break;
      }
      case PendingKind::KeyDeleted:
        delete_key_now(s_.keys.at(p.target));
        break;
      case PendingKind::BackupDeleted: {
        Backup& b = s_.backups.at(p.target);
        if (b.state == "PENDING_DELETION") b.state = "DELETED";
        break;
      }
    }
  }
  // A new key reaches the cluster's other HSMs within moments (key_sync): once that time has
  // passed with every HSM that may hold it still active, it is on every active HSM.
  for (auto& [name, c] : s_.clusters) {
    for (auto& [key, m] : c.material) {
      if (m.everywhere || m.synced_by > s_.lo) continue;
      const bool all_active = std::all_of(m.one_of.begin(), m.one_of.end(), [&](std::size_t i) {
        return c.hsms[i].state == HsmState::Active;
      });
      if (all_active && !m.one_of.empty()) m.everywhere = true;
    }
  }
  flux_.clear();
  orphans_in_flux_ = false;
  for (const Pending& p : s_.pending) {
    if (p.when.lo > hi) continue;
    flux_.insert(p.target);
    if (p.kind == PendingKind::KeyDeleted) orphans_in_flux_ = true;
  }
  // Retention may purge a world backup once it is older than the cluster's retention.
  for (auto& [name, b] : s_.backups) {
    const Cluster& c = s_.clusters.at(b.cluster);
    if (hi >= int64_t{c.min_retention_days} * kNsPerDay) b.known = false;
  }
}

// --- lookups -----------------------------------------------------------------------------------

Bound Rules::bound(const std::string& name) const {
  auto it = s_.bindings.find(name);
  return it == s_.bindings.end() ? Bound::No : it->second;
}

void Rules::bind(const std::optional<std::string>& as, Bound b) {
  if (as) s_.bindings[*as] = b;
}

Tri Rules::cluster(const std::string& name, Cluster*& out) {
  out = nullptr;
  const Bound b = bound(name);
  if (b == Bound::No) return Tri::No;
  auto it = s_.clusters.find(name);
  if (b == Bound::Maybe || it == s_.clusters.end() || in_flux(name)) return Tri::Maybe;
  if (!it->second.state_known) return Tri::Maybe;
  if (it->second.state == "DELETED") return Tri::No;
  out = &it->second;
  return Tri::Yes;
}

Tri Rules::store(const std::string& name, Store*& out) {
  out = nullptr;
  const Bound b = bound(name);
  if (b == Bound::No) return Tri::No;
  auto alias = s_.store_aliases.find(name);
  const std::string& id = alias == s_.store_aliases.end() ? name : alias->second;
  auto it = s_.stores.find(id);
  if (b == Bound::Maybe || it == s_.stores.end() || in_flux(id)) return Tri::Maybe;
  if (it->second.deleted) return Tri::No;
  out = &it->second;
  return Tri::Yes;
}

Tri Rules::key(const std::string& ref, Key*& out) {
  out = nullptr;
  std::string name = ref;
  if (ref.rfind("alias/", 0) == 0) {
    if (!s_.aliases_known) return Tri::Maybe;
    auto a = s_.aliases.find(ref);
    if (a == s_.aliases.end()) return Tri::No;
    name = a->second;
  }
  const Bound b = bound(name);
  if (b == Bound::No) return Tri::No;
  auto it = s_.keys.find(name);
  if (b == Bound::Maybe || it == s_.keys.end() || in_flux(name) || !it->second.known) {
    return Tri::Maybe;
  }
  if (it->second.deleted) return Tri::No;
  out = &it->second;
  return Tri::Yes;
}

std::optional<Prediction> Rules::unless_found(Tri found, std::string missing) {
  switch (found) {
    case Tri::No:
      return Prediction::fail(std::move(missing));
    case Tri::Maybe:
      return Prediction::unknown();
    case Tri::Yes:
      break;
  }
  return std::nullopt;
}

bool Rules::hsms_certain(const Cluster& c) const {
  return c.hsms_known && c.state_known && !in_flux(c.name);
}

bool Rules::data_certain(const Cluster& c) const {
  return hsms_certain(c) && c.data_known;
}

std::optional<std::size_t> Rules::active_hsms(const Cluster& c) const {
  if (!hsms_certain(c)) return std::nullopt;
  return static_cast<std::size_t>(std::count_if(
      c.hsms.begin(), c.hsms.end(), [](const Hsm& h) { return h.state == HsmState::Active; }));
}

std::optional<bool> Rules::two_hsms_in_distinct_azs(const Cluster& c) const {
  if (!hsms_certain(c)) return std::nullopt;
  std::set<std::string> azs;
  for (const Hsm& h : c.hsms) {
    if (h.state == HsmState::Active) azs.insert(h.az);
  }
  return azs.size() >= 2;
}

void Rules::poison_cluster(Cluster& c) {
  c.hsms_known = false;
  c.data_known = false;
  c.state_known = false;
}

void Rules::poison_store(Store& st) {
  st.known = false;
  st.states = kConnected | kConnecting | kDisconnected | kDisconnecting | kFailed;
  st.error.reset();
}

std::string Rules::fresh_secret() {
  // Passwords KMS rotates to: never equal to a password a scenario can write.
  return "<rotated secret " + std::to_string(++s_.secrets) + ">";
}

// After a call whose outcome the model does not know, everything the call names may have
// changed.
void Rules::poison_everything_named_in(const Json& p) {
  auto visit = [&](const std::string& v) {
    if (auto c = s_.clusters.find(v); c != s_.clusters.end()) poison_cluster(c->second);
    auto alias = s_.store_aliases.find(v);
    if (auto st = s_.stores.find(alias == s_.store_aliases.end() ? v : alias->second);
        st != s_.stores.end()) {
      poison_store(st->second);
      if (auto c = s_.clusters.find(st->second.cluster); c != s_.clusters.end()) {
        c->second.data_known = false;
      }
    }
    std::string key = v;
    if (v.rfind("alias/", 0) == 0) {
      s_.aliases_known = false;
      if (auto a = s_.aliases.find(v); a != s_.aliases.end()) key = a->second;
    }
    if (auto k = s_.keys.find(key); k != s_.keys.end()) {
      k->second.known = false;
      s_.aliases_known = false;
      s_.orphans_known = false;
    }
    if (auto b = s_.backups.find(v); b != s_.backups.end()) b->second.known = false;
    for (auto& [name, c] : s_.clusters) {
      for (const Hsm& h : c.hsms) {
        if (!h.name.empty() && h.name == v) poison_cluster(c);
      }
    }
  };
  std::vector<const Json*> stack{&p};
  while (!stack.empty()) {
    const Json* j = stack.back();
    stack.pop_back();
    if (j->is_string()) visit(j->get<std::string>());
    if (j->is_array() || j->is_object()) {
      for (const Json& item : *j)
        stack.push_back(&item);
    }
  }
}

// --- dispatch ----------------------------------------------------------------------------------

Prediction Rules::call(const std::string& action, const Json& p,
                       const std::optional<std::string>& as) {
  if (action == "CreateCustomKeyStore") return CreateCustomKeyStore(p, as);
  if (action == "DescribeCustomKeyStores") return DescribeCustomKeyStores(p);
  if (action == "ConnectCustomKeyStore") return ConnectCustomKeyStore(p);
  if (action == "DisconnectCustomKeyStore") return DisconnectCustomKeyStore(p);
  if (action == "UpdateCustomKeyStore") return UpdateCustomKeyStore(p);
  if (action == "DeleteCustomKeyStore") return DeleteCustomKeyStore(p);
  if (action == "CreateKey") return CreateKey(p, as);
  if (action == "ScheduleKeyDeletion") return ScheduleKeyDeletion(p);
  if (action == "CancelKeyDeletion") return CancelKeyDeletion(p);
  if (action == "CreateAlias" || action == "DeleteAlias" || action == "UpdateAlias" ||
      action == "ListAliases") {
    return alias_call(action, p);
  }
  if (action == "ListKeys") return Prediction::ok();
  if (action == "cli:ListKeys") return cli("ListKeys", p);
  if (action == "Encrypt" || action == "Decrypt" || action == "ReEncrypt" ||
      action == "GenerateDataKey" || action == "GenerateDataKeyWithoutPlaintext") {
    return crypto(action, p, as);
  }
  if (action == "GenerateRandom") return GenerateRandom(p);
  if (action == "CreateCluster") return CreateCluster(p, as);
  if (action == "DescribeClusters") return Prediction::ok();
  if (action == "InitializeCluster") return InitializeCluster(p);
  if (action == "DeleteCluster") return DeleteCluster(p);
  if (action == "ModifyCluster") return ModifyCluster(p);
  if (action == "CreateHsm") return CreateHsm(p, as);
  if (action == "DeleteHsm") return DeleteHsm(p);
  if (action == "DescribeBackups") return DescribeBackups(p, as);
  if (action == "DeleteBackup" || action == "RestoreBackup" || action == "CopyBackupToRegion" ||
      action == "ModifyBackupAttributes") {
    return backup_call(action, p);
  }
  if (action == "Login" || action == "Logout" || action == "CreateUser" || action == "DeleteUser" ||
      action == "ChangePassword" || action == "DeleteKey" || action == "ActivateCluster") {
    return cli(action, p);
  }
  // Every other key action: DescribeKey, Enable/DisableKey, tags, descriptions, policies,
  // rotation and import.
  return key_admin(action, p);
}

// --- faults ------------------------------------------------------------------------------------

bool Rules::fault_applies(const std::string& kind, const Json& p) const {
  // Faults name world clusters only; these fail when the cluster is gone or has no such
  // subnet / no active HSM in the AZ.
  auto world_cluster = [&]() -> const Cluster* {
    const std::optional<std::string> name = str_param(p, "cluster");
    if (!name) return nullptr;
    auto it = s_.clusters.find(*name);
    if (it == s_.clusters.end() || !it->second.world) return nullptr;
    const Cluster& c = it->second;
    if (!c.state_known || in_flux(c.name) || c.state == "DELETED" ||
        c.state == "DELETE_IN_PROGRESS") {
      return nullptr;  // DELETE_IN_PROGRESS may end during the step: not sure
    }
    return &c;
  };
  if (kind == "network_partition" || kind == "kms_internal_error" || kind == "az_outage") {
    return true;
  }
  const Cluster* c = world_cluster();
  if (!c) return false;
  const std::string az = str_param(p, "az").value_or("");
  if (kind == "subnet_deleted" || kind == "subnet_full") {
    return std::find(c->azs.begin(), c->azs.end(), az) != c->azs.end();
  }
  if (kind == "hsm_slowdown") return true;
  if (kind == "hsm_failure") {
    if (!hsms_certain(*c)) return false;
    return std::any_of(c->hsms.begin(), c->hsms.end(),
                       [&](const Hsm& h) { return h.az == az && h.state == HsmState::Active; });
  }
  return false;
}

void Rules::fault(const std::string& kind, const Json& p) {
  auto duration_ns = [&]() -> int64_t {
    auto it = p.find("duration_ns");
    return it == p.end() ? 0 : it->get<int64_t>();
  };
  const Window start{s_.lo, s_.hi};
  const Window end{s_.lo + duration_ns(), s_.hi + duration_ns()};
  const std::string cluster = str_param(p, "cluster").value_or("");
  // A connect ending now may see the cluster before or after the fault.
  if (!cluster.empty()) touch_cluster(cluster);
  if (kind == "az_outage") {
    for (const auto& [name, c] : s_.clusters)
      touch_cluster(name);
  }
  if (kind == "network_partition") {
    s_.partitions[cluster].push_back(TimedFault{start, end, 1});
  } else if (kind == "kms_internal_error") {
    double probability = 1;
    if (auto it = p.find("probability"); it != p.end()) probability = it->get<double>();
    s_.internal_errors.push_back(TimedFault{start, end, probability});
  } else if (kind == "az_outage") {
    // HSMs in that AZ stop serving for a while: the model does not follow who serves when.
    const std::string az = str_param(p, "az").value_or("");
    s_.outage_azs.insert(az);  // clusters created later have HSMs there too
    for (auto& [name, c] : s_.clusters) {
      if (std::find(c.azs.begin(), c.azs.end(), az) != c.azs.end()) {
        c.hsms_known = false;
        c.data_known = false;
      }
    }
  } else if (kind == "hsm_failure") {
    Cluster& c = s_.clusters.at(cluster);
    c.hsms_known = false;
    c.data_known = false;
  } else if (kind == "subnet_deleted") {
    s_.clusters.at(cluster).subnets_deleted.insert(str_param(p, "az").value_or(""));
  } else if (kind == "subnet_full") {
    s_.clusters.at(cluster).subnets_full.insert(str_param(p, "az").value_or(""));
  } else if (kind == "hsm_slowdown") {
    // Service times are multiplied: crypto steps may take that much longer.
    double factor = 1;
    if (auto it = p.find("factor"); it != p.end()) factor = it->get<double>();
    s_.data_plane_bound_ns = std::max(s_.data_plane_bound_ns,
                                      static_cast<int64_t>(factor * kNsPerSecond) + kNsPerSecond);
  }
}

// --- observable state --------------------------------------------------------------------------

namespace {

bool single(uint8_t states) {
  return states != 0 && (states & (states - 1)) == 0;
}

}  // namespace

Json Rules::observable() const {
  Json out = Json::object();
  for (const auto& [name, st] : s_.stores) {
    if (bound(name) != Bound::Yes || st.deleted || in_flux(name) || !single(st.states)) continue;
    Json fields{{"ConnectionState", conn_state_name(st.states)}};
    if (st.states != kFailed) {
      fields["ConnectionErrorCode"] = Json{{"present", false}};
    } else if (st.known && st.error) {
      fields["ConnectionErrorCode"] = *st.error;
    }
    out["key_store " + name] = fields;
  }
  for (const auto& [name, k] : s_.keys) {
    if (bound(name) != Bound::Yes || k.deleted || !k.known || in_flux(name)) continue;
    std::string state;
    if (k.pending_deletion) {
      state = "PendingDeletion";
    } else if (k.store) {
      const Store& st = s_.stores.at(*k.store);
      if (in_flux(st.name) || !single(st.states)) continue;
      state = st.states != kConnected ? "Unavailable" : (k.enabled ? "Enabled" : "Disabled");
    } else {
      state = k.enabled ? "Enabled" : "Disabled";
    }
    out["key " + name] = Json{{"KeyState", state}};
  }
  for (const auto& [name, c] : s_.clusters) {
    if (bound(name) != Bound::Yes || !c.state_known || in_flux(name)) continue;
    Json fields{{"State", c.state}};
    if (std::optional<std::size_t> n = active_hsms(c)) fields["active_hsms"] = *n;
    out["cluster " + name] = fields;
  }
  // Each orphan is known by the backup that keeps it (retention may purge that one later).
  const bool kept = std::all_of(s_.orphan_keys.begin(), s_.orphan_keys.end(), [&](const auto& kv) {
    const Backup& b = s_.backups.at(kv.second);
    return b.known && b.state != "DELETED";
  });
  if (s_.orphans_known && !orphans_in_flux_ && kept) {
    out["orphans"] = Json{{"count", s_.orphan_keys.size()}};
  }
  return out;
}

}  // namespace hsmsim::refmodel

namespace hsmsim::refmodel {

void Rules::touch_cluster(const std::string& name) {
  for (Pending& p : s_.pending) {
    if (p.kind != PendingKind::StoreConnected || p.when.lo > s_.hi) continue;
    auto st = s_.stores.find(p.target);
    if (st != s_.stores.end() && st->second.cluster == name) p.outcome_unknown = true;
  }
}

std::optional<std::size_t> Rules::id_length(const std::string& value,
                                            std::size_t bound_length) const {
  switch (bound(value)) {
    case Bound::Yes:
      return bound_length;
    case Bound::No:
      return value.size();
    case Bound::Maybe:
      return std::nullopt;
  }
  return std::nullopt;
}

Tri Rules::timed_fault_active(const std::vector<TimedFault>& faults, const Window& when,
                              double* probability) const {
  // Each fault of a kind replaces the one before (the simulator keeps one end time per
  // cluster, and one probability and end for internal errors).
  const TimedFault* last = nullptr;
  for (const TimedFault& f : faults) {
    if (f.start.lo > when.hi) break;              // set after `when`
    if (f.start.hi > when.lo) return Tri::Maybe;  // set during `when`
    last = &f;
  }
  if (!last) return Tri::No;
  if (probability) *probability = last->probability;
  if (when.hi < last->end.lo) return Tri::Yes;
  if (last->end.hi <= when.lo) return Tri::No;
  return Tri::Maybe;
}

}  // namespace hsmsim::refmodel
