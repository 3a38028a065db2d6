#include "model/cloudhsm/cloudhsm.h"

#include <algorithm>
#include <cassert>
#include <set>

#include "model/params.h"

namespace hsmsim::model {

const char* to_string(ClusterState s) {
  switch (s) {
    case ClusterState::CREATE_IN_PROGRESS:
      return "CREATE_IN_PROGRESS";
    case ClusterState::UNINITIALIZED:
      return "UNINITIALIZED";
    case ClusterState::INITIALIZE_IN_PROGRESS:
      return "INITIALIZE_IN_PROGRESS";
    case ClusterState::INITIALIZED:
      return "INITIALIZED";
    case ClusterState::ACTIVE:
      return "ACTIVE";
    case ClusterState::UPDATE_IN_PROGRESS:
      return "UPDATE_IN_PROGRESS";
    case ClusterState::DEGRADED:
      return "DEGRADED";
    case ClusterState::DELETE_IN_PROGRESS:
      return "DELETE_IN_PROGRESS";
    case ClusterState::DELETED:
      return "DELETED";
  }
  return "?";
}

const char* to_string(HsmState s) {
  switch (s) {
    case HsmState::CREATE_IN_PROGRESS:
      return "CREATE_IN_PROGRESS";
    case HsmState::ACTIVE:
      return "ACTIVE";
    case HsmState::DEGRADED:
      return "DEGRADED";
    case HsmState::DELETE_IN_PROGRESS:
      return "DELETE_IN_PROGRESS";
    case HsmState::DELETED:
      return "DELETED";
  }
  return "?";
}

const char* to_string(BackupState s) {
  switch (s) {
    case BackupState::CREATE_IN_PROGRESS:
      return "CREATE_IN_PROGRESS";
    case BackupState::READY:
      return "READY";
    case BackupState::PENDING_DELETION:
      return "PENDING_DELETION";
    case BackupState::DELETED:
      return "DELETED";
  }
  return "?";
}

const char* to_string(UserRole r) {
  switch (r) {
    case UserRole::PRECO:
      return "PRECO";
    case UserRole::CO:
      return "CO";
    case UserRole::CU:
      return "CU";
  }
  return "?";
}

namespace {

constexpr const char* kInvalidRequest = "CloudHsmInvalidRequestException";
constexpr const char* kNotFound = "CloudHsmResourceNotFoundException";
constexpr sim::Duration kBackupUndeleteWindow = sim::Duration::days(7);
// The initial credentials of the PRECO user on a new cluster's first HSM.
constexpr const char* kPrecoName = "admin";
constexpr const char* kPrecoPassword = "password";

double seconds_since_start(sim::Time t) {
  return t.since_start().seconds_f();
}

}  // namespace

CloudHsm::CloudHsm(sim::Engine& engine, sim::Trace& trace, const Timing& timing, IdFactory& ids,
                   uint64_t seed, std::string region)
    : engine_(engine),
      trace_(trace),
      timing_(timing),
      ids_(ids),
      region_(std::move(region)),
      rng_(seed, "cloudhsm") {}

// --- lookups ---------------------------------------------------------------------------------

Cluster* CloudHsm::find_cluster(const std::string& id) {
  auto it = cluster_by_id_.find(id);
  if (it == cluster_by_id_.end()) return nullptr;
  Cluster& c = *clusters_[it->second];
  return c.state == ClusterState::DELETED ? nullptr : &c;
}

const Cluster* CloudHsm::find_cluster(const std::string& id) const {
  return const_cast<CloudHsm*>(this)->find_cluster(id);
}

const Cluster* CloudHsm::cluster_record(const std::string& id) const {
  auto it = cluster_by_id_.find(id);
  return it == cluster_by_id_.end() ? nullptr : clusters_[it->second].get();
}

const Hsm* CloudHsm::find_hsm(const std::string& id) const {
  auto it = hsm_by_id_.find(id);
  return it == hsm_by_id_.end() ? nullptr : hsms_[it->second].get();
}

const Backup* CloudHsm::find_backup(const std::string& id) const {
  auto it = backup_by_id_.find(id);
  return it == backup_by_id_.end() ? nullptr : backups_[it->second].get();
}

uint32_t CloudHsm::cluster_index(const Cluster& c) const {
  return cluster_by_id_.at(c.id);
}

Cluster* CloudHsm::cluster_param(const Json& p, ApiResult& error) {
  Params in(p);
  const std::string id = in.required_str("ClusterId");
  if (!in.ok()) {
    error = in.error();
    return nullptr;
  }
  Cluster* c = find_cluster(id);
  if (!c) error = ApiResult::failure(kNotFound, "Cluster " + id + " not found.");
  return c;
}

bool CloudHsm::shares_backup_history(const Cluster& a, const Cluster& b) const {
  return lineage_.shares_backup_history(a.lineage, b.lineage);
}

std::size_t CloudHsm::active_hsm_count(const Cluster& c) const {
  return static_cast<std::size_t>(std::count_if(c.hsms.begin(), c.hsms.end(), [&](uint32_t i) {
    return hsms_[i]->state == HsmState::ACTIVE;
  }));
}

bool CloudHsm::has_two_active_hsms_in_distinct_azs(const Cluster& c) const {
  std::set<std::string> azs;
  for (uint32_t i : c.hsms) {
    if (hsms_[i]->is_active_and_serving()) azs.insert(hsms_[i]->az);
  }
  return azs.size() >= 2;
}

const Hsm* CloudHsm::serving_source(const Cluster& c) const {
  for (uint32_t i : c.hsms) {
    if (hsms_[i]->is_active_and_serving()) return hsms_[i].get();
  }
  return nullptr;
}

std::vector<Hsm*> CloudHsm::serving_hsms(const Cluster& c) {
  std::vector<Hsm*> out;
  for (uint32_t i : c.hsms) {
    if (hsms_[i]->is_active_and_serving()) out.push_back(hsms_[i].get());
  }
  return out;
}

const Backup* CloudHsm::latest_ready_backup(const Cluster& c) const {
  const Backup* latest = nullptr;
  const uint32_t index = cluster_index(c);
  for (const auto& b : backups_) {
    if (b->cluster == index && b->state == BackupState::READY) latest = b.get();
  }
  return latest;
}

// --- state changes ---------------------------------------------------------------------------

void CloudHsm::trace(std::string_view actor, std::string_view event, Json fields) {
  trace_.emit(engine_.now(), actor, event, std::move(fields));
}

void CloudHsm::set_cluster_state(Cluster& c, ClusterState s) {
  c.state = s;
  trace(cluster_actor_name(c), "state", Json{{"State", to_string(s)}});
}

void CloudHsm::set_hsm_state(Hsm& h, HsmState s) {
  h.state = s;
  trace("hsm/" + h.id, "state",
        Json{{"State", to_string(s)}, {"ClusterId", clusters_[h.cluster]->id}, {"AZ", h.az}});
}

void CloudHsm::set_backup_state(Backup& b, BackupState s) {
  b.state = s;
  trace("backup/" + b.id, "state", Json{{"BackupState", to_string(s)}});
}

uint32_t CloudHsm::new_hsm(Cluster& c, const std::string& az) {
  auto h = std::make_unique<Hsm>();
  h->id = ids_.hsm_id();
  h->cluster = cluster_index(c);
  h->az = az;
  for (const Subnet& s : c.subnets) {
    if (s.az == az) h->subnet_id = s.id;
  }
  h->eni_ip = ids_.eni_ip();
  h->created_at = engine_.now();
  h->az_down = std::find(az_outages_.begin(), az_outages_.end(), az) != az_outages_.end();
  const auto index = static_cast<uint32_t>(hsms_.size());
  hsm_by_id_[h->id] = index;
  c.hsms.push_back(index);
  hsms_.push_back(std::move(h));
  return index;
}

std::optional<uint32_t> CloudHsm::take_backup(Cluster& c, const std::string& trigger) {
  const Hsm* source = serving_source(c);
  if (!source) return std::nullopt;  // taken only from an ACTIVE, serving HSM
  auto b = std::make_unique<Backup>();
  b->id = ids_.backup_id();
  b->cluster = cluster_index(c);
  b->source_cluster_id = c.id;
  b->region = c.region;
  b->data = source->data;
  b->created_at = engine_.now();
  b->trust_anchor = c.trust_anchor;
  b->trigger = trigger;
  b->lineage = lineage_.add_backup();
  lineage_.backup_taken(c.lineage, b->lineage);
  const auto index = static_cast<uint32_t>(backups_.size());
  backup_by_id_[b->id] = index;
  trace("backup/" + b->id, "created",
        Json{{"ClusterId", c.id}, {"trigger", trigger}, {"keys", b->data.keys.size()}});
  b->pending = engine_.schedule_after(timing_.sample(TimingKey::backup, rng_),
                                      [this, index] { on_backup_ready(index); });
  backups_.push_back(std::move(b));
  return index;
}

void CloudHsm::on_backup_ready(uint32_t index) {
  Backup& b = *backups_[index];
  if (b.state != BackupState::CREATE_IN_PROGRESS) return;
  set_backup_state(b, BackupState::READY);
}

void CloudHsm::on_backup_purged(uint32_t index) {
  Backup& b = *backups_[index];
  if (b.state != BackupState::PENDING_DELETION) return;
  b.delete_at.reset();
  set_backup_state(b, BackupState::DELETED);
}

void CloudHsm::schedule_periodic_backup(Cluster& c, uint32_t index) {
  engine_.cancel(c.backup_timer);
  c.backup_timer = engine_.schedule_after(timing_.sample(TimingKey::backup_interval, rng_),
                                          [this, index] { on_periodic_backup(index); });
}

void CloudHsm::on_periodic_backup(uint32_t index) {
  Cluster& c = *clusters_[index];
  if (c.state == ClusterState::DELETE_IN_PROGRESS || c.state == ClusterState::DELETED) return;
  take_backup(c, "periodic");
  apply_retention(c);
  schedule_periodic_backup(c, index);
}

void CloudHsm::apply_retention(Cluster& c) {
  const uint32_t index = cluster_index(c);
  const sim::Duration keep = sim::Duration::days(c.backup_retention_days);
  // The cluster's last backup is never purged; purging older ones cannot change which it is.
  const Backup* last = latest_ready_backup(c);
  for (std::size_t i = 0; i < backups_.size(); ++i) {
    Backup& b = *backups_[i];
    if (b.cluster != index || b.state != BackupState::READY || b.never_expires) continue;
    if (engine_.now() - b.created_at < keep || &b == last) continue;
    b.delete_at = engine_.now() + kBackupUndeleteWindow;
    set_backup_state(b, BackupState::PENDING_DELETION);
    const auto bi = static_cast<uint32_t>(i);
    b.pending = engine_.schedule_at(*b.delete_at, [this, bi] { on_backup_purged(bi); });
  }
}

// --- world at t=0 ----------------------------------------------------------------------------

uint32_t CloudHsm::build_cluster(const std::string& name, const std::vector<std::string>& azs,
                                 ClusterState state, const std::vector<std::string>& hsm_azs,
                                 const std::map<std::string, HsmUser>& users,
                                 const std::optional<std::string>& trust_anchor,
                                 int retention_days) {
  assert(state == ClusterState::ACTIVE || state == ClusterState::UNINITIALIZED);
  auto c = std::make_unique<Cluster>();
  c->id = ids_.cluster_id();
  c->name = name;
  c->region = region_;
  c->state = state;
  for (const std::string& az : azs)
    c->subnets.push_back(Subnet{az, ids_.subnet_id()});
  c->backup_retention_days = retention_days;
  c->lineage = lineage_.add_cluster();
  if (state == ClusterState::ACTIVE) {
    c->trust_anchor = trust_anchor ? *trust_anchor
                                   : "-----BEGIN CERTIFICATE-----\n" + ids_.secret(64) +
                                         "\n-----END CERTIFICATE-----\n";
  }
  const auto index = static_cast<uint32_t>(clusters_.size());
  cluster_by_id_[c->id] = index;
  clusters_.push_back(std::move(c));
  Cluster& cluster = *clusters_[index];
  HsmData data;
  data.users = users;
  if (state == ClusterState::UNINITIALIZED && !data.users.count(kPrecoName)) {
    data.users[kPrecoName] = HsmUser{UserRole::PRECO, kPrecoPassword};
  }
  for (const std::string& az : hsm_azs) {
    Hsm& h = hsm_at(new_hsm(cluster, az));
    h.state = HsmState::ACTIVE;
    h.data = data;
    cluster.ever_had_data = true;
  }
  // Without an HSM the world's users wait for the cluster's first one.
  if (hsm_azs.empty()) cluster.seed_data = data;
  trace(cluster_actor_name(cluster), "built",
        Json{{"name", name}, {"State", to_string(state)}, {"hsms", hsm_azs.size()}});
  return index;
}

void CloudHsm::finish_world() {
  for (std::size_t i = 0; i < clusters_.size(); ++i) {
    Cluster& c = *clusters_[i];
    if (c.state != ClusterState::ACTIVE) continue;
    if (auto b = take_backup(c, "world")) {
      Backup& backup = *backups_[*b];
      engine_.cancel(backup.pending);
      set_backup_state(backup, BackupState::READY);
    }
    // Also without an HSM yet: the schedule counts from t=0; a backup needs a serving HSM.
    schedule_periodic_backup(c, static_cast<uint32_t>(i));
  }
}

// --- cloudhsmv2 API --------------------------------------------------------------------------

ApiResult CloudHsm::CreateCluster(const Json& p) {
  Params in(p);
  const std::vector<std::string> azs = in.str_list("SubnetIds");
  const std::optional<std::string> source = in.str("SourceBackupId");
  const std::optional<std::string> hsm_type = in.str("HsmType");
  int retention = 90;
  if (const Json* policy = in.raw("BackupRetentionPolicy")) {
    Params rp(*policy);
    if (auto v = rp.integer("Value")) retention = static_cast<int>(*v);
    if (!rp.ok()) return rp.error();
    if (retention < 7 || retention > 379) {
      return ApiResult::failure(kInvalidRequest, "Backup retention must be 7-379 days.");
    }
  }
  if (!in.ok()) return in.error();
  if (azs.empty() || azs.size() > 10) {
    return ApiResult::failure("ValidationException", "SubnetIds must name 1-10 subnets.");
  }
  if (std::set<std::string>(azs.begin(), azs.end()).size() != azs.size()) {
    return ApiResult::failure(kInvalidRequest, "Only one subnet per Availability Zone.");
  }
  if (hsm_type && *hsm_type != "hsm1.medium" && *hsm_type != "hsm2m.medium") {
    return ApiResult::failure(kInvalidRequest, "Unsupported HsmType " + *hsm_type + ".");
  }
  const Backup* backup = nullptr;
  if (source) {
    backup = find_backup(*source);
    if (!backup || backup->state == BackupState::DELETED || backup->region != region_) {
      return ApiResult::failure(kNotFound, "Backup " + *source + " not found.");
    }
    if (backup->state != BackupState::READY) {
      return ApiResult::failure(kInvalidRequest, "Backup " + *source + " is not READY.");
    }
  }
  auto c = std::make_unique<Cluster>();
  c->id = ids_.cluster_id();
  c->name = c->id;
  c->region = region_;
  for (const std::string& az : azs)
    c->subnets.push_back(Subnet{az, ids_.subnet_id()});
  c->backup_retention_days = retention;
  c->created_at = engine_.now();
  c->lineage = lineage_.add_cluster();
  if (backup) {
    c->source_backup_id = backup->id;
    c->seed_data = backup->data;
    c->trust_anchor = backup->trust_anchor;
    lineage_.cluster_restored(backup->lineage, c->lineage);
  }
  const auto index = static_cast<uint32_t>(clusters_.size());
  cluster_by_id_[c->id] = index;
  clusters_.push_back(std::move(c));
  Cluster& cluster = *clusters_[index];
  set_cluster_state(cluster, ClusterState::CREATE_IN_PROGRESS);
  cluster.pending = engine_.schedule_after(timing_.sample(TimingKey::CreateCluster, rng_),
                                           [this, index] { on_cluster_created(index); });
  return ApiResult::success(Json{{"Cluster", describe_cluster(cluster)}});
}

void CloudHsm::on_cluster_created(uint32_t index) {
  Cluster& c = *clusters_[index];
  if (c.state != ClusterState::CREATE_IN_PROGRESS) return;
  set_cluster_state(c, ClusterState::UNINITIALIZED);
}

ApiResult CloudHsm::DescribeClusters(const Json& p) const {
  Params in(p);
  std::vector<std::string> ids, states;
  if (const Json* filters = in.raw("Filters")) {
    Params f(*filters);
    ids = f.str_list("clusterIds");
    states = f.str_list("states");
    if (!f.ok()) return f.error();
  }
  Json list = Json::array();
  for (const auto& c : clusters_) {
    if (c->state == ClusterState::DELETED) continue;
    if (!ids.empty() && std::find(ids.begin(), ids.end(), c->id) == ids.end()) continue;
    if (!states.empty() &&
        std::find(states.begin(), states.end(), to_string(c->state)) == states.end()) {
      continue;
    }
    list.push_back(describe_cluster(*c));
  }
  return ApiResult::success(Json{{"Clusters", list}});
}

ApiResult CloudHsm::InitializeCluster(const Json& p) {
  ApiResult error;
  Cluster* c = cluster_param(p, error);
  if (!c) return error;
  Params in(p);
  const std::string anchor = in.required_str("TrustAnchor");
  in.required_str("SignedCert");
  in.check_length("TrustAnchor", anchor, 1, 5000);
  if (!in.ok()) return in.error();
  if (c->state != ClusterState::UNINITIALIZED || c->source_backup_id) {
    return ApiResult::failure(
        kInvalidRequest,
        "Cluster " + c->id + " is in state " + to_string(c->state) + " and cannot be initialized.");
  }
  if (active_hsm_count(*c) == 0) {
    return ApiResult::failure(kInvalidRequest,
                              "Cluster " + c->id + " has no active HSM, so no CSR exists.");
  }
  c->trust_anchor = anchor;
  set_cluster_state(*c, ClusterState::INITIALIZE_IN_PROGRESS);
  const uint32_t index = cluster_index(*c);
  c->pending = engine_.schedule_after(timing_.sample(TimingKey::InitializeCluster, rng_),
                                      [this, index] { on_cluster_initialized(index); });
  return ApiResult::success(
      Json{{"State", to_string(c->state)},
           {"StateMessage",
            "Cluster is initializing. State will change to INITIALIZED upon completion."}});
}

void CloudHsm::on_cluster_initialized(uint32_t index) {
  Cluster& c = *clusters_[index];
  if (c.state != ClusterState::INITIALIZE_IN_PROGRESS) return;
  set_cluster_state(c, ClusterState::INITIALIZED);
}

ApiResult CloudHsm::DeleteCluster(const Json& p) {
  ApiResult error;
  Cluster* c = cluster_param(p, error);
  if (!c) return error;
  if (c->state == ClusterState::DELETE_IN_PROGRESS) {
    return ApiResult::failure(kInvalidRequest, "Cluster " + c->id + " is being deleted.");
  }
  for (uint32_t i : c->hsms) {
    if (hsms_[i]->state != HsmState::DELETED) {
      return ApiResult::failure(kInvalidRequest,
                                "Cluster " + c->id + " still has HSMs; delete them first.");
    }
  }
  engine_.cancel(c->pending);
  engine_.cancel(c->backup_timer);
  set_cluster_state(*c, ClusterState::DELETE_IN_PROGRESS);
  const uint32_t index = cluster_index(*c);
  c->pending = engine_.schedule_after(timing_.sample(TimingKey::DeleteCluster, rng_),
                                      [this, index] { on_cluster_deleted(index); });
  return ApiResult::success(Json{{"Cluster", describe_cluster(*c)}});
}

void CloudHsm::on_cluster_deleted(uint32_t index) {
  Cluster& c = *clusters_[index];
  if (c.state != ClusterState::DELETE_IN_PROGRESS) return;
  c.sessions.clear();
  set_cluster_state(c, ClusterState::DELETED);
}

ApiResult CloudHsm::ModifyCluster(const Json& p) {
  ApiResult error;
  Cluster* c = cluster_param(p, error);
  if (!c) return error;
  Params in(p);
  const Json* policy = in.raw("BackupRetentionPolicy");
  if (!policy) return ApiResult::failure("ValidationException", "BackupRetentionPolicy needed.");
  Params rp(*policy);
  const std::optional<int64_t> days = rp.integer("Value");
  if (!rp.ok()) return rp.error();
  if (!days || *days < 7 || *days > 379) {
    return ApiResult::failure(kInvalidRequest, "Backup retention must be 7-379 days.");
  }
  c->backup_retention_days = static_cast<int>(*days);
  trace(cluster_actor_name(*c), "retention", Json{{"days", *days}});
  return ApiResult::success(Json{{"Cluster", describe_cluster(*c)}});
}

ApiResult CloudHsm::CreateHsm(const Json& p) {
  ApiResult error;
  Cluster* c = cluster_param(p, error);
  if (!c) return error;
  Params in(p);
  const std::string az = in.required_str("AvailabilityZone");
  if (!in.ok()) return in.error();
  if (c->state != ClusterState::UNINITIALIZED && c->state != ClusterState::ACTIVE &&
      c->state != ClusterState::DEGRADED) {
    return ApiResult::failure(kInvalidRequest, "Cannot create an HSM in cluster " + c->id +
                                                   " in state " + to_string(c->state) + ".");
  }
  auto subnet = std::find_if(c->subnets.begin(), c->subnets.end(),
                             [&](const Subnet& s) { return s.az == az; });
  if (subnet == c->subnets.end()) {
    return ApiResult::failure(
        kInvalidRequest, "Cluster " + c->id + " has no subnet in Availability Zone " + az + ".");
  }
  if (subnet->deleted) {
    return ApiResult::failure(kInvalidRequest, "Subnet " + subnet->id + " does not exist.");
  }
  const auto live = std::count_if(c->hsms.begin(), c->hsms.end(),
                                  [&](uint32_t i) { return hsms_[i]->state != HsmState::DELETED; });
  if (static_cast<std::size_t>(live) >= kMaxHsmsPerCluster) {
    return ApiResult::failure(kInvalidRequest, "Cluster " + c->id + " already has 28 HSMs.");
  }
  const uint32_t index = new_hsm(*c, az);
  Hsm& h = hsm_at(index);
  set_hsm_state(h, HsmState::CREATE_IN_PROGRESS);
  h.pending = engine_.schedule_after(timing_.sample(TimingKey::CreateHsm, rng_),
                                     [this, index] { on_hsm_created(index); });
  return ApiResult::success(Json{{"Hsm", describe_hsm(h)}});
}

void CloudHsm::on_hsm_created(uint32_t index) {
  Hsm& h = hsm_at(index);
  if (h.state != HsmState::CREATE_IN_PROGRESS) return;
  Cluster& c = *clusters_[h.cluster];
  // Where the new HSM's contents come from (SPEC §4.1): a fresh copy of a serving HSM; else
  // the data a cluster created from a backup brought; else the latest READY backup (keys
  // newer than it are missing); else a brand-new cluster's PRECO admin.
  bool add_backup = false;
  if (const Hsm* source = serving_source(c)) {
    h.data = source->data;
    add_backup = c.state == ClusterState::ACTIVE || c.state == ClusterState::DEGRADED;
  } else if (c.seed_data && !c.ever_had_data) {
    h.data = *c.seed_data;
  } else if (const Backup* b = latest_ready_backup(c)) {
    h.data = b->data;
  } else if (!c.ever_had_data) {
    h.data.users[kPrecoName] = HsmUser{UserRole::PRECO, kPrecoPassword};
  }
  c.seed_data.reset();
  c.ever_had_data = true;
  set_hsm_state(h, HsmState::ACTIVE);
  if (add_backup) take_backup(c, "hsm_add");
  if (c.source_backup_id && c.state == ClusterState::UNINITIALIZED) {
    // A cluster created from a backup needs no initialization: ACTIVE with its first HSM.
    set_cluster_state(c, ClusterState::ACTIVE);
    schedule_periodic_backup(c, h.cluster);
  }
}

ApiResult CloudHsm::DeleteHsm(const Json& p) {
  ApiResult error;
  Cluster* c = cluster_param(p, error);
  if (!c) return error;
  Params in(p);
  const std::optional<std::string> hsm_id = in.str("HsmId");
  const std::optional<std::string> eni_ip = in.str("EniIp");
  if (!in.ok()) return in.error();
  Hsm* target = nullptr;
  for (uint32_t i : c->hsms) {
    Hsm& h = hsm_at(i);
    if ((hsm_id && h.id == *hsm_id) || (eni_ip && h.eni_ip == *eni_ip)) target = &h;
  }
  if (!target || target->state == HsmState::DELETED) {
    return ApiResult::failure(kNotFound, "HSM " + hsm_id.value_or(eni_ip.value_or("")) +
                                             " not found in cluster " + c->id + ".");
  }
  if (target->state == HsmState::DELETE_IN_PROGRESS) {
    return ApiResult::failure(kInvalidRequest, "HSM " + target->id + " is being deleted.");
  }
  // The remove backup is taken while the HSM still serves, so deleting the last HSM of a
  // cluster keeps its data in a backup.
  if (c->state == ClusterState::ACTIVE || c->state == ClusterState::DEGRADED) {
    take_backup(*c, "hsm_remove");
  }
  engine_.cancel(target->pending);
  set_hsm_state(*target, HsmState::DELETE_IN_PROGRESS);
  const uint32_t index = hsm_by_id_.at(target->id);
  target->pending = engine_.schedule_after(timing_.sample(TimingKey::DeleteHsm, rng_),
                                           [this, index] { on_hsm_deleted(index); });
  return ApiResult::success(Json{{"HsmId", target->id}});
}

void CloudHsm::on_hsm_deleted(uint32_t index) {
  Hsm& h = hsm_at(index);
  if (h.state != HsmState::DELETE_IN_PROGRESS) return;
  h.data = HsmData{};  // a deleted HSM holds nothing
  set_hsm_state(h, HsmState::DELETED);
}

ApiResult CloudHsm::DescribeBackups(const Json& p) const {
  Params in(p);
  std::vector<std::string> ids, cluster_ids, states;
  if (const Json* filters = in.raw("Filters")) {
    Params f(*filters);
    ids = f.str_list("backupIds");
    cluster_ids = f.str_list("clusterIds");
    states = f.str_list("states");
    if (!f.ok()) return f.error();
  }
  auto wanted = [](const std::vector<std::string>& filter, const std::string& v) {
    return filter.empty() || std::find(filter.begin(), filter.end(), v) != filter.end();
  };
  Json list = Json::array();
  for (const auto& b : backups_) {
    if (states.empty() && b->state == BackupState::DELETED) continue;
    const std::string owner = b->cluster ? clusters_[*b->cluster]->id : "";
    if (!wanted(ids, b->id) || !wanted(states, to_string(b->state))) continue;
    if (!cluster_ids.empty() && !wanted(cluster_ids, owner)) continue;
    list.push_back(describe_backup(*b));
  }
  return ApiResult::success(Json{{"Backups", list}});
}

ApiResult CloudHsm::DeleteBackup(const Json& p) {
  Params in(p);
  const std::string id = in.required_str("BackupId");
  if (!in.ok()) return in.error();
  auto it = backup_by_id_.find(id);
  if (it == backup_by_id_.end() || backups_[it->second]->state == BackupState::DELETED) {
    return ApiResult::failure(kNotFound, "Backup " + id + " not found.");
  }
  Backup& b = *backups_[it->second];
  if (b.state != BackupState::READY) {
    return ApiResult::failure(kInvalidRequest,
                              "Backup " + id + " is in state " + to_string(b.state) + ".");
  }
  b.delete_at = engine_.now() + kBackupUndeleteWindow;
  set_backup_state(b, BackupState::PENDING_DELETION);
  const uint32_t index = it->second;
  b.pending = engine_.schedule_at(*b.delete_at, [this, index] { on_backup_purged(index); });
  return ApiResult::success(Json{{"Backup", describe_backup(b)}});
}

ApiResult CloudHsm::RestoreBackup(const Json& p) {
  Params in(p);
  const std::string id = in.required_str("BackupId");
  if (!in.ok()) return in.error();
  auto it = backup_by_id_.find(id);
  if (it == backup_by_id_.end() || backups_[it->second]->state == BackupState::DELETED) {
    return ApiResult::failure(kNotFound, "Backup " + id + " not found.");
  }
  Backup& b = *backups_[it->second];
  if (b.state != BackupState::PENDING_DELETION) {
    return ApiResult::failure(kInvalidRequest, "Backup " + id + " is not PENDING_DELETION.");
  }
  engine_.cancel(b.pending);
  b.delete_at.reset();
  set_backup_state(b, BackupState::READY);
  return ApiResult::success(Json{{"Backup", describe_backup(b)}});
}

ApiResult CloudHsm::CopyBackupToRegion(const Json& p) {
  Params in(p);
  const std::string id = in.required_str("BackupId");
  const std::string destination = in.required_str("DestinationRegion");
  if (!in.ok()) return in.error();
  const Backup* source = find_backup(id);
  if (!source || source->state == BackupState::DELETED) {
    return ApiResult::failure(kNotFound, "Backup " + id + " not found.");
  }
  if (source->state != BackupState::READY) {
    return ApiResult::failure(kInvalidRequest, "Backup " + id + " is not READY.");
  }
  if (destination == source->region) {
    return ApiResult::failure(kInvalidRequest, "The destination Region must differ.");
  }
  auto b = std::make_unique<Backup>();
  b->id = ids_.backup_id();
  b->source_cluster_id = source->source_cluster_id;
  b->region = destination;
  b->data = source->data;
  b->created_at = source->created_at;  // a copy keeps the source's CreateTimestamp
  b->trust_anchor = source->trust_anchor;
  b->source_backup = source->id;
  b->source_region = source->region;
  b->trigger = "copy";
  b->lineage = lineage_.add_backup();  // a new lineage for KMS in that Region
  const auto index = static_cast<uint32_t>(backups_.size());
  backup_by_id_[b->id] = index;
  trace("backup/" + b->id, "created",
        Json{{"SourceBackup", source->id}, {"DestinationRegion", destination}});
  b->pending = engine_.schedule_after(timing_.sample(TimingKey::CopyBackupToRegion, rng_),
                                      [this, index] { on_backup_ready(index); });
  Json answer{{"DestinationBackup",
               {{"BackupId", b->id},
                {"CreateTimestamp", seconds_since_start(b->created_at)},
                {"SourceRegion", source->region},
                {"SourceBackup", source->id},
                {"SourceCluster", source->source_cluster_id}}}};
  backups_.push_back(std::move(b));
  return ApiResult::success(std::move(answer));
}

ApiResult CloudHsm::ModifyBackupAttributes(const Json& p) {
  Params in(p);
  const std::string id = in.required_str("BackupId");
  const std::optional<bool> never = in.boolean("NeverExpires");
  if (!in.ok()) return in.error();
  if (!never) return ApiResult::failure("ValidationException", "NeverExpires is required.");
  auto it = backup_by_id_.find(id);
  if (it == backup_by_id_.end() || backups_[it->second]->state == BackupState::DELETED) {
    return ApiResult::failure(kNotFound, "Backup " + id + " not found.");
  }
  Backup& b = *backups_[it->second];
  b.never_expires = *never;
  return ApiResult::success(Json{{"Backup", describe_backup(b)}});
}

// --- descriptions ----------------------------------------------------------------------------

Json CloudHsm::describe_hsm(const Hsm& h) const {
  return Json{{"HsmId", h.id},
              {"ClusterId", clusters_[h.cluster]->id},
              {"AvailabilityZone", h.az},
              {"SubnetId", h.subnet_id},
              {"EniIp", h.eni_ip},
              {"State", to_string(h.state)}};
}

Json CloudHsm::describe_cluster(const Cluster& c) const {
  Json hsms = Json::array();
  for (uint32_t i : c.hsms) {
    if (hsms_[i]->state != HsmState::DELETED) hsms.push_back(describe_hsm(*hsms_[i]));
  }
  Json subnets = Json::object();
  for (const Subnet& s : c.subnets)
    subnets[s.az] = s.id;
  Json out{{"ClusterId", c.id},
           {"State", to_string(c.state)},
           {"HsmType", "hsm1.medium"},
           {"Hsms", hsms},
           {"SubnetMapping", subnets},
           {"BackupPolicy", "DEFAULT"},
           {"BackupRetentionPolicy",
            {{"Type", "DAYS"}, {"Value", std::to_string(c.backup_retention_days)}}},
           {"CreateTimestamp", seconds_since_start(c.created_at)}};
  if (c.source_backup_id) out["SourceBackupId"] = *c.source_backup_id;
  return out;
}

Json CloudHsm::describe_backup(const Backup& b) const {
  Json out{{"BackupId", b.id},
           {"BackupState", to_string(b.state)},
           {"CreateTimestamp", seconds_since_start(b.created_at)},
           {"NeverExpires", b.never_expires}};
  if (b.cluster) out["ClusterId"] = clusters_[*b.cluster]->id;
  if (b.delete_at) out["DeleteTimestamp"] = seconds_since_start(*b.delete_at);
  if (b.source_backup) out["SourceBackup"] = *b.source_backup;
  if (b.source_region) out["SourceRegion"] = *b.source_region;
  if (b.source_backup) out["SourceCluster"] = b.source_cluster_id;
  return out;
}

}  // namespace hsmsim::model
