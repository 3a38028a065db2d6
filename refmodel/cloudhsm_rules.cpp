// CloudHSM clusters, HSMs and backups (facts §5, SPEC §4.1) and the command-line tools an
// operator uses on a cluster (SPEC §5 `cli:` actions).
#include <algorithm>

#include "refmodel/rules.h"

namespace hsmsim::refmodel {
namespace {

constexpr const char* kInvalidRequest = "CloudHsmInvalidRequestException";
constexpr const char* kResourceNotFound = "CloudHsmResourceNotFoundException";
constexpr const char* kRegion = "us-east-1";
constexpr std::size_t kMaxHsmsPerCluster = 28;
constexpr int kMaxFailedLogins = 5;

bool length_ok(const std::optional<std::string>& v, std::size_t min, std::size_t max) {
  return !v || (v->size() >= min && v->size() <= max);
}

// BackupRetentionPolicy {Type: DAYS, Value: N}: nullopt when fine, else the exception.
std::optional<int64_t> retention_days(const Json& p, bool& bad) {
  auto it = p.find("BackupRetentionPolicy");
  if (it == p.end() || it->is_null()) return std::nullopt;
  bool malformed = false;
  const std::optional<int64_t> v = int_param(*it, "Value", malformed);
  if (malformed) bad = true;
  return v;
}

}  // namespace

Prediction Rules::CreateCluster(const Json& p, const std::optional<std::string>& as) {
  bool bad = false;
  int days = 90;
  if (const std::optional<int64_t> v = retention_days(p, bad)) {
    if (*v < 7 || *v > 379) return Prediction::fail(kInvalidRequest);
    days = static_cast<int>(*v);
  }
  if (bad) return Prediction::fail(kValidation);
  std::vector<std::string> azs;
  if (auto it = p.find("SubnetIds"); it != p.end() && it->is_array()) {
    for (const Json& az : *it)
      azs.push_back(az.get<std::string>());
  }
  if (azs.empty() || azs.size() > 10) return Prediction::fail(kValidation);
  if (std::set<std::string>(azs.begin(), azs.end()).size() != azs.size()) {
    return Prediction::fail(kInvalidRequest);
  }
  if (const std::optional<std::string> type = str_param(p, "HsmType");
      type && *type != "hsm1.medium" && *type != "hsm2m.medium") {
    return Prediction::fail(kInvalidRequest);
  }
  const Backup* source = nullptr;
  if (const std::optional<std::string> ref = str_param(p, "SourceBackupId")) {
    auto b = s_.backups.find(*ref);
    if (b == s_.backups.end()) {
      if (bound(*ref) == Bound::Maybe) return Prediction::unknown();
      return Prediction::fail(kResourceNotFound);
    }
    if (!b->second.known || in_flux(*ref)) return Prediction::unknown();
    if (b->second.state == "DELETED") return Prediction::fail(kResourceNotFound);
    if (b->second.state != "READY") return Prediction::fail(kInvalidRequest);
    source = &b->second;
  }
  Cluster c;
  c.name = as.value_or("cluster#" + std::to_string(s_.clusters.size()));
  c.azs = azs;
  c.state = "CREATE_IN_PROGRESS";
  c.min_retention_days = days;
  if (source) {
    // It shares backup history with the backup's cluster (facts §5.4) and holds its trust
    // anchor, users and keys once its first HSM is up.
    const Cluster& from = s_.clusters.at(source->cluster);
    c.lineage = from.lineage;
    c.trust_anchor = from.trust_anchor;
    c.from_backup = true;
    c.seed_users = source->users;
    c.seed_material = source->material;
  } else {
    c.lineage = s_.next_lineage++;
  }
  // An AZ outage (even an ended one, the model does not time it) may take its HSMs out.
  for (const std::string& az : azs) {
    if (s_.outage_azs.count(az)) {
      c.hsms_known = false;
      c.data_known = false;
    }
  }
  const std::string name = c.name;
  s_.clusters[name] = std::move(c);
  bind(as, Bound::Yes);
  schedule(PendingKind::ClusterCreated, name, 0, 3 * kNsPerMinute, 3 * kNsPerMinute);
  return Prediction::ok(Json{{"Cluster.State", "CREATE_IN_PROGRESS"}});
}

Prediction Rules::InitializeCluster(const Json& p) {
  Cluster* c = nullptr;
  if (auto early =
          unless_found(cluster(str_param(p, "ClusterId").value_or(""), c), kResourceNotFound))
    return *early;
  const std::optional<std::string> anchor = str_param(p, "TrustAnchor");
  if (!anchor || !str_param(p, "SignedCert") || !length_ok(anchor, 1, 5000)) {
    return Prediction::fail(kValidation);
  }
  if (c->state != "UNINITIALIZED" || c->from_backup) return Prediction::fail(kInvalidRequest);
  const std::optional<std::size_t> active = active_hsms(*c);
  if (!active) return Prediction::unknown();
  if (*active == 0) return Prediction::fail(kInvalidRequest);  // no CSR without an HSM
  c->trust_anchor = *anchor;
  c->state = "INITIALIZE_IN_PROGRESS";
  touch_cluster(c->name);
  schedule(PendingKind::ClusterInitialized, c->name, 0, 5 * kNsPerMinute, 5 * kNsPerMinute);
  return Prediction::ok(Json{{"State", "INITIALIZE_IN_PROGRESS"}});
}

Prediction Rules::DeleteCluster(const Json& p) {
  Cluster* c = nullptr;
  if (auto early =
          unless_found(cluster(str_param(p, "ClusterId").value_or(""), c), kResourceNotFound))
    return *early;
  if (c->state == "DELETE_IN_PROGRESS") return Prediction::fail(kInvalidRequest);
  // DeleteCluster needs zero HSMs (facts §5.1).
  if (!hsms_certain(*c)) return Prediction::unknown();
  const bool has_hsms = std::any_of(c->hsms.begin(), c->hsms.end(),
                                    [](const Hsm& h) { return h.state != HsmState::Deleted; });
  if (has_hsms) return Prediction::fail(kInvalidRequest);
  std::erase_if(s_.pending, [&](const Pending& q) {
    return q.target == c->name &&
           (q.kind == PendingKind::ClusterCreated || q.kind == PendingKind::ClusterInitialized);
  });
  c->state = "DELETE_IN_PROGRESS";
  touch_cluster(c->name);
  schedule(PendingKind::ClusterDeleted, c->name, 0, 2 * kNsPerMinute, 2 * kNsPerMinute);
  return Prediction::ok();
}

Prediction Rules::ModifyCluster(const Json& p) {
  Cluster* c = nullptr;
  if (auto early =
          unless_found(cluster(str_param(p, "ClusterId").value_or(""), c), kResourceNotFound))
    return *early;
  bool bad = false;
  const std::optional<int64_t> days = retention_days(p, bad);
  if (!p.contains("BackupRetentionPolicy") || bad) return Prediction::fail(kValidation);
  if (!days || *days < 7 || *days > 379) return Prediction::fail(kInvalidRequest);
  c->min_retention_days = std::min(c->min_retention_days, static_cast<int>(*days));
  return Prediction::ok();
}

Prediction Rules::CreateHsm(const Json& p, const std::optional<std::string>& as) {
  Cluster* c = nullptr;
  if (auto early =
          unless_found(cluster(str_param(p, "ClusterId").value_or(""), c), kResourceNotFound))
    return *early;
  const std::optional<std::string> az = str_param(p, "AvailabilityZone");
  if (!az) return Prediction::fail(kValidation);
  if (c->state != "UNINITIALIZED" && c->state != "ACTIVE" && c->state != "DEGRADED") {
    return Prediction::fail(kInvalidRequest);
  }
  if (std::find(c->azs.begin(), c->azs.end(), *az) == c->azs.end()) {
    return Prediction::fail(kInvalidRequest);
  }
  if (c->subnets_deleted.count(*az)) return Prediction::fail(kInvalidRequest);
  const auto live = static_cast<std::size_t>(std::count_if(
      c->hsms.begin(), c->hsms.end(), [](const Hsm& h) { return h.state != HsmState::Deleted; }));
  if (live >= kMaxHsmsPerCluster) return Prediction::fail(kInvalidRequest);
  if (!c->hsms_known && live + 8 >= kMaxHsmsPerCluster) return Prediction::unknown();
  c->hsms.push_back(Hsm{as.value_or(""), *az, HsmState::CreateInProgress});
  bind(as, Bound::Yes);
  schedule(PendingKind::HsmCreated, c->name, c->hsms.size() - 1, 8 * kNsPerMinute,
           15 * kNsPerMinute);
  return Prediction::ok(Json{{"Hsm.State", "CREATE_IN_PROGRESS"}});
}

void Rules::hsm_created(Cluster& c, std::size_t index, bool outcome_unknown) {
  Hsm& h = c.hsms.at(index);
  if (h.state != HsmState::CreateInProgress) return;
  h.state = HsmState::Active;
  if (outcome_unknown) c.data_known = false;
  // Its contents (SPEC §4.1): a copy of a serving HSM; else the data a cluster created from
  // a backup brought; else the latest backup (the model does not follow which); else a new
  // cluster's PRECO admin.
  const bool source = std::any_of(c.hsms.begin(), c.hsms.end(), [&](const Hsm& other) {
    return &other != &h && other.state == HsmState::Active;
  });
  if (!c.hsms_known) {
    c.data_known = false;
  } else if (source) {
    // Same users and keys as the others.
  } else if (c.seed_users && !c.ever_had_data) {
    c.users = *c.seed_users;
    c.material = c.seed_material.value_or(std::map<std::string, Material>{});
  } else if (!c.ever_had_data) {
    c.users.clear();
    c.users["admin"] = User{"PRECO", "password", 0, false};
    c.material.clear();
  } else {
    c.data_known = false;
  }
  c.ever_had_data = true;
  c.seed_users.reset();
  c.seed_material.reset();
  // A cluster created from a backup needs no initialization: ACTIVE with its first HSM.
  if (c.from_backup && c.state == "UNINITIALIZED") c.state = "ACTIVE";
}

Prediction Rules::DeleteHsm(const Json& p) {
  Cluster* c = nullptr;
  if (auto early =
          unless_found(cluster(str_param(p, "ClusterId").value_or(""), c), kResourceNotFound))
    return *early;
  const std::optional<std::string> id = str_param(p, "HsmId");
  if (!id) return Prediction::fail(kResourceNotFound);
  if (bound(*id) == Bound::Maybe || !c->hsms_known) return Prediction::unknown();
  auto h = std::find_if(c->hsms.begin(), c->hsms.end(),
                        [&](const Hsm& x) { return !x.name.empty() && x.name == *id; });
  if (h == c->hsms.end() || bound(*id) == Bound::No || h->state == HsmState::Deleted) {
    return Prediction::fail(kResourceNotFound);
  }
  if (h->state == HsmState::DeleteInProgress) return Prediction::fail(kInvalidRequest);
  const std::size_t index = static_cast<std::size_t>(h - c->hsms.begin());
  std::erase_if(s_.pending, [&](const Pending& q) {
    return q.kind == PendingKind::HsmCreated && q.target == c->name && q.index == index;
  });
  h->state = HsmState::DeleteInProgress;
  touch_cluster(c->name);
  schedule(PendingKind::HsmDeleted, c->name, index, 2 * kNsPerMinute, 2 * kNsPerMinute);
  return Prediction::ok();
}

Prediction Rules::DescribeBackups(const Json& p, const std::optional<std::string>& as) {
  if (as) {
    std::optional<std::string> first;
    const Json* ids = nullptr;
    if (auto f = p.find("Filters"); f != p.end() && f->is_object() && f->contains("clusterIds")) {
      ids = &(*f)["clusterIds"];
    }
    if (ids && ids->is_array() && ids->size() == 1 && (*ids)[0].is_string()) {
      const std::string name = "backup-of:" + (*ids)[0].get<std::string>();
      auto b = s_.backups.find(name);
      // The world's t=0 backup is the cluster's first: Backups[0] while it is not DELETED.
      if (b != s_.backups.end() && b->second.known && !in_flux(name) &&
          bound((*ids)[0].get<std::string>()) == Bound::Yes && b->second.state != "DELETED") {
        first = name;
      }
    }
    s_.describe_backups[*as] = first;
    bind(as, Bound::Yes);
  }
  return Prediction::ok();
}

Prediction Rules::backup_call(const std::string& action, const Json& p) {
  const std::optional<std::string> ref = str_param(p, "BackupId");
  if (!ref) return Prediction::fail(kValidation);
  if (action == "CopyBackupToRegion" && !str_param(p, "DestinationRegion")) {
    return Prediction::fail(kValidation);
  }
  if (action == "ModifyBackupAttributes") {
    auto it = p.find("NeverExpires");
    if (it == p.end() || !it->is_boolean()) return Prediction::fail(kValidation);
  }
  auto b = s_.backups.find(*ref);
  if (b == s_.backups.end()) {
    if (bound(*ref) == Bound::Maybe) return Prediction::unknown();
    return Prediction::fail(kResourceNotFound);
  }
  Backup& backup = b->second;
  if (!backup.known || in_flux(*ref)) return Prediction::unknown();
  if (backup.state == "DELETED") return Prediction::fail(kResourceNotFound);
  if (action == "DeleteBackup") {
    if (backup.state != "READY") return Prediction::fail(kInvalidRequest);
    backup.state = "PENDING_DELETION";  // restorable for 7 days (facts §5.3)
    schedule(PendingKind::BackupDeleted, *ref, 0, 7 * kNsPerDay, 7 * kNsPerDay);
    return Prediction::ok(Json{{"Backup.BackupState", "PENDING_DELETION"}});
  }
  if (action == "RestoreBackup") {
    if (backup.state != "PENDING_DELETION") return Prediction::fail(kInvalidRequest);
    std::erase_if(s_.pending, [&](const Pending& q) {
      return q.kind == PendingKind::BackupDeleted && q.target == *ref;
    });
    backup.state = "READY";
    return Prediction::ok(Json{{"Backup.BackupState", "READY"}});
  }
  if (action == "CopyBackupToRegion") {
    if (backup.state != "READY") return Prediction::fail(kInvalidRequest);
    if (str_param(p, "DestinationRegion") == kRegion) return Prediction::fail(kInvalidRequest);
    return Prediction::ok();
  }
  return Prediction::ok();  // ModifyBackupAttributes
}

Prediction Rules::cli(const std::string& action, const Json& p) {
  Cluster* c = nullptr;
  if (auto early =
          unless_found(cluster(str_param(p, "ClusterId").value_or(""), c), kResourceNotFound))
    return *early;
  const std::optional<std::string> user = str_param(p, "Username");
  if (action == "ListKeys") return Prediction::ok();
  if (action == "DeleteKey") {
    bool malformed = false;
    const std::optional<int64_t> handle = int_param(p, "KeyHandle", malformed);
    if (malformed || !handle) return Prediction::fail(kValidation);
    // Handles count up from 1: a very large one names no key.
    if (*handle >= 999'999) return Prediction::fail("HsmKeyNotFound");
    return Prediction::unknown();
  }
  if (action == "ActivateCluster") {
    const std::optional<std::string> password = str_param(p, "NewPassword");
    if (!password || !length_ok(password, 7, 32)) return Prediction::fail(kValidation);
    if (c->state != "INITIALIZED") return Prediction::fail(kInvalidRequest);
    if (!data_certain(*c)) return Prediction::unknown();
    // The PRECO admin's first password change makes it an officer and the cluster ACTIVE.
    if (std::any_of(c->hsms.begin(), c->hsms.end(),
                    [](const Hsm& h) { return h.state == HsmState::Active; })) {
      User& admin = c->users["admin"];
      admin.role = "CO";
      admin.password = *password;
    }
    c->state = "ACTIVE";
    touch_cluster(c->name);
    return Prediction::ok(Json{{"State", "ACTIVE"}});
  }
  if (!user) return Prediction::fail(kValidation);
  if (action == "CreateUser") {
    const std::optional<std::string> password = str_param(p, "Password");
    const std::string role = str_param(p, "Role").value_or("");
    if (!password || !length_ok(user, 1, 31) || !length_ok(password, 7, 32) ||
        str_param(p, "Role") == std::nullopt) {
      return Prediction::fail(kValidation);
    }
    if (role != "CO" && role != "CU" && role != "admin" && role != "crypto-user") {
      return Prediction::fail(kValidation);
    }
  }
  if (action == "ChangePassword") {
    const std::optional<std::string> password = str_param(p, "NewPassword");
    if (!password || !length_ok(password, 7, 32)) return Prediction::fail(kValidation);
  }
  if (action == "Login" && !str_param(p, "Password")) return Prediction::fail(kValidation);
  if (!data_certain(*c)) return Prediction::unknown();
  const bool any_active = std::any_of(c->hsms.begin(), c->hsms.end(),
                                      [](const Hsm& h) { return h.state == HsmState::Active; });
  auto u = c->users.find(*user);
  const bool exists = any_active && u != c->users.end();
  auto session = c->sessions.find(*user);
  touch_cluster(c->name);
  if (action == "Login") {
    // A login goes to every active HSM and a failure counts on each (SPEC §4.1).
    if (!any_active) return Prediction::fail("HsmLoginFailed");
    if (!exists) return Prediction::fail("HsmUserNotFound");
    if (session != c->sessions.end()) return Prediction::fail("HsmUserAlreadyLoggedIn");
    if (u->second.locked) return Prediction::fail("HsmUserLockedOut");
    if (u->second.password != *str_param(p, "Password")) {
      if (++u->second.failed_logins > kMaxFailedLogins) u->second.locked = true;
      return Prediction::fail("HsmLoginFailed");
    }
    u->second.failed_logins = 0;
    c->sessions[*user] = "operator";
    return Prediction::ok();
  }
  if (action == "Logout") {
    if (session == c->sessions.end() || session->second != "operator") {
      return Prediction::fail("HsmNotLoggedIn");
    }
    c->sessions.erase(session);
    return Prediction::ok();
  }
  if (action == "CreateUser") {
    if (!any_active || u != c->users.end()) return Prediction::fail(kInvalidRequest);
    const std::string role = *str_param(p, "Role");
    c->users[*user] = User{role == "CU" || role == "crypto-user" ? "CU" : "CO",
                           *str_param(p, "Password"), 0, false};
    return Prediction::ok();
  }
  if (action == "DeleteUser") {
    if (!exists) return Prediction::fail("HsmUserNotFound");
    if (session != c->sessions.end()) return Prediction::fail("HsmPermissionDenied");
    c->users.erase(u);
    return Prediction::ok();
  }
  if (action == "ChangePassword") {
    if (!exists) return Prediction::fail("HsmUserNotFound");
    // While KMS holds kmsuser's session nobody else may change its password (facts §2.3).
    if (session != c->sessions.end() && session->second != "operator") {
      return Prediction::fail("HsmPermissionDenied");
    }
    u->second.password = *str_param(p, "NewPassword");
    u->second.failed_logins = 0;
    u->second.locked = false;
    return Prediction::ok();
  }
  return Prediction::unknown();
}

}  // namespace hsmsim::refmodel
