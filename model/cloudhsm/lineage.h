// Backup history ("lineage") of CloudHSM clusters as a graph of clusters and backups.
//
// Edges: a cluster to each backup taken of it, and a backup to each cluster created from it.
// Two clusters share backup history when they are connected, through any chain of such
// edges (SPEC §4.1). A copy to another Region is not linked to its source: for KMS it starts
// a new lineage in that Region.
#pragma once

#include <boost/graph/adjacency_list.hpp>
#include <cstdint>
#include <vector>

namespace hsmsim::model {

class Lineage {
 public:
  using Vertex = uint32_t;

  Vertex add_cluster();
  Vertex add_backup();
  // `backup` was taken of `cluster`.
  void backup_taken(Vertex cluster, Vertex backup);
  // `cluster` was created from `backup`.
  void cluster_restored(Vertex backup, Vertex cluster);

  bool shares_backup_history(Vertex a, Vertex b) const;
  // Every vertex connected to `v` (itself included), ascending.
  std::vector<Vertex> history_of(Vertex v) const;

 private:
  using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS>;
  Graph graph_;
};

}  // namespace hsmsim::model
