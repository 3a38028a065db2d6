// Backup history ("shares backup history", SPEC §4.1), recomputed by the lineage monitors from
// the raw CloudHSM records, independently of the model's Lineage graph:
//   - a backup taken of cluster A (Backup::cluster) links A and the backup;
//   - a cluster created from backup B (Cluster::source_backup_id) links B and the cluster;
//   - a copy to another Region (Backup::source_backup set, no owner cluster) is not linked to
//     its source: for KMS it starts a new history in that Region.
// Two clusters share backup history when a chain of such links joins them. Clusters and
// backups in every state count: a DELETED cluster's history outlives it.
//
// Clusters and backups are only ever appended and their links are fixed when they are
// created, so the histories are kept as a union-find that takes in new records as they
// appear: O(new records) per update, nearly O(1) per query.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/world.h"

namespace hsmsim::model::invariants {

class BackupHistory {
 public:
  BackupHistory() = default;
  explicit BackupHistory(const CloudHsm& cloudhsm) { update(cloudhsm); }

  // Takes in the clusters and backups created since the last update; returns how many.
  std::size_t update(const CloudHsm& cloudhsm);

  // The history a cluster belongs to (a representative); nullopt for an unknown ID.
  std::optional<uint32_t> history_of(std::string_view cluster_id);
  // Whether both clusters exist and share backup history (a cluster shares its own).
  bool shared(std::string_view cluster_a, std::string_view cluster_b);

 private:
  uint32_t add_vertex();
  uint32_t root(uint32_t v);
  void join(uint32_t a, uint32_t b);

  std::vector<uint32_t> parent_;          // union-find over clusters and backups
  std::vector<uint32_t> cluster_vertex_;  // per cluster index
  std::vector<uint32_t> backup_vertex_;   // per backup index
  std::map<std::string, uint32_t, std::less<>> cluster_by_id_;  // ID -> vertex
  std::map<std::string, uint32_t, std::less<>> backup_by_id_;   // ID -> vertex
};

}  // namespace hsmsim::model::invariants
