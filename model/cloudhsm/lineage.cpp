#include "model/cloudhsm/lineage.h"

#include <boost/graph/breadth_first_search.hpp>
#include <boost/graph/visitors.hpp>
#include <cassert>

namespace hsmsim::model {

Lineage::Vertex Lineage::add_cluster() {
  return static_cast<Vertex>(boost::add_vertex(graph_));
}
Lineage::Vertex Lineage::add_backup() {
  return static_cast<Vertex>(boost::add_vertex(graph_));
}

void Lineage::backup_taken(Vertex cluster, Vertex backup) {
  assert(cluster < boost::num_vertices(graph_) && backup < boost::num_vertices(graph_));
  boost::add_edge(cluster, backup, graph_);
}

void Lineage::cluster_restored(Vertex backup, Vertex cluster) {
  assert(cluster < boost::num_vertices(graph_) && backup < boost::num_vertices(graph_));
  boost::add_edge(backup, cluster, graph_);
}

std::vector<Lineage::Vertex> Lineage::history_of(Vertex v) const {
  assert(v < boost::num_vertices(graph_));
  std::vector<boost::default_color_type> colors(boost::num_vertices(graph_), boost::white_color);
  std::vector<Vertex> reached;
  auto recorder = boost::make_bfs_visitor(
      boost::write_property(boost::typed_identity_property_map<Graph::vertex_descriptor>(),
                            std::back_inserter(reached), boost::on_discover_vertex()));
  boost::breadth_first_search(graph_, v,
                              boost::visitor(recorder).color_map(boost::make_iterator_property_map(
                                  colors.begin(), boost::get(boost::vertex_index, graph_))));
  std::sort(reached.begin(), reached.end());
  return reached;
}

bool Lineage::shares_backup_history(Vertex a, Vertex b) const {
  if (a == b) return true;
  const std::vector<Vertex> reached = history_of(a);
  return std::binary_search(reached.begin(), reached.end(), b);
}

}  // namespace hsmsim::model
