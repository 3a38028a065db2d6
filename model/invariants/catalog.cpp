#include "model/invariants/catalog.h"

namespace hsmsim::model {

// In the order of SPEC §6's table.
std::vector<std::unique_ptr<Monitor>> make_all_monitors() {
  std::vector<std::unique_ptr<Monitor>> all;
  all.push_back(make_two_hsm_creation());
  all.push_back(make_lineage_exclusive());
  all.push_back(make_lineage_update());
  all.push_back(make_state_guards());
  all.push_back(make_failed_has_code());
  all.push_back(make_orphan_accounting());
  all.push_back(make_no_plaintext_key_export());
  all.push_back(make_crypto_roundtrip());
  all.push_back(make_deletion_window());
  all.push_back(make_store_delete_empty());
  all.push_back(make_kmsuser_exclusive());
  return all;
}

std::vector<std::string> monitor_names() {
  std::vector<std::string> names;
  for (const auto& m : make_all_monitors()) {
    names.emplace_back(m->name());
  }
  return names;
}

}  // namespace hsmsim::model
