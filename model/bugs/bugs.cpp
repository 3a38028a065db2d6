#include "model/bugs/bugs.h"

#include <algorithm>
#include <cassert>

#include "model/scenario/scenario.h"

namespace hsmsim::model {

const std::vector<BugInfo>& bug_catalog() {
  static const std::vector<BugInfo> all = {
      {Bug::create_key_with_one_hsm, "create_key_with_one_hsm", "two_hsm_creation",
       "CreateKey skips the rule of two active HSMs in distinct AZs"},
      {Bug::reuse_lineage_cluster, "reuse_lineage_cluster", "lineage_exclusive",
       "CreateCustomKeyStore accepts a cluster sharing backup history with another store's"},
      {Bug::update_to_unrelated_cluster, "update_to_unrelated_cluster", "lineage_update",
       "UpdateCustomKeyStore accepts a cluster that shares no backup history"},
      {Bug::connect_from_failed, "connect_from_failed", "state_guards",
       "ConnectCustomKeyStore accepts a FAILED store (only Disconnect may leave FAILED)"},
      {Bug::failed_without_code, "failed_without_code", "failed_has_code",
       "a failed connect leaves the store FAILED without its ConnectionErrorCode"},
      {Bug::forget_disconnected_orphan, "forget_disconnected_orphan", "orphan_accounting",
       "a key deleted while its store is not connected is dropped from the orphan list"},
      {Bug::key_bytes_in_trace, "key_bytes_in_trace", "no_plaintext_key_export",
       "the data plane traces the backing key's bytes (hex) when it seals with them"},
      {Bug::context_without_lengths, "context_without_lengths", "crypto_roundtrip",
       "the data plane encodes the encryption context as AAD without its length prefixes"},
      {Bug::ignore_deletion_window, "ignore_deletion_window", "deletion_window",
       "a key scheduled for deletion is deleted after deletion_lag, ignoring its window"},
      {Bug::delete_store_with_pending_key, "delete_store_with_pending_key", "store_delete_empty",
       "DeleteCustomKeyStore does not count PendingDeletion keys"},
      {Bug::keep_session_after_disconnect, "keep_session_after_disconnect", "kmsuser_exclusive",
       "DisconnectCustomKeyStore leaves KMS's kmsuser session open on the cluster"},
  };
  assert(all.size() == static_cast<std::size_t>(Bug::kCount));
  return all;
}

const BugInfo& bug_info(Bug bug) {
  const BugInfo& info = bug_catalog()[static_cast<std::size_t>(bug)];
  assert(info.bug == bug);
  return info;
}

std::optional<Bug> bug_named(std::string_view name) {
  for (const BugInfo& info : bug_catalog()) {
    if (info.name == name) return info.bug;
  }
  return std::nullopt;
}

std::string closest_bug_name(std::string_view name) {
  // A bug is also suggested by its invariant's name (`--inject-bug lineage_update`).
  std::vector<std::string> candidates;
  for (const BugInfo& info : bug_catalog()) {
    candidates.emplace_back(info.name);
    candidates.emplace_back(info.invariant);
  }
  const std::string closest = scenario::closest_match(name, candidates);
  for (const BugInfo& info : bug_catalog()) {
    if (closest == info.name || closest == info.invariant) return std::string(info.name);
  }
  return "";
}

std::vector<std::string> BugSet::names() const {
  std::vector<std::string> out;
  for (const BugInfo& info : bug_catalog()) {
    if (has(info.bug)) out.emplace_back(info.name);
  }
  return out;
}

}  // namespace hsmsim::model
