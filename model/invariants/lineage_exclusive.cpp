// lineage_exclusive: no two live custom key stores use clusters that share backup history
// (facts §9.1). A store whose cluster was deleted still holds that cluster's history.
//
// Backup history only changes when a cluster or backup is added (taken in incrementally),
// and a store's claim only when it is created, deleted or moved to another cluster, so the
// O(stores) check runs only when one of those changed.
#include "model/invariants/backup_history.h"
#include "model/invariants/catalog.h"

namespace hsmsim::model {
namespace {

class LineageExclusive final : public Monitor {
 public:
  std::string_view name() const override { return "lineage_exclusive"; }

  std::string after_event(const World& world) override {
    if (!changed(world)) return "";
    std::map<uint32_t, const CustomKeyStore*> holder;  // history -> the first store using it
    for (const auto& s : world.kms().stores()) {
      if (s->deleted) continue;
      const std::optional<uint32_t> h = history_.history_of(s->cluster_id);
      if (!h) continue;  // no such cluster at all: not this rule's concern
      auto [it, fresh] = holder.emplace(*h, s.get());
      if (fresh) continue;
      return "custom key stores " + it->second->id + " (cluster " + it->second->cluster_id +
             ") and " + s->id + " (cluster " + s->cluster_id + ") use clusters that share " +
             "backup history";
    }
    return "";
  }

 private:
  struct Claim {
    bool deleted = false;
    std::string cluster_id;
  };

  // Whether anything the rule depends on changed since the last call; remembers the present.
  bool changed(const World& world) {
    bool any = !checked_once_;
    checked_once_ = true;
    if (history_.update(world.cloudhsm()) > 0) any = true;
    const auto& stores = world.kms().stores();
    if (claims_.size() != stores.size()) {
      any = true;
      claims_.resize(stores.size());
    }
    for (std::size_t i = 0; i < stores.size(); ++i) {
      const CustomKeyStore& s = *stores[i];
      Claim& c = claims_[i];
      if (c.deleted == s.deleted && c.cluster_id == s.cluster_id) continue;
      any = true;
      c.deleted = s.deleted;
      c.cluster_id = s.cluster_id;
    }
    return any;
  }

  bool checked_once_ = false;
  invariants::BackupHistory history_;
  std::vector<Claim> claims_;  // per store index
};

}  // namespace

std::unique_ptr<Monitor> make_lineage_exclusive() {
  return std::make_unique<LineageExclusive>();
}

}  // namespace hsmsim::model
