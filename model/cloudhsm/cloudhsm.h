// The CloudHSM service: clusters, HSMs, users, keys on HSMs and backups, in virtual time.
//
// API calls (cloudhsmv2:…, cli:…) answer at once with an ApiResult; their asynchronous
// effects are engine events. KMS uses the narrower "as KMS" calls below (login, key
// generation, key deletion), which go through the same per-HSM rules as an operator.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "model/cloudhsm/lineage.h"
#include "model/cloudhsm/types.h"
#include "model/common.h"
#include "model/timing.h"

namespace hsmsim::model {

// What an attempt to log in to every active HSM of a cluster came to.
enum class LoginOutcome {
  Ok,
  NoActiveHsm,
  UserNotFound,
  AlreadyLoggedIn,
  LockedOut,
  WrongPassword,
};

class CloudHsm {
 public:
  CloudHsm(sim::Engine& engine, sim::Trace& trace, const Timing& timing, IdFactory& ids,
           uint64_t seed, std::string region);

  // --- cloudhsmv2 API ----------------------------------------------------------------------
  ApiResult CreateCluster(const Json& p);
  ApiResult DescribeClusters(const Json& p) const;
  ApiResult InitializeCluster(const Json& p);
  ApiResult DeleteCluster(const Json& p);
  ApiResult ModifyCluster(const Json& p);
  ApiResult CreateHsm(const Json& p);
  ApiResult DeleteHsm(const Json& p);
  ApiResult DescribeBackups(const Json& p) const;
  ApiResult DeleteBackup(const Json& p);
  ApiResult RestoreBackup(const Json& p);
  ApiResult CopyBackupToRegion(const Json& p);
  ApiResult ModifyBackupAttributes(const Json& p);

  // --- cli: what an operator does with the CloudHSM command-line tools ----------------------
  ApiResult CliLogin(const Json& p);
  ApiResult CliLogout(const Json& p);
  ApiResult CliCreateUser(const Json& p);
  ApiResult CliDeleteUser(const Json& p);
  ApiResult CliChangePassword(const Json& p);
  ApiResult CliListKeys(const Json& p) const;
  ApiResult CliDeleteKey(const Json& p);
  ApiResult CliActivateCluster(const Json& p);

  // --- world at t=0 --------------------------------------------------------------------------
  // Builds a cluster by fiat in `state` (UNINITIALIZED or ACTIVE) with HSMs in `hsm_azs`.
  uint32_t build_cluster(const std::string& name, const std::vector<std::string>& azs,
                         ClusterState state, const std::vector<std::string>& hsm_azs,
                         const std::map<std::string, HsmUser>& users,
                         const std::optional<std::string>& trust_anchor, int retention_days);
  // After the whole world is built: one READY backup per ACTIVE cluster with an HSM, and
  // the periodic backup schedule from t=0.
  void finish_world();

  // --- as KMS ----------------------------------------------------------------------------
  // The cluster with this ID unless it does not exist or is DELETED.
  Cluster* find_cluster(const std::string& id);
  const Cluster* find_cluster(const std::string& id) const;
  // The cluster record whatever its state, DELETED included (its lineage outlives it).
  const Cluster* cluster_record(const std::string& id) const;
  bool shares_backup_history(const Cluster& a, const Cluster& b) const;
  std::size_t active_hsm_count(const Cluster& c) const;
  // Active HSMs in at least two distinct AZs (the create-time requirement).
  bool has_two_active_hsms_in_distinct_azs(const Cluster& c) const;
  // Logs `user` in on every active, serving HSM for `holder`; counts failures per HSM.
  LoginOutcome login(Cluster& c, const std::string& user, const std::string& password,
                     const std::string& holder);
  void logout(Cluster& c, const std::string& user, const std::string& holder);
  // Changes a user's password on every active HSM (KMS rotating kmsuser's password).
  void set_password(Cluster& c, const std::string& user, const std::string& password);
  // Generates a persistent key owned by `owner` on one active HSM; it reaches the others
  // after key_sync. Returns the handle, or nullopt without an active serving HSM.
  std::optional<uint64_t> generate_key(Cluster& c, const std::string& owner,
                                       const std::string& label, uint64_t material);
  // Deletes a key from every HSM of the cluster that is serving. Returns false when no
  // serving HSM held it.
  bool delete_key(Cluster& c, uint64_t handle);
  // World keys are on every HSM of their cluster at t=0.
  void copy_key_everywhere(Cluster& c, uint64_t handle);
  // True if some active, serving HSM of the cluster holds the key.
  bool key_available(const Cluster& c, uint64_t handle) const;

  // --- faults ------------------------------------------------------------------------------
  ApiResult fail_hsm(const std::string& cluster_id, const std::optional<std::string>& az,
                     const std::optional<std::string>& hsm_id, bool replace);
  bool set_subnet_flag(const std::string& cluster_id, const std::string& az, bool deleted,
                       bool full);
  void set_az_outage(const std::string& az, bool down);
  bool set_slowdown(const std::string& cluster_id, double factor, sim::Time until);

  // --- read access for KMS, monitors, checks and summaries ----------------------------------
  const std::vector<std::unique_ptr<Cluster>>& clusters() const { return clusters_; }
  const std::vector<std::unique_ptr<Hsm>>& hsms() const { return hsms_; }
  const std::vector<std::unique_ptr<Backup>>& backups() const { return backups_; }
  const Hsm* find_hsm(const std::string& id) const;
  const Backup* find_backup(const std::string& id) const;
  const Lineage& lineage() const { return lineage_; }
  Json describe_cluster(const Cluster& c) const;
  Json describe_hsm(const Hsm& h) const;
  Json describe_backup(const Backup& b) const;
  const std::string& region() const { return region_; }

 private:
  Cluster* cluster_param(const Json& p, ApiResult& error);
  Hsm& hsm_at(uint32_t index) { return *hsms_[index]; }
  uint32_t new_hsm(Cluster& c, const std::string& az);
  void set_cluster_state(Cluster& c, ClusterState s);
  void set_hsm_state(Hsm& h, HsmState s);
  void set_backup_state(Backup& b, BackupState s);

  // Asynchronous transitions (engine events).
  void on_cluster_created(uint32_t cluster);
  void on_cluster_initialized(uint32_t cluster);
  void on_cluster_deleted(uint32_t cluster);
  void on_hsm_created(uint32_t hsm);
  void on_hsm_deleted(uint32_t hsm);
  void on_hsm_failure_detected(uint32_t hsm);
  void on_backup_ready(uint32_t backup);
  void on_backup_purged(uint32_t backup);
  void on_periodic_backup(uint32_t cluster);
  void on_key_sync(uint64_t sync);

  const Hsm* serving_source(const Cluster& c) const;
  // The ACTIVE, serving HSMs of a cluster, in creation order.
  std::vector<Hsm*> serving_hsms(const Cluster& c);
  std::optional<uint32_t> take_backup(Cluster& c, const std::string& trigger);
  const Backup* latest_ready_backup(const Cluster& c) const;
  void apply_retention(Cluster& c);
  void schedule_periodic_backup(Cluster& c, uint32_t index);
  uint32_t cluster_index(const Cluster& c) const;
  void trace(std::string_view actor, std::string_view event, Json fields);
  static std::string cluster_actor_name(const Cluster& c);

  sim::Engine& engine_;
  sim::Trace& trace_;
  const Timing& timing_;
  IdFactory& ids_;
  std::string region_;
  sim::RandomStream rng_;

  std::vector<std::unique_ptr<Cluster>> clusters_;
  std::vector<std::unique_ptr<Hsm>> hsms_;
  std::vector<std::unique_ptr<Backup>> backups_;
  std::map<std::string, uint32_t> cluster_by_id_;
  std::map<std::string, uint32_t> hsm_by_id_;
  std::map<std::string, uint32_t> backup_by_id_;
  std::vector<std::string> az_outages_;
  Lineage lineage_;

  struct KeySync {
    uint32_t target_hsm;
    uint64_t handle;
  };
  std::deque<KeySync> syncs_;  // index = event payload; never shrinks within a run
  // Key handles are unique across every cluster of the run, so a handle restored into a new
  // cluster from a backup can never collide with a key created there later.
  uint64_t next_key_handle_ = 1;
};

}  // namespace hsmsim::model
