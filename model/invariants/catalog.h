// One factory per invariant monitor; each lives in its own file, named after its rule.
#pragma once

#include <memory>

#include "model/invariants/monitor.h"

namespace hsmsim::model {

std::unique_ptr<Monitor> make_two_hsm_creation();
std::unique_ptr<Monitor> make_lineage_exclusive();
std::unique_ptr<Monitor> make_lineage_update();
std::unique_ptr<Monitor> make_state_guards();
std::unique_ptr<Monitor> make_failed_has_code();
std::unique_ptr<Monitor> make_orphan_accounting();
std::unique_ptr<Monitor> make_no_plaintext_key_export();
std::unique_ptr<Monitor> make_crypto_roundtrip();
std::unique_ptr<Monitor> make_deletion_window();
std::unique_ptr<Monitor> make_store_delete_empty();
std::unique_ptr<Monitor> make_kmsuser_exclusive();

}  // namespace hsmsim::model
