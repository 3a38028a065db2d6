// kmsuser_exclusive: while a custom key store is CONNECTED, KMS holds the kmsuser login on its
// cluster, so nobody else does (facts §9.11): the cluster's session holder for kmsuser is
// "kms:<store ID>". And KMS holds a kmsuser session only for a store that is CONNECTED to
// that cluster, never a stale one that would lock operators out.
//
// A DELETED cluster holds no sessions and is skipped: a connected store stays CONNECTED when
// its cluster is deleted (facts §2.1). Each event compares a small signature of every store
// and cluster (O(stores + clusters), no strings); the lookups from a store to its cluster and
// from a session holder to its store are cached until they change.
#include <cstdint>
#include <string_view>
#include <vector>

#include "model/invariants/catalog.h"
#include "model/invariants/lookup.h"
#include "model/world.h"

namespace hsmsim::model {
namespace {

constexpr std::string_view kKmsHolderPrefix = "kms:";

// Whether `holder` is "kms:<store_id>".
bool held_for(const std::string& holder, const std::string& store_id) {
  return holder.size() == kKmsHolderPrefix.size() + store_id.size() &&
         holder.starts_with(kKmsHolderPrefix) && holder.ends_with(store_id);
}

class KmsuserExclusive final : public Monitor {
 public:
  std::string_view name() const override { return "kmsuser_exclusive"; }

  std::string after_call(const World& world, const ActionInfo&, const Json&,
                         const ApiResult&) override {
    return observe(world);
  }
  std::string after_event(const World& world) override { return observe(world); }

 private:
  // Every store and cluster after a visible change (a store's state or deleted flag, a
  // cluster's state or number of sessions); otherwise one of each per event, for a holder
  // that changed with the number of sessions unchanged.
  std::string observe(const World& world) {
    const std::size_t n_stores = world.kms().stores().size();
    const std::size_t n_clusters = world.cloudhsm().clusters().size();
    std::string message;
    if (signature_changed(world)) {
      for (std::size_t i = 0; i < n_stores && message.empty(); ++i) {
        message = check_store(world, i);
      }
      for (std::size_t i = 0; i < n_clusters && message.empty(); ++i) {
        message = check_cluster(world, i);
      }
      return message;
    }
    store_sweep_.run(n_stores, [&](std::size_t i) { message = check_store(world, i); });
    if (!message.empty()) return message;
    cluster_sweep_.run(n_clusters, [&](std::size_t i) { message = check_cluster(world, i); });
    return message;
  }

  bool signature_changed(const World& world) {
    bool changed = false;
    const auto& stores = world.kms().stores();
    store_signature_.resize(stores.size(), 0xff);
    for (std::size_t i = 0; i < stores.size(); ++i) {
      const auto sig = static_cast<uint8_t>(static_cast<unsigned>(stores[i]->state) << 1 |
                                            (stores[i]->deleted ? 1u : 0u));
      changed = changed || store_signature_[i] != sig;
      store_signature_[i] = sig;
    }
    const auto& clusters = world.cloudhsm().clusters();
    cluster_signature_.resize(clusters.size(), ~uint64_t{0});
    for (std::size_t i = 0; i < clusters.size(); ++i) {
      const uint64_t sig =
          clusters[i]->sessions.size() << 8 | static_cast<uint64_t>(clusters[i]->state);
      changed = changed || cluster_signature_[i] != sig;
      cluster_signature_[i] = sig;
    }
    return changed;
  }

  // A CONNECTED store's cluster (unless DELETED) has kmsuser's session held for the store.
  std::string check_store(const World& world, std::size_t index) {
    static const std::string kUser(kKmsUser);
    const CustomKeyStore& s = *world.kms().stores()[index];
    if (s.deleted || s.state != ConnectionState::CONNECTED) return "";
    if (store_clusters_.size() <= index) store_clusters_.resize(index + 1);
    const Cluster* cluster = cluster_of(world, store_clusters_[index], s.cluster_id);
    if (!cluster || cluster->state == ClusterState::DELETED) return "";
    auto session = cluster->sessions.find(kUser);
    if (session == cluster->sessions.end()) {
      return "custom key store " + s.id + " is CONNECTED but nobody holds the kmsuser " +
             "session on cluster " + cluster->id;
    }
    if (!held_for(session->second, s.id)) {
      return "custom key store " + s.id + " is CONNECTED but the kmsuser session on cluster " +
             cluster->id + " is held by " + session->second;
    }
    return "";
  }

  // A kmsuser session KMS holds on a cluster belongs to a store CONNECTED to that cluster.
  std::string check_cluster(const World& world, std::size_t index) {
    static const std::string kUser(kKmsUser);
    const Cluster& c = *world.cloudhsm().clusters()[index];
    if (c.state == ClusterState::DELETED) return "";
    auto session = c.sessions.find(kUser);
    if (session == c.sessions.end() || !session->second.starts_with(kKmsHolderPrefix)) return "";
    if (session_stores_.size() <= index) session_stores_.resize(index + 1);
    const CustomKeyStore* store = store_of(world, session_stores_[index], session->second);
    if (store && !store->deleted && store->state == ConnectionState::CONNECTED &&
        store->cluster_id == c.id) {
      return "";
    }
    std::string why = ", which does not exist";
    if (store && store->deleted) why = ", which is deleted";
    if (store && !store->deleted) why = std::string(", which is ") + to_string(store->state);
    if (store && store->cluster_id != c.id) why += " and uses cluster " + store->cluster_id;
    return "cluster " + c.id + "'s kmsuser session is held by " + session->second + why;
  }

  // A cached lookup: the object found for a key, kept until the key changes.
  template <class T>
  struct Cached {
    std::string key;
    const T* found = nullptr;
  };

  const Cluster* cluster_of(const World& world, Cached<Cluster>& cache, const std::string& id) {
    if (cache.key != id || !cache.found) {
      cache.key = id;
      cache.found = invariants::cluster_record(world, id);
    }
    return cache.found;
  }

  const CustomKeyStore* store_of(const World& world, Cached<CustomKeyStore>& cache,
                                 const std::string& holder) {
    if (cache.key == holder && cache.found) return cache.found;
    cache.key = holder;
    cache.found = nullptr;
    for (const auto& s : world.kms().stores()) {  // deleted stores too
      if (held_for(holder, s->id)) cache.found = s.get();
    }
    return cache.found;
  }

  std::vector<uint8_t> store_signature_;     // per store: state and deleted flag
  std::vector<uint64_t> cluster_signature_;  // per cluster: state and number of sessions
  invariants::Sweep store_sweep_{1};
  invariants::Sweep cluster_sweep_{1};
  std::vector<Cached<Cluster>> store_clusters_;         // per store index: its cluster
  std::vector<Cached<CustomKeyStore>> session_stores_;  // per cluster index: kmsuser's holder
};

}  // namespace

std::unique_ptr<Monitor> make_kmsuser_exclusive() {
  return std::make_unique<KmsuserExclusive>();
}

}  // namespace hsmsim::model
