#include "bench/scheduler_bench.h"

#include <algorithm>
#include <cassert>
#include <ctime>
#include <functional>
#include <queue>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "sim/callback.h"
#include "sim/engine.h"
#include "sim/random.h"
#include "sim/time.h"

namespace hsmsim::bench {
namespace {

using sim::Duration;
using sim::Engine;
using sim::RandomStream;
using sim::Time;

constexpr double kMeanDelayNs = 1'000.0;
constexpr const char* kStreamName = "bench/scheduler/hold";

// The one draw both models make per event, so their event sequences are identical.
Duration draw_delay(RandomStream& rng) {
  // Round half up by truncation (the draw is >= 0): one instruction, where llround is a libm
  // call per event on both sides of the comparison.
  return Duration::nanoseconds(
      static_cast<int64_t>(rng.next_exponential() * kMeanDelayNs + 0.5));  // NOLINT
}

// Untimed events before the timed run: the queue reaches its steady shape and the caches and
// branch predictors warm up.
uint64_t warmup_events(std::size_t pending) {
  return std::max<uint64_t>(pending, 100'000);
}

// CPU time of this thread, not wall time: on a shared machine a run that is descheduled
// would otherwise be charged for other processes' work, and engine and baseline with it.
double thread_cpu_seconds() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

// The hold model on the engine: every event is a Callback that schedules its successor.
class EngineHold {
 public:
  EngineHold(std::size_t pending, uint64_t seed) : rng_(seed, kStreamName) {
    for (std::size_t i = 0; i < pending; ++i) {
      engine_.schedule_at(Time::zero() + draw_delay(rng_), [this] { on_event(); });
    }
  }

  // Dispatches `events` events; returns the virtual time of the last one.
  Time run(uint64_t events) {
    assert(events > 0);
    remaining_ = events;
    const uint64_t dispatched = engine_.run_until(Time::max());
    if (dispatched != events) {
      throw std::logic_error("scheduler bench: engine ran short");
    }
    return engine_.now();
  }

  const Engine& engine() const { return engine_; }

 private:
  void on_event() {
    // A lambda, as model code passes: the engine builds its Callback in the event's slot.
    engine_.schedule_after(draw_delay(rng_), [this] { on_event(); });
    if (--remaining_ == 0) engine_.stop();
  }

  Engine engine_;
  RandomStream rng_;
  uint64_t remaining_ = 0;
};

// The same model on a bare binary heap of (time, sequence, id): the baseline.
class BaselineHold {
 public:
  using Item = std::tuple<int64_t, uint64_t, uint32_t>;

  BaselineHold(std::size_t pending, uint64_t seed) : rng_(seed, kStreamName) {
    std::vector<Item> items;
    items.reserve(pending);
    for (std::size_t i = 0; i < pending; ++i) {
      items.emplace_back(draw_delay(rng_).ns(), sequence_++, static_cast<uint32_t>(i));
    }
    queue_ = Queue(std::greater<>{}, std::move(items));
  }

  Time run(uint64_t events) {
    for (uint64_t i = 0; i < events; ++i) {
      const auto [time_ns, sequence, id] = queue_.top();
      queue_.pop();
      now_ns_ = time_ns;
      queue_.emplace(now_ns_ + draw_delay(rng_).ns(), sequence_++, id);
    }
    return Time::from_ns(now_ns_);
  }

 private:
  using Queue = std::priority_queue<Item, std::vector<Item>, std::greater<>>;
  Queue queue_;
  RandomStream rng_;
  uint64_t sequence_ = 0;
  int64_t now_ns_ = 0;
};

struct Timed {
  double seconds = 0;
  Time end;
};

// Builds the model (untimed), warms it up, then times `events` events.
template <typename Model>
Timed time_hold(Model& model, std::size_t pending, uint64_t events) {
  model.run(warmup_events(pending));
  const double start_s = thread_cpu_seconds();
  const Time end = model.run(events);
  return Timed{thread_cpu_seconds() - start_s, end};
}

void check_arguments(std::size_t pending, uint64_t events, int repetitions) {
  if (pending == 0 || pending > kSchedulerBenchPendingMax) {
    throw std::invalid_argument("bench scheduler: --pending must be in 1.." +
                                std::to_string(kSchedulerBenchPendingMax));
  }
  if (events == 0 || events > kSchedulerBenchEventsMax) {
    throw std::invalid_argument("bench scheduler: --events must be in 1.." +
                                std::to_string(kSchedulerBenchEventsMax));
  }
  if (repetitions < 1 || repetitions > kSchedulerBenchRepetitionsMax) {
    throw std::invalid_argument("bench scheduler: repetitions must be in 1.." +
                                std::to_string(kSchedulerBenchRepetitionsMax));
  }
}

}  // namespace

uint64_t scheduler_bench_default_events(std::size_t pending) {
  return std::max<uint64_t>(10'000'000, uint64_t{10} * pending);
}

SchedulerBenchResult run_scheduler_bench(std::size_t pending, uint64_t events, int repetitions,
                                         uint64_t seed) {
  check_arguments(pending, events, repetitions);
  double engine_best_s = 0;
  double baseline_best_s = 0;
  double bytes_per_pending = 0;
  // Engine and baseline alternate, so drift in machine load hits both alike.
  for (int rep = 0; rep < repetitions; ++rep) {
    Timed engine_run;
    {
      EngineHold engine(pending, seed);
      engine_run = time_hold(engine, pending, events);
      if (engine.engine().pending_count() != pending) {
        throw std::logic_error("scheduler bench: engine lost pending events");
      }
      bytes_per_pending =
          static_cast<double>(engine.engine().memory_bytes()) / static_cast<double>(pending);
    }
    BaselineHold baseline(pending, seed);
    const Timed baseline_run = time_hold(baseline, pending, events);
    if (engine_run.end != baseline_run.end) {
      throw std::logic_error("scheduler bench: engine and baseline dispatched different events");
    }
    engine_best_s = rep == 0 ? engine_run.seconds : std::min(engine_best_s, engine_run.seconds);
    baseline_best_s =
        rep == 0 ? baseline_run.seconds : std::min(baseline_best_s, baseline_run.seconds);
  }
  SchedulerBenchResult result;
  result.pending = pending;
  result.events = events;
  result.engine_events_per_s = static_cast<double>(events) / engine_best_s;
  result.baseline_events_per_s = static_cast<double>(events) / baseline_best_s;
  result.ratio = result.engine_events_per_s / result.baseline_events_per_s;
  result.bytes_per_pending_event = bytes_per_pending;
  return result;
}

std::vector<SchedulerBenchResult> run_scheduler_bench(const SchedulerBenchOptions& options) {
  std::vector<SchedulerBenchResult> results;
  for (const std::size_t pending : options.pending_sizes) {
    const uint64_t events = options.events.value_or(scheduler_bench_default_events(pending));
    results.push_back(run_scheduler_bench(pending, events, options.repetitions, options.seed));
  }
  return results;
}

}  // namespace hsmsim::bench
