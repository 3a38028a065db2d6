#include "sim/engine.h"

#include <algorithm>
#include <cassert>
#include <stdexcept>
#include <string>

namespace hsmsim::sim {

Engine::Engine() : now_(Time::zero()) {}

uint32_t Engine::claim_slot(Time when, const Callback& callback, const char* caller) {
  if (!callback) [[unlikely]] {
    throw std::logic_error(std::string("Engine::") + caller + ": empty callback");
  }
  const uint32_t index = claim_slot(when);
  slot(index).callback = callback;
  return index;
}

EventId Engine::schedule_at(Time when, Callback callback) {
  return enqueue(when, claim_slot(when, callback, "schedule_at"));
}

EventId Engine::schedule_in_lane(LaneId lane, Time when, Callback callback) {
  return enqueue_in_lane(lane, when, claim_slot(when, callback, "schedule_in_lane"));
}

EventId Engine::enqueue(Time when, uint32_t index) {
  const uint32_t generation = slot(index).generation;
  if (!lanes_.empty()) sequence(index) = ++sequence_;
  queue_.insert(when, index, generation);
  ++pending_count_;
  assert(queued() >= pending_count_);
  return EventId{index, generation};
}

LaneId Engine::add_lane() {
  if (lanes_.empty()) {
    // Events already pending keep sequence 0: scheduled before any lane event, they run
    // first among equal times, as they would have.
    for (std::size_t i = sequence_pages_.size(); i < slot_pages_.size(); ++i)
      sequence_pages_.push_back(std::make_unique<uint64_t[]>(kSlotsPerPage));
  }
  lanes_.emplace_back();
  return LaneId{static_cast<uint32_t>(lanes_.size() - 1)};
}

EventId Engine::enqueue_in_lane(LaneId lane, Time when, uint32_t index) {
  assert(lane.index < lanes_.size());
  EventLane& l = lanes_[lane.index];
  const uint32_t generation = slot(index).generation;
  sequence(index) = ++sequence_;
  if (l.empty() || when >= l.back_time()) [[likely]] {
    l.push(when, index, generation);
  } else {
    queue_.insert(when, index, generation);
  }
  ++pending_count_;
  assert(queued() >= pending_count_);
  return EventId{index, generation};
}

std::size_t Engine::queued() const {
  std::size_t n = queue_.size();
  for (const EventLane& lane : lanes_)
    n += lane.size();
  return n;
}

void Engine::fail_schedule_in_past(Time when) const {
  throw std::logic_error("Engine::schedule_at: time " + std::to_string(when.ns()) +
                         "ns is before now " + std::to_string(now_.ns()) + "ns");
}

bool Engine::cancel(EventId id) {
  if (!pending(id)) return false;
  release_slot(id.slot);
  assert(pending_count_ > 0);
  --pending_count_;
  const std::size_t stale = queued() - pending_count_;
  if (stale > pending_count_ + kStaleSlack) sweep_stale_entries();
  return true;
}

bool Engine::pending(EventId id) const {
  if (!id.valid() || id.slot >= slots_created_) return false;
  const Slot& named = slot(id.slot);
  return named.generation == id.generation && named.next_free == kInUse;
}

Time Engine::next_event_time() {
  if (!lanes_.empty()) {
    EventLane* from = nullptr;
    const EventQueue::Entry* next = earliest_live(from);
    return next != nullptr ? next->time : Time::max();
  }
  while (!queue_.is_empty()) {
    const EventQueue::Entry& next = queue_.peek();
    if (is_live(next)) return next.time;
    queue_.remove_next();
  }
  assert(pending_count_ == 0);
  return Time::max();
}

inline const EventQueue::Entry* Engine::earliest(EventLane*& from) {
  for (;;) {
    from = nullptr;
    const EventQueue::Entry* next = queue_.is_empty() ? nullptr : &queue_.peek();
    bool dropped = false;
    for (EventLane& lane : lanes_) {
      if (lane.empty()) continue;
      const EventQueue::Entry& front = lane.front();
      if (next == nullptr || front.time < next->time) {
        next = &front;
        from = &lane;
      } else if (front.time == next->time) [[unlikely]] {
        const Tie tie = settle_tie(lane, *next, from);
        if (tie == Tie::kDropped) {
          dropped = true;
          break;
        }
        if (tie == Tie::kLaneFirst) {
          next = &front;
          from = &lane;
        }
      }
    }
    if (!dropped) return next;
  }
}

// Two entries due at the same time: `lane`'s front and `other`, at the front of the lane
// `other_lane` (null: the main queue). The one scheduled first runs first. A stale entry's
// slot may have been reused since, so its sequence number means nothing: it is dropped
// instead (it would be dropped when it surfaced anyway), and the caller looks again.
Engine::Tie Engine::settle_tie(EventLane& lane, const EventQueue::Entry& other,
                               EventLane* other_lane) {
  const EventQueue::Entry& front = lane.front();
  if (!is_live(front)) {
    lane.pop();
    return Tie::kDropped;
  }
  if (!is_live(other)) {
    pop_from(other_lane);
    return Tie::kDropped;
  }
  return sequence(front.slot) < sequence(other.slot) ? Tie::kLaneFirst : Tie::kOtherFirst;
}

inline void Engine::pop_from(EventLane* from) {
  if (from != nullptr) {
    from->pop();
  } else {
    queue_.remove_next();
  }
}

// earliest(), with the cancelled entries in front of the first live one dropped.
inline const EventQueue::Entry* Engine::earliest_live(EventLane*& from) {
  for (;;) {
    const EventQueue::Entry* next = earliest(from);
    if (next == nullptr) {
      assert(pending_count_ == 0);
      return nullptr;
    }
    if (is_live(*next)) return next;
    pop_from(from);
  }
}

bool Engine::take_due_from_lanes(Time horizon, EventQueue::Entry& entry) {
  EventLane* from = nullptr;
  const EventQueue::Entry* next = earliest_live(from);
  if (next == nullptr || next->time > horizon) return false;
  entry = *next;
  pop_from(from);
  return true;
}

// The next live event due by `horizon`, removed from the queue. Cancelled entries are
// dropped as they surface (the lazy half of cancel()).
inline bool Engine::take_due(Time horizon, EventQueue::Entry& entry) {
  if (!lanes_.empty()) return take_due_from_lanes(horizon, entry);
  while (!queue_.is_empty()) {
    if (queue_.peek().time > horizon) return false;
    entry = queue_.remove_next();
    // With many events pending, the slot of the event after next is a cache miss; start the
    // load now, so it has arrived when that event is dispatched.
    if (const EventQueue::Entry* upcoming = queue_.peek_second()) {
      __builtin_prefetch(&slot(upcoming->slot));
    }
    if (is_live(entry)) return true;
  }
  assert(pending_count_ == 0);
  return false;
}

inline void Engine::dispatch(const EventQueue::Entry& entry) {
  assert(entry.time >= now_);
  now_ = entry.time;
  // Copy the callback and free the slot first: the callback may cancel its own (now stale)
  // id, schedule into the same slot, or throw, and the engine stays consistent in each case.
  const Callback callback = slot(entry.slot).callback;
  release_slot(entry.slot);
  assert(pending_count_ > 0);
  --pending_count_;
  ++dispatched_;
  observe_this_ = true;
  callback();
  if (observe_this_) {
    ++state_epoch_;
    if (observer_ != nullptr) observer_(observer_context_);
  }
}

uint64_t Engine::run_until(Time horizon) {
  if (horizon < now_) {
    throw std::logic_error("Engine::run_until: horizon " + std::to_string(horizon.ns()) +
                           "ns is before now " + std::to_string(now_.ns()) + "ns");
  }
  stop_requested_ = false;
  ++state_epoch_;
  const uint64_t dispatched_before = dispatched_;
  EventQueue::Entry entry;
  while (!stop_requested_ && take_due(horizon, entry)) {
    dispatch(entry);
    // An interrupt (Ctrl-C) is looked at every few thousand events: a relaxed load is cheap,
    // but not free on the hot path.
    if ((dispatched_ & 4095) == 0 && interrupt_ != nullptr &&
        interrupt_->load(std::memory_order_relaxed)) {
      interrupted_ = true;
      break;
    }
  }
  if (interrupted_) return dispatched_ - dispatched_before;
  if (!stop_requested_ && horizon != Time::max()) now_ = horizon;
  assert(now_ <= horizon);
  return dispatched_ - dispatched_before;
}

bool Engine::run_one(Time horizon) {
  ++state_epoch_;
  EventQueue::Entry entry;
  if (!take_due(horizon, entry)) return false;
  dispatch(entry);
  return true;
}

uint32_t Engine::create_slot() {
  assert(free_head_ == kNoSlot);
  if (slots_created_ >= std::min(pending_limit_, kSlotsMax)) {
    throw CapacityExceeded("more than " + std::to_string(std::min(pending_limit_, kSlotsMax)) +
                           " events pending at once");
  }
  if (slots_created_ % kSlotsPerPage == 0) {
    slot_pages_.push_back(std::make_unique<Slot[]>(kSlotsPerPage));
    if (!lanes_.empty()) sequence_pages_.push_back(std::make_unique<uint64_t[]>(kSlotsPerPage));
  }
  const uint32_t index = slots_created_++;
  slot(index).next_free = kInUse;
  return index;
}

void Engine::release_slot(uint32_t index) {
  Slot& released = slot(index);
  assert(released.next_free == kInUse);
  // A generation that wrapped to 0 could name a stale entry still queued from 2^32 uses ago;
  // the slot is retired instead (32 bytes, once per 4 billion events through it).
  if (++released.generation == 0) {
    released.next_free = kNoSlot;
    return;
  }
  released.next_free = free_head_;
  free_head_ = index;
}

void Engine::sweep_stale_entries() {
  const auto dead = [this](const EventQueue::Entry& entry) { return !is_live(entry); };
  std::size_t removed = queue_.remove_if(dead);
  for (EventLane& lane : lanes_)
    removed += lane.remove_if(dead);
  assert(removed > kStaleSlack);
  assert(queued() == pending_count_);
  (void)removed;  // read only by the asserts
}

std::size_t Engine::memory_bytes() const {
  // sizeof(*this) already counts the queue object; add only what it points to.
  std::size_t bytes = sizeof(*this) + slot_pages_.capacity() * sizeof(slot_pages_[0]) +
                      slot_pages_.size() * kSlotsPerPage * sizeof(Slot) + queue_.memory_bytes() -
                      sizeof(queue_);
  bytes += lanes_.capacity() * sizeof(EventLane);
  for (const EventLane& lane : lanes_)
    bytes += lane.memory_bytes();
  bytes += sequence_pages_.capacity() * sizeof(sequence_pages_[0]) +
           sequence_pages_.size() * kSlotsPerPage * sizeof(uint64_t);
  return bytes;
}

}  // namespace hsmsim::sim
