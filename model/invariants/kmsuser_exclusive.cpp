// kmsuser_exclusive: while a custom key store is CONNECTED, KMS holds the kmsuser login on its
// cluster, so nobody else does (facts §9.11): the cluster's session holder for kmsuser is
// "kms:<store ID>". And KMS holds a kmsuser session only for a store that is CONNECTED to
// that cluster, never a stale one that would lock operators out.
//
// A DELETED cluster holds no sessions and is skipped: a connected store stays CONNECTED when
// its cluster is deleted (facts §2.1). O(stores + clusters) per event.
#include <map>
#include <string_view>

#include "model/invariants/catalog.h"
#include "model/world.h"

namespace hsmsim::model {
namespace {

constexpr std::string_view kKmsHolderPrefix = "kms:";

class KmsuserExclusive final : public Monitor {
 public:
  std::string_view name() const override { return "kmsuser_exclusive"; }

  std::string after_call(const World& world, const ActionInfo&, const Json&,
                         const ApiResult&) override {
    return observe(world);
  }
  std::string after_event(const World& world) override { return observe(world); }

 private:
  std::string observe(const World& world) {
    index(world);
    std::string message = connected_stores_hold_it(world);
    return message.empty() ? kms_sessions_are_live(world) : message;
  }

  void index(const World& world) {
    const auto& clusters = world.cloudhsm().clusters();
    for (; clusters_indexed_ < clusters.size(); ++clusters_indexed_) {
      cluster_by_id_.emplace(clusters[clusters_indexed_]->id, clusters_indexed_);
    }
    const auto& stores = world.kms().stores();
    for (; stores_indexed_ < stores.size(); ++stores_indexed_) {
      store_by_id_.emplace(stores[stores_indexed_]->id, stores_indexed_);
    }
  }

  std::string connected_stores_hold_it(const World& world) {
    for (const auto& s : world.kms().stores()) {
      if (s->deleted || s->state != ConnectionState::CONNECTED) continue;
      auto c = cluster_by_id_.find(s->cluster_id);
      if (c == cluster_by_id_.end()) continue;
      const Cluster& cluster = *world.cloudhsm().clusters()[c->second];
      if (cluster.state == ClusterState::DELETED) continue;
      auto session = cluster.sessions.find(kKmsUser);
      if (session == cluster.sessions.end()) {
        return "custom key store " + s->id + " is CONNECTED but nobody holds the kmsuser " +
               "session on cluster " + cluster.id;
      }
      const std::string& holder = session->second;
      const bool ours = holder.size() == kKmsHolderPrefix.size() + s->id.size() &&
                        holder.starts_with(kKmsHolderPrefix) && holder.ends_with(s->id);
      if (!ours) {
        return "custom key store " + s->id + " is CONNECTED but the kmsuser session on cluster " +
               cluster.id + " is held by " + holder;
      }
    }
    return "";
  }

  std::string kms_sessions_are_live(const World& world) {
    for (const auto& c : world.cloudhsm().clusters()) {
      if (c->state == ClusterState::DELETED) continue;
      auto session = c->sessions.find(kKmsUser);
      if (session == c->sessions.end() || !session->second.starts_with(kKmsHolderPrefix)) continue;
      const std::string_view store_id =
          std::string_view(session->second).substr(kKmsHolderPrefix.size());
      auto s = store_by_id_.find(store_id);
      const CustomKeyStore* store =
          s == store_by_id_.end() ? nullptr : world.kms().stores()[s->second].get();
      if (store && !store->deleted && store->state == ConnectionState::CONNECTED &&
          store->cluster_id == c->id) {
        continue;
      }
      return "cluster " + c->id + "'s kmsuser session is held for custom key store " +
             std::string(store_id) +
             (store
                  ? std::string(", which is ") +
                        (store->deleted ? "deleted" : to_string(store->state)) +
                        (store->cluster_id == c->id ? "" : " and uses cluster " + store->cluster_id)
                  : ", which does not exist");
    }
    return "";
  }

  std::map<std::string, std::size_t, std::less<>> cluster_by_id_;
  std::map<std::string, std::size_t, std::less<>> store_by_id_;
  std::size_t clusters_indexed_ = 0;
  std::size_t stores_indexed_ = 0;
};

}  // namespace

std::unique_ptr<Monitor> make_kmsuser_exclusive() {
  return std::make_unique<KmsuserExclusive>();
}

}  // namespace hsmsim::model
