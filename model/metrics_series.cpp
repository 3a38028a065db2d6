#include "model/metrics_series.h"

#include <fmt/format.h>

#include "model/world.h"

namespace hsmsim::model {

namespace {

void merge(MetricsSeries::Interval& into, const MetricsSeries::Interval& from) {
  into.count += from.count;
  into.ok += from.ok;
  into.latency.merge(from.latency);
  for (const auto& [exception, n] : from.errors)
    into.errors[exception] += n;
}

}  // namespace

MetricsSeries::Interval MetricsSeries::total(const std::string& op) const {
  Interval sum;
  if (auto closed = closed_.find(op); closed != closed_.end()) merge(sum, closed->second);
  if (auto current = current_.find(op); current != current_.end()) merge(sum, current->second);
  return sum;
}

void MetricsSeries::add(double time_s, std::string series, std::string label, double value) {
  rows_.push_back(MetricRow{time_s, std::move(series), std::move(label), value});
}

void MetricsSeries::sample(sim::Time now, const World& world) {
  const double seconds = static_cast<double>((now - last_).ns()) * 1e-9;
  if (seconds <= 0) return;
  const double t = now.since_start().seconds_f();
  for (const auto& [op, i] : current_) {
    add(t, "requests_per_s", op, static_cast<double>(i.count) / seconds);
    add(t, "ok_per_s", op, static_cast<double>(i.ok) / seconds);
    for (const auto& [exception, n] : i.errors)
      add(t, "errors_per_s", op + "/" + exception, static_cast<double>(n) / seconds);
    if (i.count > 0) {
      add(t, "latency_mean_ms", op, i.latency.mean_ns() * 1e-6);
      add(t, "latency_p50_ms", op, static_cast<double>(i.latency.quantile_ns(0.50)) * 1e-6);
      add(t, "latency_p99_ms", op, static_cast<double>(i.latency.quantile_ns(0.99)) * 1e-6);
    }
  }
  // Operations keep their rows (at zero) once seen, so a plot's line does not just stop.
  for (auto& [op, i] : current_) {
    merge(closed_[op], i);
    i = Interval{};
  }

  const CloudHsm& cloudhsm = world.cloudhsm();
  const DataPlane& data = world.data_plane();
  const auto& usage = data.hsm_usage();
  const std::size_t hsms = cloudhsm.hsms().size();
  busy_before_.resize(hsms, 0);
  ops_before_.resize(hsms, 0);
  const double slots = data.concurrency();
  for (std::size_t h = 0; h < hsms; ++h) {
    const Hsm& hsm = *cloudhsm.hsms()[h];
    const int64_t busy = h < usage.size() ? usage[h].busy.ns() : 0;
    const uint64_t ops = h < usage.size() ? usage[h].ops : 0;
    add(t, "utilization", hsm.id,
        static_cast<double>(busy - busy_before_[h]) * 1e-9 / (seconds * slots));
    add(t, "hsm_ops_per_s", hsm.id, static_cast<double>(ops - ops_before_[h]) / seconds);
    add(t, "queue_depth", hsm.id, static_cast<double>(data.hsm_queue_depth(h)));
    add(t, "hsm_active", hsm.id, hsm.is_active_and_serving() ? 1 : 0);
    busy_before_[h] = busy;
    ops_before_[h] = ops;
  }
  for (std::size_t c = 0; c < cloudhsm.clusters().size(); ++c) {
    const Cluster& cluster = *cloudhsm.clusters()[c];
    add(t, "active_hsms", cluster.name, static_cast<double>(cloudhsm.active_hsm_count(cluster)));
    if (const std::size_t shared = data.shared_queue_depth(static_cast<uint32_t>(c))) {
      add(t, "shared_queue_depth", cluster.name, static_cast<double>(shared));
    }
  }
  for (const auto& s : world.kms().stores()) {
    if (s->deleted) continue;
    add(t, "store_connected", s->name, s->state == ConnectionState::CONNECTED ? 1 : 0);
  }
  last_ = now;
}

std::string metrics_csv(const std::vector<MetricRow>& rows) {
  std::string out = "time_s,series,label,value\n";
  for (const MetricRow& r : rows) {
    // Labels are IDs, scenario names and AWS names: no commas or quotes to escape.
    out += fmt::format("{},{},{},{}\n", r.time_s, r.series, r.label, r.value);
  }
  return out;
}

}  // namespace hsmsim::model
