// lineage_update: a custom key store's cluster only ever changes to one that shares backup
// history with the one before (facts §9.2, CloudHsmClusterNotRelatedException).
//
// Each store's cluster ID is remembered across events (O(stores) per event); the backup
// history takes in new clusters and backups only when some store's cluster changed.
#include "model/invariants/backup_history.h"
#include "model/invariants/catalog.h"

namespace hsmsim::model {
namespace {

class LineageUpdate final : public Monitor {
 public:
  std::string_view name() const override { return "lineage_update"; }

  // A call at t=0 may come before any event: the stores' clusters are taken in before it,
  // or a change made by that very call would be mistaken for the store's first cluster.
  void before_call(const World& world, const ActionInfo&, const Json&) override {
    const auto& stores = world.kms().stores();
    for (std::size_t i = clusters_.size(); i < stores.size(); ++i) {
      clusters_.push_back(stores[i]->cluster_id);
    }
  }

  std::string after_call(const World& world, const ActionInfo&, const Json&,
                         const ApiResult&) override {
    return observe(world);
  }
  std::string after_event(const World& world) override { return observe(world); }

 private:
  std::string observe(const World& world) {
    const auto& stores = world.kms().stores();
    bool history_current = false;
    std::string message;
    for (std::size_t i = 0; i < stores.size(); ++i) {
      const CustomKeyStore& s = *stores[i];
      if (i == clusters_.size()) clusters_.push_back(s.cluster_id);  // a new store
      std::string& before = clusters_[i];
      if (before == s.cluster_id) continue;
      if (!history_current) history_.update(world.cloudhsm());
      history_current = true;
      if (message.empty() && !history_.shared(before, s.cluster_id)) {
        message = "custom key store " + s.id + " moved from cluster " + before + " to cluster " +
                  s.cluster_id + ", which does not share backup history with it";
      }
      before = s.cluster_id;
    }
    return message;
  }

  std::vector<std::string> clusters_;  // per store index: its cluster when last seen
  invariants::BackupHistory history_;
};

}  // namespace

std::unique_ptr<Monitor> make_lineage_update() {
  return std::make_unique<LineageUpdate>();
}

}  // namespace hsmsim::model
