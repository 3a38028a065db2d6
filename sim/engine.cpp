#include "sim/engine.h"

#include <cassert>
#include <stdexcept>
#include <string>

namespace hsmsim::sim {

Engine::Engine() : now_(Time::zero()) {}

EventId Engine::schedule_at(Time when, Callback callback) {
  if (when < now_) [[unlikely]]
    fail_schedule_in_past(when);
  if (!callback) [[unlikely]]
    throw std::logic_error("Engine::schedule_at: empty callback");
  const uint32_t slot = allocate_slot();
  Slot& entry_slot = slots_[slot];
  entry_slot.callback = callback;
  queue_.insert({when, slot, entry_slot.generation});
  ++pending_count_;
  assert(queue_.size() >= pending_count_);
  return EventId{slot, entry_slot.generation};
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
  const std::size_t stale = queue_.size() - pending_count_;
  if (stale > pending_count_ + kStaleSlack) sweep_stale_entries();
  return true;
}

bool Engine::pending(EventId id) const {
  if (!id.valid() || id.slot >= slots_.size()) return false;
  const Slot& slot = slots_[id.slot];
  return slot.generation == id.generation && slot.next_free == kInUse;
}

Time Engine::next_event_time() {
  while (!queue_.is_empty()) {
    const EventQueue::Entry& next = queue_.peek();
    if (is_live(next)) return next.time;
    queue_.remove_next();
  }
  assert(pending_count_ == 0);
  return Time::max();
}

uint64_t Engine::run_until(Time horizon) {
  if (horizon < now_) {
    throw std::logic_error("Engine::run_until: horizon " + std::to_string(horizon.ns()) +
                           "ns is before now " + std::to_string(now_.ns()) + "ns");
  }
  stop_requested_ = false;
  const uint64_t dispatched_before = dispatched_;
  while (!stop_requested_ && run_one(horizon)) {
  }
  if (!stop_requested_ && horizon != Time::max()) now_ = horizon;
  assert(now_ <= horizon);
  return dispatched_ - dispatched_before;
}

bool Engine::run_one(Time horizon) {
  // Stale (cancelled) entries are dropped as they surface; one past the horizon stays, so
  // the queue is not advanced beyond what the clock will read.
  while (!queue_.is_empty()) {
    if (queue_.peek().time > horizon) return false;
    const EventQueue::Entry entry = queue_.remove_next();
    // With many events pending, the slot of the event after next is a cache miss; start the
    // load now, so it has arrived when that event is dispatched.
    if (const EventQueue::Entry* upcoming = queue_.peek_second()) {
      __builtin_prefetch(&slots_[upcoming->slot]);
    }
    if (is_live(entry)) {
      dispatch(entry);
      return true;
    }
  }
  assert(pending_count_ == 0);
  return false;
}

void Engine::dispatch(const EventQueue::Entry& entry) {
  assert(entry.time >= now_);
  now_ = entry.time;
  // Copy the callback and free the slot first: the callback may cancel its own (now stale)
  // id, schedule into the same slot, or throw, and the engine stays consistent in each case.
  const Callback callback = slots_[entry.slot].callback;
  release_slot(entry.slot);
  assert(pending_count_ > 0);
  --pending_count_;
  ++dispatched_;
  callback();
  if (observer_ != nullptr) observer_(observer_context_);
}

uint32_t Engine::allocate_slot() {
  if (free_head_ != kNoSlot) {
    const uint32_t slot = free_head_;
    assert(slot < slots_.size());
    free_head_ = slots_[slot].next_free;
    slots_[slot].next_free = kInUse;
    return slot;
  }
  if (slots_.size() >= kSlotsMax) {
    throw std::length_error("Engine: more than " + std::to_string(kSlotsMax) + " events pending");
  }
  // Grow by 1.25x, not the vector's 2x: the slots are most of the engine's memory.
  if (slots_.size() == slots_.capacity()) slots_.reserve(slots_.size() + slots_.size() / 4 + 64);
  slots_.emplace_back();
  slots_.back().next_free = kInUse;
  return static_cast<uint32_t>(slots_.size() - 1);
}

void Engine::release_slot(uint32_t slot) {
  Slot& released = slots_[slot];
  assert(released.next_free == kInUse);
  // A generation that wrapped to 0 could name a stale entry still queued from 2^32 uses ago;
  // the slot is retired instead (32 bytes, once per 4 billion events through it).
  if (++released.generation == 0) {
    released.next_free = kNoSlot;
    return;
  }
  released.next_free = free_head_;
  free_head_ = slot;
}

void Engine::sweep_stale_entries() {
  const std::size_t removed =
      queue_.remove_if([this](const EventQueue::Entry& entry) { return !is_live(entry); });
  assert(queue_.size() == pending_count_);
  (void)removed;
}

std::size_t Engine::memory_bytes() const {
  // sizeof(*this) already counts the queue object; add only what it points to.
  return sizeof(*this) + slots_.capacity() * sizeof(Slot) + queue_.memory_bytes() - sizeof(queue_);
}

}  // namespace hsmsim::sim
