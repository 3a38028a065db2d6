#include "model/invariants/backup_history.h"

#include <deque>
#include <limits>

namespace hsmsim::model::invariants {
namespace {

constexpr uint32_t kUnlabelled = std::numeric_limits<uint32_t>::max();

}  // namespace

BackupHistory::BackupHistory(const CloudHsm& cloudhsm) {
  const auto& clusters = cloudhsm.clusters();
  const auto& backups = cloudhsm.backups();
  const std::size_t n_clusters = clusters.size();
  std::vector<std::vector<uint32_t>> links(n_clusters + backups.size());
  auto link = [&](std::size_t a, std::size_t b) {
    links[a].push_back(static_cast<uint32_t>(b));
    links[b].push_back(static_cast<uint32_t>(a));
  };
  std::map<std::string_view, std::size_t> backup_vertex;
  for (std::size_t i = 0; i < backups.size(); ++i) {
    const Backup& b = *backups[i];
    backup_vertex.emplace(b.id, n_clusters + i);
    // A copy has no owner; whatever it was copied from is deliberately not linked.
    if (b.cluster && *b.cluster < n_clusters) link(*b.cluster, n_clusters + i);
  }
  for (std::size_t i = 0; i < n_clusters; ++i) {
    const Cluster& c = *clusters[i];
    cluster_vertex_.emplace(c.id, static_cast<uint32_t>(i));
    if (!c.source_backup_id) continue;
    auto it = backup_vertex.find(*c.source_backup_id);
    if (it != backup_vertex.end()) link(it->second, i);
  }
  component_.assign(links.size(), kUnlabelled);
  std::deque<uint32_t> frontier;
  for (uint32_t start = 0; start < links.size(); ++start) {
    if (component_[start] != kUnlabelled) continue;
    component_[start] = start;
    frontier.push_back(start);
    while (!frontier.empty()) {
      const uint32_t v = frontier.front();
      frontier.pop_front();
      for (uint32_t w : links[v]) {
        if (component_[w] != kUnlabelled) continue;
        component_[w] = start;
        frontier.push_back(w);
      }
    }
  }
}

std::optional<uint32_t> BackupHistory::history_of(std::string_view cluster_id) const {
  auto it = cluster_vertex_.find(cluster_id);
  if (it == cluster_vertex_.end()) return std::nullopt;
  return component_[it->second];
}

bool BackupHistory::shared(std::string_view cluster_a, std::string_view cluster_b) const {
  const std::optional<uint32_t> a = history_of(cluster_a);
  const std::optional<uint32_t> b = history_of(cluster_b);
  return a && b && *a == *b;
}

}  // namespace hsmsim::model::invariants
