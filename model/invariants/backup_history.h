// Backup history ("shares backup history", SPEC §4.1), recomputed by the lineage monitors from
// the raw CloudHSM records, independently of the model's Lineage graph:
//   - a backup taken of cluster A (Backup::cluster) links A and the backup;
//   - a cluster created from backup B (Cluster::source_backup_id) links B and the cluster;
//   - a copy to another Region (Backup::source_backup set, no owner cluster) is not linked to
//     its source: for KMS it starts a new history in that Region.
// Two clusters share backup history when a chain of such links joins them. Clusters and
// backups in every state count: a DELETED cluster's history outlives it.
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
  // O(clusters + backups), by a breadth-first search over the links.
  explicit BackupHistory(const CloudHsm& cloudhsm);

  // The history (connected component) a cluster belongs to; nullopt for an unknown ID.
  std::optional<uint32_t> history_of(std::string_view cluster_id) const;
  // Whether both clusters exist and share backup history (a cluster shares its own).
  bool shared(std::string_view cluster_a, std::string_view cluster_b) const;

 private:
  std::map<std::string, uint32_t, std::less<>> cluster_vertex_;
  std::vector<uint32_t> component_;  // per vertex: clusters first, then backups
};

}  // namespace hsmsim::model::invariants
