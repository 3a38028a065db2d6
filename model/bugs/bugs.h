// Seeded bugs: a testing aid that switches off one enforcement in the model, so the
// invariant monitors, the scenario tests and `hsmsim fuzz` can be shown to catch it
// (`hsmsim run|fuzz --inject-bug NAME`, `--list-bugs`).
//
// A BugSet is a per-run setting (model::RunSettings::bugs), handed to the objects that own
// the enforcement points; never a global, because fuzz runs scenarios on several threads at
// once. Normal runs have the empty set: each enforcement point costs one bool test, and no
// trace record, draw or fingerprint changes while a bug is off.
#pragma once

#include <bitset>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hsmsim::model {

enum class Bug : std::size_t {
  create_key_with_one_hsm,        // two_hsm_creation
  reuse_lineage_cluster,          // lineage_exclusive
  update_to_unrelated_cluster,    // lineage_update
  connect_from_failed,            // state_guards
  failed_without_code,            // failed_has_code
  forget_disconnected_orphan,     // orphan_accounting
  key_bytes_in_trace,             // no_plaintext_key_export
  context_without_lengths,        // crypto_roundtrip
  ignore_deletion_window,         // deletion_window
  delete_store_with_pending_key,  // store_delete_empty
  keep_session_after_disconnect,  // kmsuser_exclusive
  kCount,
};

struct BugInfo {
  Bug bug;
  std::string_view name;       // as --inject-bug spells it
  std::string_view invariant;  // the SPEC §6 monitor meant to catch it
  std::string_view description;
};

// Every seeded bug, in enum order.
const std::vector<BugInfo>& bug_catalog();
const BugInfo& bug_info(Bug bug);
std::optional<Bug> bug_named(std::string_view name);
// The catalogued name closest to `name` (for "did you mean"), or "" when none is close.
std::string closest_bug_name(std::string_view name);

class BugSet {
 public:
  bool has(Bug b) const { return bits_.test(static_cast<std::size_t>(b)); }
  bool any() const { return bits_.any(); }
  void add(Bug b) { bits_.set(static_cast<std::size_t>(b)); }
  // The names of the bugs in the set, in catalog order.
  std::vector<std::string> names() const;

 private:
  std::bitset<static_cast<std::size_t>(Bug::kCount)> bits_;
};

}  // namespace hsmsim::model
