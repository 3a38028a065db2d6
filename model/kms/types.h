// KMS resources as data: custom key stores and KMS keys. The rules live in kms.cpp; names
// are exactly the AWS ones.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sim/engine.h"
#include "sim/time.h"

namespace hsmsim::model {

enum class ConnectionState { CONNECTED, CONNECTING, DISCONNECTED, DISCONNECTING, FAILED };
enum class ConnectionErrorCode {
  INVALID_CREDENTIALS,
  CLUSTER_NOT_FOUND,
  NETWORK_ERRORS,
  INTERNAL_ERROR,
  INSUFFICIENT_CLOUDHSM_HSMS,
  USER_LOCKED_OUT,
  USER_NOT_FOUND,
  USER_LOGGED_IN,
  SUBNET_NOT_FOUND,
  INSUFFICIENT_FREE_ADDRESSES_IN_SUBNET,
};
enum class KeyState { Enabled, Disabled, PendingDeletion, Unavailable };

const char* to_string(ConnectionState s);
const char* to_string(ConnectionErrorCode c);
const char* to_string(KeyState s);

inline constexpr const char* kKmsUser = "kmsuser";

struct CustomKeyStore {
  std::string id;
  std::string name;
  std::string cluster_id;
  std::string trust_anchor;
  std::string password;  // what KMS believes kmsuser's password is; secret
  ConnectionState state = ConnectionState::DISCONNECTED;
  std::optional<ConnectionErrorCode> error;  // set exactly while FAILED
  bool holds_session = false;                // KMS is logged in as kmsuser
  bool deleted = false;
  sim::Time created_at;
  sim::EventId pending;
};

struct KmsKey {
  std::string id;
  std::string arn;
  std::string origin = "AWS_CLOUDHSM";  // or AWS_KMS for a key outside any store
  std::optional<uint32_t> store;        // index into Kms's stores
  std::string cluster_id;               // where the backing key was generated
  uint64_t backing_handle = 0;
  uint64_t material = 0;
  bool enabled = true;  // Enabled/Disabled as last set; deferred while Unavailable
  bool pending_deletion = false;
  sim::Time deletion_date;  // end of the waiting period
  int64_t pending_window_days = 0;
  bool deleted = false;
  sim::Time deleted_at;
  // Only under the seeded bug forget_disconnected_orphan: find_findings skips the key.
  bool orphan_forgotten = false;
  sim::Time created_at;
  std::string description;
  std::string policy;          // JSON text
  bool default_policy = true;  // `policy` is the default one (the account root may do all)
  std::vector<std::pair<std::string, std::string>> tags;
  bool rotation_enabled = false;  // AWS_KMS keys only
  sim::EventId pending;
};

}  // namespace hsmsim::model
