// The reference model's state: what it knows of each object, with flags for what it no longer
// knows. Private to refmodel/.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "refmodel/ref_model.h"

namespace hsmsim::refmodel {

// A time window [lo, hi] of virtual nanoseconds in which something happens.
struct Window {
  int64_t lo = 0;
  int64_t hi = 0;
};

// Connection states as a set, so that "CONNECTED or FAILED" can be said.
enum ConnState : uint8_t {
  kConnected = 1,
  kConnecting = 2,
  kDisconnected = 4,
  kDisconnecting = 8,
  kFailed = 16,
};
const char* conn_state_name(uint8_t single);

enum class HsmState { CreateInProgress, Active, DeleteInProgress, Deleted };

struct Hsm {
  std::string name;  // the `as:` name, or "" for world HSMs
  std::string az;
  HsmState state = HsmState::Active;
};

struct User {
  std::string role;
  std::string password;
  int failed_logins = 0;
  bool locked = false;
};

// Where a KMS key's backing key is in a cluster: on every serving HSM, or on one of a few.
struct Material {
  bool everywhere = true;
  std::set<std::size_t> one_of;  // HSM indices, when !everywhere
  int64_t synced_by = 0;         // after this time the key has reached every serving HSM
};

struct Cluster {
  std::string name;
  std::vector<std::string> azs;
  std::string state;  // the AWS ClusterState
  std::string trust_anchor;
  int lineage = 0;
  bool from_backup = false;
  bool ever_had_data = false;
  // Users and key material of a cluster created from a backup before its first HSM.
  std::optional<std::map<std::string, User>> seed_users;
  std::optional<std::map<std::string, Material>> seed_material;
  std::vector<Hsm> hsms;
  bool state_known = true;  // false after a call with an unknown outcome that may change it
  bool hsms_known = true;   // false after faults the model does not follow (HSM failures, outages)
  bool data_known = true;   // users, sessions and key material
  std::map<std::string, User> users;
  std::map<std::string, std::string> sessions;  // user -> holder ("operator" or "kms:<store>")
  std::map<std::string, Material> material;     // KMS key name -> where its backing key is
  std::set<std::string> subnets_deleted;
  std::set<std::string> subnets_full;
  int min_retention_days = 90;  // the smallest retention it ever had
  bool world = false;
};

// A fault that holds for a while: [start, end) with uncertain bounds.
struct TimedFault {
  Window start;
  Window end;
  double probability = 1;  // kms_internal_error
};

struct Store {
  std::string id;    // the key of State::stores: its world or `as:` name
  std::string name;  // CustomKeyStoreName
  std::string cluster;
  std::string password;
  uint8_t states = kDisconnected;
  std::optional<std::string> error;  // the ConnectionErrorCode, when FAILED for sure
  bool holds_session = false;
  bool known = true;  // false: only `states` (a superset) is still trusted
  bool deleted = false;
};

struct Key {
  std::string name;
  std::optional<std::string> store;  // none: an AWS_KMS key outside any store
  bool world = false;
  std::string home_cluster;  // where its backing key was made
  bool enabled = true;
  bool pending_deletion = false;
  bool deleted = false;
  bool known = true;
};

struct Blob {
  std::string key;
  Json context = Json::object();
  std::optional<std::string> plaintext;  // Encrypt's plaintext
  int data_key_bytes = 0;                // GenerateDataKey*: the data key's length
};

struct Backup {
  std::string cluster;
  std::map<std::string, User> users;  // the snapshot it holds
  std::map<std::string, Material> material;
  std::string state = "READY";
  bool known = true;
};

enum class PendingKind {
  ClusterCreated,
  ClusterInitialized,
  ClusterDeleted,
  HsmCreated,
  HsmDeleted,
  StoreConnected,
  StoreDisconnected,
  KeyDeleted,
  BackupDeleted,
};

struct Pending {
  PendingKind kind;
  std::string target;     // cluster, store, key or backup name
  std::size_t index = 0;  // HSM index
  Window when;
  bool outcome_unknown = false;
  uint64_t order = 0;  // scheduling order, for ties
};

struct State {
  int64_t lo = 0;
  int64_t hi = 0;
  int64_t data_plane_bound_ns = kNsPerSecond;  // how long a crypto step may take
  std::map<std::string, Cluster> clusters;
  std::map<std::string, Store> stores;
  std::map<std::string, Key> keys;
  std::map<std::string, std::string> aliases;  // alias -> key name
  bool aliases_known = true;
  std::map<std::string, Blob> blobs;
  std::map<std::string, Backup> backups;                               // "backup-of:<cluster>"
  std::map<std::string, std::optional<std::string>> describe_backups;  // as-name -> Backups[0]
  std::map<std::string, Bound> bindings;                               // as-names
  // `as:` names of idempotent repeats of CreateCustomKeyStore: the store they returned.
  std::map<std::string, std::string> store_aliases;
  std::map<std::string, std::vector<TimedFault>> partitions;  // cluster name -> windows
  std::vector<TimedFault> internal_errors;
  std::set<std::string> outage_azs;  // AZs an az_outage ever hit
  std::vector<Pending> pending;
  // Objects a call with an unknown outcome may have created.
  std::set<std::string> maybe_store_names;
  std::size_t maybe_stores = 0;
  std::set<int> maybe_lineages;            // lineages a maybe-created store may use
  std::set<std::string> maybe_key_stores;  // stores a maybe-created key may be in
  uint64_t next_order = 0;
  uint64_t secrets = 0;  // passwords KMS rotated to so far (each one new)
  int next_lineage = 1;
  std::size_t deleted_world_keys = 0;
  bool orphans_known = true;
  // Deleted keys whose material is certainly kept, and the backup that keeps it.
  std::map<std::string, std::string> orphan_keys;
};

}  // namespace hsmsim::refmodel
