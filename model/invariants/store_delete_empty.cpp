// store_delete_empty: a custom key store is only deleted while no KMS key that is not deleted
// (PendingDeletion ones included) references it (facts §9.9, CustomKeyStoreHasCMKsException),
// and no key appears in a store already deleted.
//
// Stores' deleted flags are compared with the last look (O(stores) per event); the keys are
// scanned only when a store has just been deleted, and new keys only once each.
#include "model/invariants/catalog.h"
#include "model/world.h"

namespace hsmsim::model {
namespace {

class StoreDeleteEmpty final : public Monitor {
 public:
  std::string_view name() const override { return "store_delete_empty"; }

  std::string after_call(const World& world, const ActionInfo&, const Json&,
                         const ApiResult&) override {
    return observe(world);
  }
  std::string after_event(const World& world) override { return observe(world); }

 private:
  std::string observe(const World& world) {
    const auto& stores = world.kms().stores();
    const auto& keys = world.kms().keys();
    std::string message;
    deleted_.resize(stores.size());
    for (std::size_t i = 0; i < stores.size(); ++i) {
      if (deleted_[i] || !stores[i]->deleted) continue;
      deleted_[i] = 1;
      for (const auto& k : keys) {
        if (!message.empty()) break;
        if (!k->deleted && k->store == i) {
          message = "custom key store " + stores[i]->id + " was deleted while KMS key " + k->id +
                    (k->pending_deletion ? " (PendingDeletion)" : "") + " still referenced it";
        }
      }
    }
    for (; keys_seen_ < keys.size(); ++keys_seen_) {
      const KmsKey& k = *keys[keys_seen_];
      if (!message.empty() || k.deleted || !k.store || *k.store >= stores.size()) continue;
      if (stores[*k.store]->deleted) {
        message = "KMS key " + k.id + " was created in custom key store " + stores[*k.store]->id +
                  ", which is deleted";
      }
    }
    return message;
  }

  std::vector<char> deleted_;  // per store index: seen deleted
  std::size_t keys_seen_ = 0;
};

}  // namespace

std::unique_ptr<Monitor> make_store_delete_empty() {
  return std::make_unique<StoreDeleteEmpty>();
}

}  // namespace hsmsim::model
