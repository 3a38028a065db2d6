// `hsmsim bench scheduler`: the hold model on the engine against a std::priority_queue.
//
// The hold model (Jones 1986; ns-3's bench-scheduler): N events are pending; handling one
// schedules exactly one new event at now + Exp(mean 1 us), rounded to whole nanoseconds, so
// the queue size stays N. The engine runs it through its real path (schedule_at, run_until,
// Callback dispatch); the baseline runs the same draws on a bare
// std::priority_queue<tuple<time, sequence, id>>. Both must end at the same virtual time,
// which checks that they dispatched the same events in the same order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace hsmsim::bench {

struct SchedulerBenchOptions {
  std::vector<std::size_t> pending_sizes = {1'000, 100'000, 1'000'000};
  std::optional<uint64_t> events;  // timed events per size; default_events(pending) if unset
  int repetitions = 3;             // the best of these is reported, for engine and baseline
  uint64_t seed = 1;
};

struct SchedulerBenchResult {
  std::size_t pending = 0;
  uint64_t events = 0;
  double engine_events_per_s = 0;
  double baseline_events_per_s = 0;
  double ratio = 0;  // engine / baseline
  double bytes_per_pending_event = 0;
};

// Limits: each bound is checked, and exceeding one is bad input (std::invalid_argument).
inline constexpr std::size_t kSchedulerBenchPendingMax = 10'000'000;  // ~0.5 GB
inline constexpr uint64_t kSchedulerBenchEventsMax = 10'000'000'000;
inline constexpr int kSchedulerBenchRepetitionsMax = 100;

// max(10M, 10 * pending): long enough (~1-3 s per run) to be timed reliably.
uint64_t scheduler_bench_default_events(std::size_t pending);

SchedulerBenchResult run_scheduler_bench(std::size_t pending, uint64_t events, int repetitions,
                                         uint64_t seed);
std::vector<SchedulerBenchResult> run_scheduler_bench(const SchedulerBenchOptions& options);

}  // namespace hsmsim::bench
