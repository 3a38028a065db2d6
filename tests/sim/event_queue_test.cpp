// The event queue: (time, insertion) order, FIFO among equal times, lazy-removal sweeps, and
// inserts below the last peeked key; checked against std::multimap, which keeps equal keys in
// insertion order.
#include "sim/event_queue.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <map>
#include <random>
#include <vector>

namespace hsmsim::sim {
namespace {

using Entry = EventQueue::Entry;

Entry make_entry(int64_t time_ns, uint32_t slot) {
  return Entry{Time::from_ns(time_ns), slot, 1};
}

std::vector<uint32_t> drain_slots(EventQueue& queue) {
  std::vector<uint32_t> slots;
  while (!queue.is_empty())
    slots.push_back(queue.remove_next().slot);
  return slots;
}

TEST(EventQueue, RemovesInTimeOrder) {
  EventQueue queue;
  const std::vector<int64_t> times = {50, 3, 1'000'000'000'000, 7, 0, 4096, 4095, 1};
  for (uint32_t i = 0; i < times.size(); ++i)
    queue.insert(make_entry(times[i], i));
  EXPECT_EQ(queue.size(), times.size());
  std::vector<int64_t> removed;
  while (!queue.is_empty())
    removed.push_back(queue.remove_next().time.ns());
  std::vector<int64_t> sorted = times;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(removed, sorted);
}

TEST(EventQueue, EqualTimesComeOutInInsertionOrder) {
  // Many ties spread over several buckets, compared with a stable sort by time.
  EventQueue queue;
  std::mt19937_64 rng(7);
  std::vector<std::pair<int64_t, uint32_t>> inserted;
  for (uint32_t i = 0; i < 20'000; ++i) {
    const int64_t time = static_cast<int64_t>(rng() % 64) * 1'000;
    inserted.emplace_back(time, i);
    queue.insert(make_entry(time, i));
  }
  std::stable_sort(inserted.begin(), inserted.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<uint32_t> expected;
  expected.reserve(inserted.size());
  for (const auto& [time, slot] : inserted)
    expected.push_back(slot);
  EXPECT_EQ(drain_slots(queue), expected);
}

TEST(EventQueue, PeekNamesTheEntryRemoveNextReturns) {
  EventQueue queue;
  queue.insert(make_entry(10, 1));
  queue.insert(make_entry(10, 2));
  queue.insert(make_entry(5, 3));
  EXPECT_EQ(queue.peek().slot, 3u);
  EXPECT_EQ(queue.remove_next().slot, 3u);
  EXPECT_EQ(queue.peek().slot, 1u);
  EXPECT_EQ(queue.peek().time, Time::from_ns(10));
  EXPECT_EQ(queue.size(), 2u);
}

TEST(EventQueue, InsertBelowAPeekedTimeStillComesFirst) {
  // The engine peeks past a horizon, then the model schedules between the horizon and the
  // peeked event: the queue must re-bucket rather than lose the order.
  EventQueue queue;
  queue.insert(make_entry(1'000, 1));
  queue.insert(make_entry(1'000, 2));
  queue.insert(make_entry(1'500, 3));
  EXPECT_EQ(queue.peek().slot, 1u);
  queue.insert(make_entry(600, 4));
  queue.insert(make_entry(1'000, 5));
  queue.insert(make_entry(600, 6));
  EXPECT_EQ(drain_slots(queue), (std::vector<uint32_t>{4, 6, 1, 2, 5, 3}));
}

TEST(EventQueue, RemoveIfKeepsTheOthersInOrder) {
  EventQueue queue;
  for (uint32_t i = 0; i < 100; ++i)
    queue.insert(make_entry(int64_t{i % 10} * 100, i));
  EXPECT_EQ(queue.remove_next().slot, 0u);  // leaves a removed prefix in bucket 0
  EXPECT_EQ(queue.remove_if([](const Entry& e) { return e.slot % 2 == 1; }), 50u);
  EXPECT_EQ(queue.size(), 49u);
  std::vector<uint32_t> expected;
  for (uint32_t t = 0; t < 10; ++t) {
    for (uint32_t i = t; i < 100; i += 10) {
      if (i % 2 == 0 && i != 0) expected.push_back(i);
    }
  }
  EXPECT_EQ(drain_slots(queue), expected);
}

// Random operations on a queue and on a reference, multimap<time, slot>, whose equal keys
// stay in insertion order. Inserts are at or after the last removed time (the engine's
// contract), sometimes below a peeked one; small spans give ties, rare huge ones exercise the
// high buckets. step(insert_percent) makes one operation and checks the two agree.
class AgainstMultimap {
 public:
  AgainstMultimap(uint64_t seed, uint64_t max_span) : rng_(seed), max_span_(max_span) {}

  std::size_t size() const { return reference_.size(); }
  void step(uint64_t insert_percent) {
    const uint64_t op = rng_() % 100;
    if (op < insert_percent || reference_.empty()) {
      const uint64_t span = (rng_() % 50 == 0) ? (uint64_t{1} << 40) : 1 + rng_() % max_span_;
      const int64_t time = last_removed_ + static_cast<int64_t>(rng_() % span);
      queue_.insert(make_entry(time, next_slot_));
      reference_.emplace(time, next_slot_++);
    } else if (op % 3 == 0) {
      // Peeking moves the queue's base past last_removed; later inserts may land below it.
      ASSERT_EQ(queue_.peek().slot, reference_.begin()->second);
      ASSERT_EQ(queue_.peek().time.ns(), reference_.begin()->first);
      if (const Entry* second = queue_.peek_second()) {
        ASSERT_GE(reference_.size(), 2u);
        ASSERT_EQ(second->slot, std::next(reference_.begin())->second);
      }
    } else if (op < 97) {
      const Entry removed = queue_.remove_next();
      ASSERT_EQ(removed.time.ns(), reference_.begin()->first);
      ASSERT_EQ(removed.slot, reference_.begin()->second);
      last_removed_ = removed.time.ns();
      reference_.erase(reference_.begin());
    } else {
      const uint32_t modulus = 2 + static_cast<uint32_t>(rng_() % 5);
      const auto dead = [modulus](const Entry& e) { return e.slot % modulus == 0; };
      const std::size_t removed = queue_.remove_if(dead);
      const std::size_t expected =
          std::erase_if(reference_, [modulus](const auto& kv) { return kv.second % modulus == 0; });
      ASSERT_EQ(removed, expected);
    }
    ASSERT_EQ(queue_.size(), reference_.size());
  }

 private:
  EventQueue queue_;
  std::multimap<int64_t, uint32_t> reference_;
  std::mt19937_64 rng_;
  uint64_t max_span_;
  int64_t last_removed_ = 0;
  uint32_t next_slot_ = 0;
};

TEST(EventQueue, MatchesMultimapUnderRandomInterleaving) {
  // The queue grows steadily to thousands of entries: the buckets' work.
  AgainstMultimap check(2024, 2'000);
  for (int step = 0; step < 200'000; ++step) {
    ASSERT_NO_FATAL_FAILURE(check.step(55));
  }
}

TEST(EventQueue, MatchesMultimapWhileMovingBetweenArrayAndBuckets) {
  // A queue of a few entries is a sorted array; past 32 it moves to the buckets and comes
  // back at 8. The size here swings between 0 and ~70, so that it crosses both ways often.
  AgainstMultimap check(77, 200);
  std::mt19937_64 rng(78);
  std::size_t target = 40;
  for (int step = 0; step < 300'000; ++step) {
    if (step % 500 == 0) target = rng() % 70;
    ASSERT_NO_FATAL_FAILURE(check.step(check.size() < target ? 70 : 25));
  }
}

TEST(EventQueue, KeysInsideTheSortedRunComeOutInOrder) {
  // 45 keys spread over one 16 ns span come out of one refill as a sorted run of three
  // blocks. Keys inserted into that span afterwards cut the run (its larger keys go back to
  // buckets), and keys before it move it up into a bucket: (time, insertion) order holds.
  EventQueue queue;
  std::multimap<int64_t, uint32_t> reference;
  uint32_t next_slot = 0;
  const auto add = [&](int64_t time) {
    queue.insert(make_entry(time, next_slot));
    reference.emplace(time, next_slot++);
  };
  const auto remove_and_check = [&] {
    const Entry removed = queue.remove_next();
    ASSERT_EQ(removed.time.ns(), reference.begin()->first);
    ASSERT_EQ(removed.slot, reference.begin()->second);
    reference.erase(reference.begin());
  };
  constexpr int64_t kSpan = 1'000'000;  // a multiple of 16: the span is one bucket of digit 1
  for (int i = 0; i < 45; ++i)
    add(kSpan + 15 - i % 16);
  ASSERT_EQ(queue.peek().time.ns(), kSpan);
  for (int i = 0; i < 3; ++i)
    remove_and_check();
  std::mt19937_64 rng(11);
  for (int i = 0; i < 60; ++i)
    add(kSpan - 2 + static_cast<int64_t>(rng() % 18));
  while (!queue.is_empty())
    remove_and_check();
  EXPECT_TRUE(reference.empty());
}

TEST(EventQueue, PeekSecondNamesTheEntryAfterTheFront) {
  EventQueue queue;
  for (uint32_t i = 0; i < 40; ++i)
    queue.insert(make_entry(7, i));  // several blocks
  for (uint32_t i = 0; i < 39; ++i) {
    ASSERT_EQ(queue.peek().slot, i);
    const Entry* second = queue.peek_second();
    ASSERT_NE(second, nullptr);
    EXPECT_EQ(second->slot, i + 1);
    queue.remove_next();
  }
  EXPECT_EQ(queue.peek_second(), nullptr);  // only one left
}

TEST(EventQueue, HoldingASteadySizeAllocatesNothing) {
  // Blocks freed by removals are reused: once warm, a queue of constant size stops growing.
  EventQueue queue;
  std::mt19937_64 rng(5);
  for (uint32_t i = 0; i < 1'000; ++i)
    queue.insert(make_entry(static_cast<int64_t>(rng() % 2'000), i));
  const auto hold = [&](int steps) {
    for (int i = 0; i < steps; ++i) {
      const Entry next = queue.remove_next();
      queue.insert(make_entry(next.time.ns() + static_cast<int64_t>(rng() % 2'000), next.slot));
    }
  };
  hold(200'000);
  const std::size_t warm_bytes = queue.memory_bytes();
  hold(200'000);
  EXPECT_EQ(queue.memory_bytes(), warm_bytes);
  EXPECT_EQ(queue.size(), 1'000u);
  EXPECT_LT(warm_bytes, 1'000u * 64);
}

TEST(EventQueue, RejectsNegativeTimes) {
  EventQueue queue;
  EXPECT_THROW(queue.insert(make_entry(-1, 0)), std::logic_error);
  EXPECT_TRUE(queue.is_empty());
}

}  // namespace
}  // namespace hsmsim::sim
