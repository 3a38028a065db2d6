// The engine's rules: events run in (time, scheduling) order, cancelled events never run,
// run_until stops at its horizon, stop() and the observer behave as documented, lanes change
// no order; and a differential property against a reference scheduler: a std::map keyed by
// (time, sequence), with and without lanes.
#include "sim/engine.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <stdexcept>
#include <utility>
#include <vector>

namespace hsmsim::sim {
namespace {

Time at_ns(int64_t ns) {
  return Time::from_ns(ns);
}

// Records which labelled events ran, and when.
struct Recorder {
  Engine* engine = nullptr;
  std::vector<std::pair<uint32_t, int64_t>> ran;  // (label, time ns)

  Callback record(uint32_t label) {
    return [this, label] { ran.emplace_back(label, engine->now().ns()); };
  }
  std::vector<uint32_t> labels() const {
    std::vector<uint32_t> out;
    for (const auto& [label, time] : ran)
      out.push_back(label);
    return out;
  }
};

class EngineTest : public ::testing::Test {
 protected:
  EngineTest() { recorder.engine = &engine; }
  Engine engine;
  Recorder recorder;
};

TEST_F(EngineTest, RunsEventsInTimeOrder) {
  engine.schedule_at(at_ns(30), recorder.record(3));
  engine.schedule_at(at_ns(10), recorder.record(1));
  engine.schedule_at(at_ns(20), recorder.record(2));
  EXPECT_EQ(engine.run_until(Time::max()), 3u);
  EXPECT_EQ(recorder.ran, (std::vector<std::pair<uint32_t, int64_t>>{{1, 10}, {2, 20}, {3, 30}}));
  EXPECT_EQ(engine.now(), at_ns(30));
  EXPECT_EQ(engine.events_dispatched(), 3u);
  EXPECT_EQ(engine.pending_count(), 0u);
}

TEST_F(EngineTest, EqualTimesRunInSchedulingOrder) {
  // Lots of ties at random-ish times; the expected order is a stable sort by time.
  std::mt19937_64 rng(11);
  std::vector<std::pair<int64_t, uint32_t>> scheduled;
  for (uint32_t label = 0; label < 10'000; ++label) {
    const int64_t time = static_cast<int64_t>(rng() % 37) * 1'000'000;
    scheduled.emplace_back(time, label);
    engine.schedule_at(at_ns(time), recorder.record(label));
  }
  std::stable_sort(scheduled.begin(), scheduled.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<uint32_t> expected;
  for (const auto& [time, label] : scheduled)
    expected.push_back(label);
  engine.run_until(Time::max());
  EXPECT_EQ(recorder.labels(), expected);
}

TEST_F(EngineTest, CancelledEventNeverRuns) {
  engine.schedule_at(at_ns(10), recorder.record(1));
  const EventId doomed = engine.schedule_at(at_ns(20), recorder.record(2));
  engine.schedule_at(at_ns(30), recorder.record(3));
  EXPECT_TRUE(engine.pending(doomed));
  EXPECT_TRUE(engine.cancel(doomed));
  EXPECT_FALSE(engine.pending(doomed));
  EXPECT_EQ(engine.pending_count(), 2u);
  engine.run_until(Time::max());
  EXPECT_EQ(recorder.labels(), (std::vector<uint32_t>{1, 3}));
}

TEST_F(EngineTest, CancelOfAStaleIdReturnsFalse) {
  const EventId ran = engine.schedule_at(at_ns(5), recorder.record(1));
  const EventId cancelled = engine.schedule_at(at_ns(6), recorder.record(2));
  EXPECT_TRUE(engine.cancel(cancelled));
  engine.run_until(Time::max());
  EXPECT_FALSE(engine.cancel(ran));        // already ran
  EXPECT_FALSE(engine.cancel(cancelled));  // already cancelled
  EXPECT_FALSE(engine.cancel(EventId{}));  // names nothing
  EXPECT_FALSE(engine.cancel(EventId{12345, 1}));
}

TEST_F(EngineTest, CancelOfAReusedSlotsOldIdLeavesTheNewEvent) {
  const EventId old_id = engine.schedule_at(at_ns(10), recorder.record(1));
  ASSERT_TRUE(engine.cancel(old_id));
  const EventId new_id = engine.schedule_at(at_ns(10), recorder.record(2));
  ASSERT_EQ(new_id.slot, old_id.slot);  // the freed slot is reused...
  ASSERT_NE(new_id.generation, old_id.generation);
  EXPECT_FALSE(engine.cancel(old_id));  // ...but the old id no longer names it
  EXPECT_TRUE(engine.pending(new_id));
  engine.run_until(Time::max());
  EXPECT_EQ(recorder.labels(), (std::vector<uint32_t>{2}));
}

TEST_F(EngineTest, CancelOfItsOwnIdInsideTheCallbackReturnsFalse) {
  struct Self {
    Engine* engine;
    EventId id;
    bool cancel_result = true;
  } self{&engine, {}};
  self.id =
      engine.schedule_at(at_ns(1), [s = &self] { s->cancel_result = s->engine->cancel(s->id); });
  engine.run_until(Time::max());
  EXPECT_FALSE(self.cancel_result);
}

TEST_F(EngineTest, RunUntilStopsAtTheHorizonAndResumes) {
  engine.schedule_at(at_ns(100), recorder.record(1));
  engine.schedule_at(at_ns(200), recorder.record(2));
  engine.schedule_at(at_ns(300), recorder.record(3));
  EXPECT_EQ(engine.run_until(at_ns(200)), 2u);  // an event at the horizon runs
  EXPECT_EQ(engine.now(), at_ns(200));
  EXPECT_EQ(engine.run_until(at_ns(250)), 0u);
  EXPECT_EQ(engine.now(), at_ns(250));  // the clock reads the horizon
  EXPECT_EQ(engine.pending_count(), 1u);
  EXPECT_EQ(engine.next_event_time(), at_ns(300));
  EXPECT_EQ(engine.run_until(at_ns(1'000)), 1u);
  EXPECT_EQ(recorder.labels(), (std::vector<uint32_t>{1, 2, 3}));
  EXPECT_EQ(engine.now(), at_ns(1'000));
}

TEST_F(EngineTest, SchedulingBetweenTheHorizonAndAPeekedEventKeepsOrder) {
  engine.schedule_at(at_ns(1'000), recorder.record(2));
  engine.run_until(at_ns(100));  // peeks at 1000
  engine.schedule_at(at_ns(150), recorder.record(1));
  engine.schedule_at(at_ns(1'000), recorder.record(3));
  engine.run_until(Time::max());
  EXPECT_EQ(recorder.ran,
            (std::vector<std::pair<uint32_t, int64_t>>{{1, 150}, {2, 1'000}, {3, 1'000}}));
}

TEST_F(EngineTest, EventScheduledAtNowFromACallbackRunsAfterAtTheSameTime) {
  struct Chain {
    Recorder* recorder;
    void first() {
      recorder->ran.emplace_back(1, recorder->engine->now().ns());
      recorder->engine->schedule_at(recorder->engine->now(), recorder->record(3));
    }
  } chain{&recorder};
  engine.schedule_at(at_ns(50), [c = &chain] { c->first(); });
  engine.schedule_at(at_ns(50), recorder.record(2));
  engine.schedule_at(at_ns(51), recorder.record(4));
  engine.run_until(Time::max());
  EXPECT_EQ(recorder.ran,
            (std::vector<std::pair<uint32_t, int64_t>>{{1, 50}, {2, 50}, {3, 50}, {4, 51}}));
}

TEST_F(EngineTest, StopReturnsAfterTheEventBeingHandled) {
  engine.schedule_at(at_ns(10), recorder.record(1));
  engine.schedule_at(at_ns(20), [e = &engine, r = &recorder] {
    r->ran.emplace_back(2, e->now().ns());
    e->stop();
  });
  engine.schedule_at(at_ns(20), recorder.record(3));
  EXPECT_EQ(engine.run_until(at_ns(1'000)), 2u);
  EXPECT_EQ(engine.now(), at_ns(20));  // stopped: the clock is not moved to the horizon
  EXPECT_EQ(engine.pending_count(), 1u);
  EXPECT_EQ(engine.run_until(at_ns(1'000)), 1u);  // a new run is not stopped
  EXPECT_EQ(recorder.labels(), (std::vector<uint32_t>{1, 2, 3}));
}

TEST_F(EngineTest, ObserverIsCalledAfterEveryEvent) {
  struct Seen {
    Recorder* recorder;
    std::vector<std::size_t> events_recorded_at_call;
  } seen{&recorder, {}};
  engine.set_observer(
      [](void* context) {
        auto* s = static_cast<Seen*>(context);
        s->events_recorded_at_call.push_back(s->recorder->ran.size());
      },
      &seen);
  for (uint32_t label = 0; label < 3; ++label)
    engine.schedule_at(at_ns(label), recorder.record(label));
  engine.run_until(Time::max());
  EXPECT_EQ(seen.events_recorded_at_call, (std::vector<std::size_t>{1, 2, 3}));
}

// The state epoch stamps what a model caches: it must move after any event that may have
// changed state, and at every run call (code between runs may change anything), and stay put
// across events that declared they changed nothing (skip_observer).
TEST_F(EngineTest, StateEpochMovesUnlessTheEventSkipsTheObserver) {
  std::vector<uint64_t> epoch_in_event;
  auto quiet = [&] {
    engine.skip_observer();
    epoch_in_event.push_back(engine.state_epoch());
  };
  auto loud = [&] { epoch_in_event.push_back(engine.state_epoch()); };
  engine.schedule_at(at_ns(1), quiet);
  engine.schedule_at(at_ns(2), quiet);
  engine.schedule_at(at_ns(3), loud);
  engine.schedule_at(at_ns(4), quiet);
  engine.schedule_at(at_ns(10), quiet);
  const uint64_t before = engine.state_epoch();
  engine.run_until(at_ns(5));
  const uint64_t after_first_run = engine.state_epoch();
  engine.run_until(at_ns(20));
  ASSERT_EQ(epoch_in_event.size(), 5u);
  EXPECT_GT(epoch_in_event[0], before);             // the run call moved it
  EXPECT_EQ(epoch_in_event[1], epoch_in_event[0]);  // a quiet event did not
  EXPECT_EQ(epoch_in_event[2], epoch_in_event[1]);  // seen inside the loud event: not yet
  EXPECT_GT(epoch_in_event[3], epoch_in_event[2]);  // after the loud event it moved
  EXPECT_EQ(after_first_run, epoch_in_event[3]);    // the quiet last event left it
  EXPECT_GT(epoch_in_event[4], after_first_run);    // the second run call moved it
  const uint64_t before_one = engine.state_epoch();
  engine.schedule_at(at_ns(30), quiet);
  EXPECT_TRUE(engine.run_one(Time::max()));
  EXPECT_GT(engine.state_epoch(), before_one);  // so does run_one
}

TEST_F(EngineTest, RunOneDispatchesOnlyUpToTheHorizon) {
  engine.schedule_at(at_ns(10), recorder.record(1));
  EXPECT_FALSE(engine.run_one(at_ns(9)));
  EXPECT_EQ(engine.now(), Time::zero());
  EXPECT_TRUE(engine.run_one(at_ns(10)));
  EXPECT_EQ(engine.now(), at_ns(10));
  EXPECT_FALSE(engine.run_one(Time::max()));
}

TEST_F(EngineTest, NextEventTimeSkipsCancelledEvents) {
  const EventId first = engine.schedule_at(at_ns(10), recorder.record(1));
  engine.schedule_at(at_ns(20), recorder.record(2));
  engine.cancel(first);
  EXPECT_EQ(engine.next_event_time(), at_ns(20));
  engine.run_until(Time::max());
  EXPECT_EQ(engine.next_event_time(), Time::max());
}

TEST_F(EngineTest, SchedulingInThePastIsABug) {
  engine.schedule_at(at_ns(100), recorder.record(1));
  engine.run_until(Time::max());
  EXPECT_THROW(engine.schedule_at(at_ns(99), recorder.record(2)), std::logic_error);
  EXPECT_THROW(engine.schedule_after(Duration::nanoseconds(-1), recorder.record(3)),
               std::logic_error);
  EXPECT_THROW(engine.schedule_at(at_ns(200), Callback{}), std::logic_error);
  EXPECT_THROW(engine.run_until(at_ns(50)), std::logic_error);
  EXPECT_EQ(engine.pending_count(), 0u);
}

TEST_F(EngineTest, ManyCancellationsKeepMemoryBounded) {
  // Timeouts that are always cancelled must not pile up in the queue.
  engine.schedule_at(at_ns(1'000'000'000), recorder.record(0));
  const std::size_t bytes_before = engine.memory_bytes();
  for (int i = 0; i < 200'000; ++i) {
    engine.cancel(engine.schedule_at(at_ns(2'000'000 + i), recorder.record(1)));
  }
  EXPECT_EQ(engine.pending_count(), 1u);
  EXPECT_LT(engine.memory_bytes(), bytes_before + 2'000'000);
  engine.run_until(Time::max());
  EXPECT_EQ(recorder.labels(), (std::vector<uint32_t>{0}));
}

// --- Lanes: a fast path that must change no order. ---

TEST_F(EngineTest, LaneEventsRunInTimeOrderWithTheOthers) {
  const LaneId lane = engine.add_lane();
  engine.schedule_in_lane(lane, at_ns(10), recorder.record(0));
  engine.schedule_in_lane(lane, at_ns(30), recorder.record(1));
  engine.schedule_at(at_ns(20), recorder.record(2));
  engine.schedule_at(at_ns(5), recorder.record(3));
  // Before the lane's latest time: queued in the main queue, still run in time order.
  engine.schedule_in_lane(lane, at_ns(15), recorder.record(4));
  engine.schedule_in_lane(lane, at_ns(40), recorder.record(5));
  engine.run_until(Time::max());
  EXPECT_EQ(recorder.labels(), (std::vector<uint32_t>{3, 0, 4, 2, 1, 5}));
  EXPECT_EQ(engine.pending_count(), 0u);
}

TEST_F(EngineTest, TiesBetweenLanesAndTheQueueRunInSchedulingOrder) {
  const LaneId first = engine.add_lane();
  const LaneId second = engine.add_lane();
  const EventId cancelled = engine.schedule_at(at_ns(100), recorder.record(0));
  engine.schedule_in_lane(first, at_ns(100), recorder.record(1));
  engine.schedule_at(at_ns(100), recorder.record(2));
  engine.schedule_in_lane(second, at_ns(100), recorder.record(3));
  engine.schedule_in_lane(first, at_ns(100), recorder.record(4));
  EXPECT_TRUE(engine.cancel(cancelled));
  // Reuses the cancelled event's slot: the stale entry still queued must not lend it its
  // place among the events due at 100.
  engine.schedule_at(at_ns(100), recorder.record(5));
  engine.schedule_in_lane(second, at_ns(100), recorder.record(6));
  EXPECT_EQ(engine.next_event_time(), at_ns(100));
  engine.run_until(Time::max());
  EXPECT_EQ(recorder.labels(), (std::vector<uint32_t>{1, 2, 3, 4, 5, 6}));
}

TEST_F(EngineTest, EventsPendingWhenALaneIsAddedRunBeforeLaterTies) {
  engine.schedule_at(at_ns(50), recorder.record(0));
  const LaneId lane = engine.add_lane();
  engine.schedule_in_lane(lane, at_ns(50), recorder.record(1));
  engine.schedule_at(at_ns(50), recorder.record(2));
  engine.run_until(Time::max());
  EXPECT_EQ(recorder.labels(), (std::vector<uint32_t>{0, 1, 2}));
}

TEST_F(EngineTest, ManyCancellationsInALaneKeepMemoryBounded) {
  const LaneId lane = engine.add_lane();
  engine.schedule_at(at_ns(1'000'000'000), recorder.record(0));
  const std::size_t bytes_before = engine.memory_bytes();
  for (int i = 0; i < 200'000; ++i) {
    engine.cancel(engine.schedule_in_lane(lane, at_ns(2'000'000 + i), recorder.record(1)));
  }
  engine.schedule_in_lane(lane, at_ns(3'000'000), recorder.record(2));
  EXPECT_EQ(engine.pending_count(), 2u);
  EXPECT_LT(engine.memory_bytes(), bytes_before + 2'000'000);
  engine.run_until(Time::max());
  EXPECT_EQ(recorder.labels(), (std::vector<uint32_t>{2, 0}));
}

// --- Differential property: the engine against a reference scheduler. ---

// The contract written the slow, obvious way: a map keyed by (time, scheduling sequence).
struct ReferenceScheduler {
  std::map<std::pair<int64_t, uint64_t>, uint32_t> queue;  // -> label
  std::map<uint32_t, std::pair<int64_t, uint64_t>> key_of_label;
  uint64_t sequence = 0;

  void schedule(int64_t time, uint32_t label) {
    queue.emplace(std::pair{time, sequence}, label);
    key_of_label.emplace(label, std::pair{time, sequence});
    ++sequence;
  }
  bool cancel(uint32_t label) {
    const auto it = key_of_label.find(label);
    if (it == key_of_label.end()) return false;
    queue.erase(it->second);
    key_of_label.erase(it);
    return true;
  }
  int64_t next_time() const {
    return queue.empty() ? Time::max().ns() : queue.begin()->first.first;
  }
  // The next event if it is due by `horizon`: (label, time).
  std::optional<std::pair<uint32_t, int64_t>> pop(int64_t horizon) {
    if (queue.empty() || queue.begin()->first.first > horizon) return std::nullopt;
    const auto [key, label] = *queue.begin();
    queue.erase(queue.begin());
    key_of_label.erase(label);
    return std::pair{label, key.first};
  }
};

// Drives the engine and the reference with the same operations. Events whose label is a
// multiple of 3 schedule a child when they run (some at the same instant), and the child is
// registered with the reference at that moment, so both see the same scheduling sequence.
// With lanes, events go to the main queue or to one of the lanes (by `route`); the
// reference knows nothing of lanes: they must not change the order.
struct DifferentialHarness {
  Engine engine;
  ReferenceScheduler reference;
  std::vector<LaneId> lanes;
  std::vector<EventId> ids;                       // by label
  std::vector<std::pair<uint32_t, int64_t>> ran;  // (label, time) in engine order

  // route % (lanes + 1): 0 the main queue, i the lane i - 1.
  void schedule(int64_t time, uint32_t route = 0) {
    const auto label = static_cast<uint32_t>(ids.size());
    const uint32_t to = route % (static_cast<uint32_t>(lanes.size()) + 1);
    const auto callback = [this, label] { on_event(label); };
    ids.push_back(to == 0 ? engine.schedule_at(at_ns(time), callback)
                          : engine.schedule_in_lane(lanes[to - 1], at_ns(time), callback));
    reference.schedule(time, label);
  }
  void on_event(uint32_t label) {
    ran.emplace_back(label, engine.now().ns());
    if (label % 3 == 0) {
      schedule(engine.now().ns() + ((label / 3) % 4 == 0 ? 0 : label % 97), label / 3);
    }
  }
  // The events the engine ran since `from` must be exactly the reference's next ones.
  void check_ran_since(std::size_t from, int64_t horizon) {
    for (std::size_t i = from; i < ran.size(); ++i) {
      const auto expected = reference.pop(horizon);
      RC_ASSERT(expected.has_value());
      RC_ASSERT(*expected == ran[i]);
    }
  }
};

void check_against_reference(DifferentialHarness& h) {
  const int operations = *rc::gen::inRange(1, 400);
  for (int op = 0; op < operations; ++op) {
    const int kind = *rc::gen::inRange(0, 12);
    const int64_t now = h.engine.now().ns();
    if (kind < 6) {
      const int64_t delay =
          *rc::gen::oneOf(rc::gen::just<int64_t>(0), rc::gen::inRange<int64_t>(0, 50),
                          rc::gen::inRange<int64_t>(0, 1'000'000));
      h.schedule(now + delay, *rc::gen::inRange<uint32_t>(0, 3));
    } else if (kind < 8 && !h.ids.empty()) {
      const auto label = *rc::gen::inRange<uint32_t>(0, static_cast<uint32_t>(h.ids.size()));
      const bool was_pending = h.reference.cancel(label);
      RC_ASSERT(h.engine.pending(h.ids[label]) == was_pending);
      RC_ASSERT(h.engine.cancel(h.ids[label]) == was_pending);
      RC_ASSERT(!h.engine.pending(h.ids[label]));
    } else if (kind < 11) {
      const int64_t horizon = now + *rc::gen::inRange<int64_t>(0, 2'000);
      const std::size_t ran_before = h.ran.size();
      h.engine.run_until(at_ns(horizon));
      h.check_ran_since(ran_before, horizon);
      RC_ASSERT(!h.reference.pop(horizon).has_value());  // nothing due was left behind
      RC_ASSERT(h.engine.now() == at_ns(horizon));
    } else {
      const int64_t horizon = now + *rc::gen::inRange<int64_t>(0, 2'000);
      const std::size_t ran_before = h.ran.size();
      const bool ran_one = h.engine.run_one(at_ns(horizon));
      RC_ASSERT(h.ran.size() == ran_before + (ran_one ? 1 : 0));
      h.check_ran_since(ran_before, horizon);
      if (!ran_one) RC_ASSERT(h.reference.next_time() > horizon);
    }
    RC_ASSERT(h.engine.pending_count() == h.reference.queue.size());
    RC_ASSERT(h.engine.next_event_time().ns() == h.reference.next_time());
  }
}

RC_GTEST_PROP(EngineDifferential, MatchesAReferenceSchedulerUnderInterleavedOperations, ()) {
  DifferentialHarness h;
  check_against_reference(h);
}

RC_GTEST_PROP(EngineDifferential, LanesChangeNoOrder, ()) {
  DifferentialHarness h;
  const int lanes = *rc::gen::inRange(1, 3);
  for (int i = 0; i < lanes; ++i)
    h.lanes.push_back(h.engine.add_lane());
  check_against_reference(h);
}

}  // namespace
}  // namespace hsmsim::sim

namespace hsmsim::sim {
namespace {

// Ctrl-C: a raised interrupt flag stops run_until within a few thousand events, leaving the
// clock at the last event run and the rest pending.
TEST(EngineInterrupt, RaisedFlagStopsTheRunEarly) {
  Engine engine;
  std::atomic<bool> flag{false};
  engine.set_interrupt(&flag);
  uint64_t ran = 0;
  for (int i = 0; i < 100'000; ++i) {
    engine.schedule_at(Time::from_ns(i + 1), [&ran] { ++ran; });
  }
  engine.run_until(Time::from_ns(10));
  EXPECT_FALSE(engine.interrupted());
  EXPECT_EQ(ran, 10u);
  flag = true;
  engine.run_until(Time::max());
  EXPECT_TRUE(engine.interrupted());
  EXPECT_LT(ran, 10u + 4096u + 1u);
  EXPECT_EQ(engine.now(), Time::from_ns(static_cast<int64_t>(ran)));
  EXPECT_EQ(engine.pending_count(), 100'000u - ran);
}

}  // namespace
}  // namespace hsmsim::sim
