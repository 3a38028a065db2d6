// CloudHSM resources as data: clusters, HSMs, users, keys on HSMs and backups. The rules that
// move them between states live in cloudhsm.cpp; state and field names are the AWS ones.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "model/cloudhsm/lineage.h"
#include "sim/engine.h"
#include "sim/time.h"

namespace hsmsim::model {

enum class ClusterState {
  CREATE_IN_PROGRESS,
  UNINITIALIZED,
  INITIALIZE_IN_PROGRESS,
  INITIALIZED,
  ACTIVE,
  UPDATE_IN_PROGRESS,
  DEGRADED,
  DELETE_IN_PROGRESS,
  DELETED,
};
enum class HsmState { CREATE_IN_PROGRESS, ACTIVE, DEGRADED, DELETE_IN_PROGRESS, DELETED };
enum class BackupState { CREATE_IN_PROGRESS, READY, PENDING_DELETION, DELETED };
// PRECO is the temporary admin of a cluster that was never activated.
enum class UserRole { PRECO, CO, CU };

const char* to_string(ClusterState s);
const char* to_string(HsmState s);
const char* to_string(BackupState s);
const char* to_string(UserRole r);

// More than this many consecutive failed logins lock a user on that HSM (the 6th locks).
inline constexpr int kMaxFailedLogins = 5;
inline constexpr std::size_t kMaxHsmsPerCluster = 28;

struct HsmUser {
  UserRole role = UserRole::CU;
  std::string password;  // secret: never printed, traced or written
  int failed_logins = 0;
  bool locked = false;
};

// A persistent AES-256 key object on an HSM. `material` names the key bytes held by the
// crypto layer; the bytes themselves never leave it.
struct HsmKey {
  uint64_t handle = 0;
  std::string label;  // the KMS key ARN
  std::string owner;  // the crypto user that created it
  uint64_t material = 0;
  sim::Time created;
};

// What an HSM holds and a backup snapshots: users and keys.
struct HsmData {
  std::map<std::string, HsmUser> users;
  std::map<uint64_t, HsmKey> keys;

  // The key with this handle, or null.
  const HsmKey* find_key(uint64_t handle) const {
    const auto it = keys.find(handle);
    return it == keys.end() ? nullptr : &it->second;
  }
};

struct Hsm {
  std::string id;
  uint32_t cluster = 0;  // index into CloudHsm's clusters
  std::string az;
  std::string subnet_id;
  std::string eni_ip;
  HsmState state = HsmState::CREATE_IN_PROGRESS;
  // False from a failure until the HSM is deleted: it keeps its data but serves nothing.
  bool serving = true;
  bool replace_after_failure = true;
  bool az_down = false;  // its AZ is out (az_outage): unreachable while it lasts
  HsmData data;
  sim::Time created_at;
  sim::EventId pending;  // the transition in progress, if any

  bool is_active_and_serving() const { return state == HsmState::ACTIVE && serving && !az_down; }
};

struct Subnet {
  std::string az;
  std::string id;
  bool deleted = false;
  bool full = false;
};

struct Cluster {
  std::string id;
  std::string name;  // scenario name, or the ID when created by a call
  std::string region;
  ClusterState state = ClusterState::CREATE_IN_PROGRESS;
  std::vector<Subnet> subnets;  // one per AZ
  std::vector<uint32_t> hsms;   // indices into CloudHsm's HSMs, DELETED ones included
  std::optional<std::string> source_backup_id;
  std::string trust_anchor;  // PEM of customerCA.crt (empty until initialized)
  int backup_retention_days = 90;
  // Data the cluster holds while it has no HSM yet (created from a backup): restored onto
  // its first HSM.
  std::optional<HsmData> seed_data;
  bool ever_had_data = false;  // an HSM was ever active
  // One login session holder per user, across the cluster ("kms:cks-…" or "operator").
  std::map<std::string, std::string> sessions;
  Lineage::Vertex lineage = 0;
  sim::Time created_at;
  sim::EventId pending;
  sim::EventId backup_timer;
  // hsm_slowdown: HSM service times are multiplied by `slowdown_factor` until then. Only
  // the data plane (crypto requests) is affected.
  double slowdown_factor = 1.0;
  sim::Time slowdown_until;
};

struct Backup {
  std::string id;
  std::optional<uint32_t> cluster;  // owner; none for a copy in another Region
  std::string source_cluster_id;    // the cluster the data came from
  std::string region;
  BackupState state = BackupState::CREATE_IN_PROGRESS;
  HsmData data;
  sim::Time created_at;
  std::optional<sim::Time> delete_at;  // PENDING_DELETION: when it becomes DELETED
  bool never_expires = false;
  std::optional<std::string> source_backup;  // copies
  std::optional<std::string> source_region;  // copies
  std::string trust_anchor;                  // of the cluster it came from
  std::string trigger;  // "activation" | "periodic" | "hsm_add" | "hsm_remove" | "world" | "copy"
  Lineage::Vertex lineage = 0;
  sim::EventId pending;
};

}  // namespace hsmsim::model
