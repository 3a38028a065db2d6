// A FIFO of pending events in time order: the engine's fast path for events a model
// schedules in the order they fall due (Engine::schedule_in_lane).
//
// Most of a data plane's events are network hops: a request reaches its cluster a fixed
// one-way delay after it was sent, and requests are sent in time order, so their arrivals are
// queued in time order too. A priority queue pays for ordering them all the same (in the
// radix heap each such entry is moved down about one bucket per digit of the delay: three or
// four moves for a 150 us hop); a FIFO keeps them ordered by construction, one store in and
// one load out. The engine merges its lanes with the main queue at dispatch.
//
// A ring buffer of 16-byte entries whose capacity (a power of two) doubles when full.
#pragma once

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "sim/event_queue.h"
#include "sim/time.h"

namespace hsmsim::sim {

class EventLane {
 public:
  using Entry = EventQueue::Entry;

  EventLane() = default;
  EventLane(EventLane&&) noexcept = default;
  EventLane& operator=(EventLane&&) noexcept = default;

  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }
  // The latest time queued: a new entry may join only at or after it. Requires !empty().
  Time back_time() const { return entries_[(head_ + size_ - 1) & mask_].time; }
  // Requires !empty(), and time >= back_time() unless empty.
  void push(Time time, uint32_t slot, uint32_t generation) {
    assert(empty() || time >= back_time());
    if (size_ == capacity()) [[unlikely]] {
      grow();
    }
    Entry& e = entries_[(head_ + size_) & mask_];
    e.time = time;
    e.slot = slot;
    e.generation = generation;
    ++size_;
  }
  const Entry& front() const {
    assert(!empty());
    return entries_[head_];
  }
  void pop() {
    assert(!empty());
    head_ = (head_ + 1) & mask_;
    --size_;
  }
  // Removes every entry for which dead(entry) is true, keeping the order of the others.
  template <typename Dead>
  std::size_t remove_if(Dead dead) {
    std::size_t kept = 0;
    for (std::size_t i = 0; i < size_; ++i) {
      const Entry e = entries_[(head_ + i) & mask_];
      if (!dead(e)) entries_[(head_ + kept++) & mask_] = e;
    }
    const std::size_t removed = size_ - kept;
    size_ = kept;
    return removed;
  }
  std::size_t memory_bytes() const { return capacity() * sizeof(Entry); }

 private:
  std::size_t capacity() const { return entries_ ? mask_ + 1 : 0; }
  void grow() {
    const std::size_t old_capacity = capacity();
    const std::size_t new_capacity = old_capacity == 0 ? 64 : old_capacity * 2;
    auto grown = std::make_unique<Entry[]>(new_capacity);
    for (std::size_t i = 0; i < size_; ++i)
      grown[i] = entries_[(head_ + i) & mask_];
    entries_ = std::move(grown);
    mask_ = new_capacity - 1;
    head_ = 0;
  }

  std::unique_ptr<Entry[]> entries_;
  std::size_t mask_ = 0;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

}  // namespace hsmsim::sim
