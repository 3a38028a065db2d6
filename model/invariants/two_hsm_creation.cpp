// two_hsm_creation: a KMS key in a custom key store is only created while its cluster has at
// least two ACTIVE, serving HSMs in distinct Availability Zones (SPEC §4.3, facts §9.3).
//
// The cluster is looked at just before each CreateKey call; every KMS key that appears during
// the call (whatever the call answered) is checked against that picture.
#include "model/invariants/catalog.h"
#include "model/invariants/lookup.h"

namespace hsmsim::model {
namespace {

using invariants::ServingHsms;

class TwoHsmCreation final : public Monitor {
 public:
  std::string_view name() const override { return "two_hsm_creation"; }

  void before_call(const World& world, const ActionInfo& action, const Json& request) override {
    if (!invariants::is_action(action, "kms", "CreateKey")) return;
    keys_before_ = world.kms().keys().size();
    cluster_id_.clear();
    serving_ = ServingHsms{};
    const std::optional<std::string> store_id =
        invariants::string_param(request, "CustomKeyStoreId");
    const CustomKeyStore* store = store_id ? invariants::live_store(world, *store_id) : nullptr;
    if (!store) return;
    cluster_id_ = store->cluster_id;
    if (const Cluster* c = invariants::cluster_record(world, cluster_id_)) {
      serving_ = invariants::serving_hsms(world, *c);
    }
  }

  std::string after_call(const World& world, const ActionInfo& action, const Json&,
                         const ApiResult&) override {
    if (!invariants::is_action(action, "kms", "CreateKey")) return "";
    const auto& keys = world.kms().keys();
    for (std::size_t i = keys_before_; i < keys.size(); ++i) {
      const KmsKey& k = *keys[i];
      if (!k.store) continue;  // AWS_KMS keys have no cluster
      ServingHsms at_call = serving_;
      if (k.cluster_id != cluster_id_) {
        // Not the store's cluster as it was before the call: the best picture is the present.
        const Cluster* c = invariants::cluster_record(world, k.cluster_id);
        at_call = c ? invariants::serving_hsms(world, *c) : ServingHsms{};
      }
      if (at_call.azs.size() >= 2) continue;
      const auto& stores = world.kms().stores();
      const std::string store = *k.store < stores.size() ? stores[*k.store]->id : "?";
      return "KMS key " + k.id + " was created in custom key store " + store + " while cluster " +
             k.cluster_id + " had " + at_call.describe() +
             " ACTIVE serving HSMs (at least 2 in distinct Availability Zones are needed)";
    }
    return "";
  }

 private:
  std::size_t keys_before_ = 0;
  std::string cluster_id_;  // the store's cluster just before the call
  ServingHsms serving_;     // its ACTIVE serving HSMs at that moment
};

}  // namespace

std::unique_ptr<Monitor> make_two_hsm_creation() {
  return std::make_unique<TwoHsmCreation>();
}

}  // namespace hsmsim::model
