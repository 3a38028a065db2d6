#include "model/invariants/backup_history.h"

namespace hsmsim::model::invariants {

uint32_t BackupHistory::add_vertex() {
  const auto v = static_cast<uint32_t>(parent_.size());
  parent_.push_back(v);
  return v;
}

uint32_t BackupHistory::root(uint32_t v) {
  while (parent_[v] != v) {
    parent_[v] = parent_[parent_[v]];  // path halving
    v = parent_[v];
  }
  return v;
}

void BackupHistory::join(uint32_t a, uint32_t b) {
  a = root(a);
  b = root(b);
  if (a != b) parent_[std::max(a, b)] = std::min(a, b);
}

std::size_t BackupHistory::update(const CloudHsm& cloudhsm) {
  const auto& clusters = cloudhsm.clusters();
  const auto& backups = cloudhsm.backups();
  const std::size_t old_clusters = cluster_vertex_.size();
  const std::size_t old_backups = backup_vertex_.size();
  // Every new record gets its vertex first: a new backup may belong to a new cluster and a
  // new cluster may come from a new backup.
  for (std::size_t i = old_clusters; i < clusters.size(); ++i) {
    cluster_vertex_.push_back(add_vertex());
    cluster_by_id_.emplace(clusters[i]->id, cluster_vertex_.back());
  }
  for (std::size_t i = old_backups; i < backups.size(); ++i) {
    backup_vertex_.push_back(add_vertex());
    backup_by_id_.emplace(backups[i]->id, backup_vertex_.back());
  }
  for (std::size_t i = old_backups; i < backups.size(); ++i) {
    const Backup& b = *backups[i];
    // A copy has no owner; whatever it was copied from is deliberately not linked.
    if (b.cluster && *b.cluster < cluster_vertex_.size()) {
      join(cluster_vertex_[*b.cluster], backup_vertex_[i]);
    }
  }
  for (std::size_t i = old_clusters; i < clusters.size(); ++i) {
    const Cluster& c = *clusters[i];
    if (!c.source_backup_id) continue;
    auto it = backup_by_id_.find(*c.source_backup_id);
    if (it != backup_by_id_.end()) join(it->second, cluster_vertex_[i]);
  }
  return (clusters.size() - old_clusters) + (backups.size() - old_backups);
}

std::optional<uint32_t> BackupHistory::history_of(std::string_view cluster_id) {
  auto it = cluster_by_id_.find(cluster_id);
  if (it == cluster_by_id_.end()) return std::nullopt;
  return root(it->second);
}

bool BackupHistory::shared(std::string_view cluster_a, std::string_view cluster_b) {
  const std::optional<uint32_t> a = history_of(cluster_a);
  const std::optional<uint32_t> b = history_of(cluster_b);
  return a && b && *a == *b;
}

}  // namespace hsmsim::model::invariants
