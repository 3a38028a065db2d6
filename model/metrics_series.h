// The metrics time series of a run (SPEC §7 metrics.csv): per interval, for each operation
// its request and success rates, errors by exception and latency percentiles; for each HSM
// its utilization, operations and queue depth; for each key store and cluster its state.
//
// Rows are tidy (one value per row: time, series, label, value), ready for pandas or R:
//
//   time_s,series,label,value
//   60,ok_per_s,Encrypt,998.3
//   60,errors_per_s,Encrypt/ThrottlingException,1.7
//   60,utilization,hsm-0123456789a,0.4993
//
// A row's time is the end of its interval. Latency percentiles are those of the requests
// answered in the interval.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "model/latency_histogram.h"
#include "sim/time.h"

namespace hsmsim::model {

class World;

struct MetricRow {
  double time_s = 0;
  std::string series;
  std::string label;
  double value = 0;
};

class MetricsSeries {
 public:
  explicit MetricsSeries(sim::Duration interval) : interval_(interval) {}

  sim::Duration interval() const { return interval_; }

  // One operation's figures over the current interval. Entries of the series are never
  // erased, only zeroed when an interval closes, so a Counter stays valid.
  struct Interval {
    uint64_t count = 0;
    uint64_t ok = 0;
    LatencyHistogram latency;  // its totals share the first cache line with the counts
    std::map<std::string, uint64_t> errors;
  };
  // Names one operation's figures without a lookup by name: valid as long as the series.
  using Counter = Interval*;
  // The counter of operation `op`, created (at zero) on first use.
  Counter counter(const std::string& op) { return &current_[op]; }

  // A finished request or call of operation `op` (answered in the current interval).
  void record(const std::string& op, bool ok, std::string_view exception, sim::Duration latency) {
    record(counter(op), ok, exception, latency);
  }
  void record(Counter op, bool ok, std::string_view exception, sim::Duration latency) {
    ++op->count;
    if (ok) [[likely]] {
      ++op->ok;
    } else {
      ++op->errors[std::string(exception)];
    }
    op->latency.record(latency.ns());
  }
  // Closes the interval ending at `now`: appends its rows, sampling the world's state.
  void sample(sim::Time now, const World& world);
  // Everything recorded for `op` so far, the closed intervals and the current one (zero if
  // nothing was): the run summary's counts and latencies, recorded once per request.
  Interval total(const std::string& op) const;

  const std::vector<MetricRow>& rows() const { return rows_; }

 private:
  void add(double time_s, std::string series, std::string label, double value);

  sim::Duration interval_;
  sim::Time last_;
  std::map<std::string, Interval> current_;
  std::map<std::string, Interval> closed_;  // the sums of the closed intervals, by operation
  std::vector<int64_t> busy_before_;        // per HSM: busy ns at the start of the interval
  std::vector<uint64_t> ops_before_;
  std::vector<MetricRow> rows_;
};

// metrics.csv: a header and one line per row.
std::string metrics_csv(const std::vector<MetricRow>& rows);

}  // namespace hsmsim::model
