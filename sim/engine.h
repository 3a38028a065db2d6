// The discrete-event engine: a virtual clock, a queue of pending events (plus FIFO lanes for
// events scheduled in the order they fall due) and the run loop.
//
// Model code talks to the engine only through this class: now(), schedule_at/after(),
// schedule_in_lane(), cancel() and the run calls. Events at equal times run in the order they
// were scheduled. The engine knows nothing about what its events mean.
#pragma once

#include <atomic>
#include <cassert>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <vector>

#include "sim/callback.h"
#include "sim/event_lane.h"
#include "sim/event_queue.h"
#include "sim/time.h"

namespace hsmsim::sim {

// Names one scheduled event. A stale id (event already run or cancelled) is harmless:
// cancel() and pending() recognise it by its generation.
// A run outgrew a bound set on it (set_pending_limit, or a model's own bound on what it holds):
// the scenario asks for more than the simulator will hold in memory.
class CapacityExceeded : public std::length_error {
 public:
  using std::length_error::length_error;
};

struct EventId {
  uint32_t slot = 0;
  uint32_t generation = 0;  // 0 never names an event
  bool valid() const { return generation != 0; }
  friend bool operator==(const EventId&, const EventId&) = default;
};

// Names one of the engine's lanes (Engine::add_lane).
struct LaneId {
  uint32_t index = 0;
};

// A callable the engine turns into a Callback itself (any but a Callback).
template <typename F>
concept Schedulable = !std::is_same_v<std::remove_cvref_t<F>, Callback>;

class Engine {
 public:
  Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  Time now() const { return now_; }

  // `when` must not be in the past. Returns an id that cancel() accepts.
  EventId schedule_at(Time when, Callback callback);
  EventId schedule_after(Duration delay, Callback callback) {
    return schedule_at(now_ + delay, callback);
  }
  // The same for a lambda (what model code passes): its Callback is built in the event's slot
  // itself. Built on the stack and then copied, it is stored in 8- and 4-byte pieces and read
  // back 16 bytes at a time at once, a load the CPU cannot forward from those stores: a
  // stall of a dozen cycles per event (perf annotate of the e2e bench scenario).
  template <Schedulable F>
  EventId schedule_at(Time when, F&& f) {
    const uint32_t index = claim_slot(when);
    ::new (static_cast<void*>(&slot(index).callback)) Callback(std::forward<F>(f));
    return enqueue(when, index);
  }
  template <Schedulable F>
  EventId schedule_after(Duration delay, F&& f) {
    return schedule_at(now_ + delay, std::forward<F>(f));
  }
  // Lanes: a fast path for events a model schedules in the order they fall due, such as the
  // arrivals of requests sent in time order over a fixed network delay. An event scheduled
  // in a lane at or after the lane's latest time joins the lane's FIFO; an earlier one goes
  // to the main queue. Either way it runs exactly when it would have run if scheduled with
  // schedule_at, in (time, sequence) order: the lane only saves the priority queue's work.
  LaneId add_lane();
  EventId schedule_in_lane(LaneId lane, Time when, Callback callback);
  template <Schedulable F>
  EventId schedule_in_lane(LaneId lane, Time when, F&& f) {
    const uint32_t index = claim_slot(when);
    ::new (static_cast<void*>(&slot(index).callback)) Callback(std::forward<F>(f));
    return enqueue_in_lane(lane, when, index);
  }
  // Returns true if the event was still pending (and now never runs).
  bool cancel(EventId id);
  bool pending(EventId id) const;

  std::size_t pending_count() const { return pending_count_; }
  // More than `limit` events pending at once throws CapacityExceeded from schedule_at. The
  // check costs nothing per event: it is made only when the slot pool grows.
  void set_pending_limit(std::size_t limit) { pending_limit_ = limit; }
  uint64_t events_dispatched() const { return dispatched_; }
  // Time of the earliest pending event, or Time::max() when none is pending.
  Time next_event_time();

  // Called after every dispatched event (invariant monitors, waits). May be null.
  using Observer = void (*)(void* context);
  void set_observer(Observer observer, void* context) {
    observer_ = observer;
    observer_context_ = context;
  }

  // Called by the event being handled: it changed nothing the observer watches (a data-plane
  // request moving through queues), so the observer is not called after it.
  void skip_observer() { observe_this_ = false; }
  // Moves whenever model state may have changed: after every dispatched event that did not
  // call skip_observer(), and at the start of every run call (code outside events may change
  // anything). What a model derives from its state, stamped with this, is still right while
  // the stamp reads the same: the data plane's routes are cached that way.
  uint64_t state_epoch() const { return state_epoch_; }

  // A flag (set by a signal handler) that makes run_until() return early, leaving the clock
  // at the last event; interrupted() tells. Null: never.
  void set_interrupt(const std::atomic<bool>* flag) { interrupt_ = flag; }
  bool interrupted() const { return interrupted_; }

  // Runs events in (time, sequence) order while their time is <= horizon, until the queue is
  // empty or stop() is called. When it returns without stop(), the clock reads `horizon`
  // (unless horizon is Time::max()). Returns the number of events dispatched by this call.
  uint64_t run_until(Time horizon);
  // Dispatches the earliest event if its time is <= horizon. Returns false if none was run.
  bool run_one(Time horizon);
  // Makes the current run_until() return after the event being handled.
  void stop() { stop_requested_ = true; }

  // Bytes the engine holds for its pending events (every slot page and queue block allocated,
  // used or not), for the bench's bytes-per-pending-event figure.
  std::size_t memory_bytes() const;

 private:
  // One per pending event; a freed slot is reused (LIFO, so it is still in cache). An
  // EventId or queue entry names the event only while its generation matches the slot's.
  struct Slot {
    Callback callback;
    uint32_t generation = 1;
    uint32_t next_free = kNoSlot;  // kInUse while an event occupies the slot
  };
  static_assert(sizeof(Slot) == 32);
  static constexpr uint32_t kNoSlot = 0xFFFF'FFFFu;
  static constexpr uint32_t kInUse = 0xFFFF'FFFEu;
  // Slot indices stay below kInUse; the queue stores them in 32 bits.
  static constexpr std::size_t kSlotsMax = kInUse - 1;
  // Slots live in fixed pages, not one vector: growth never copies them or leaves a
  // vector's doubling slack (which would be a quarter to half of the engine's memory).
  static constexpr uint32_t kSlotsPerPage = 256;  // 8 KiB
  // Cancelled entries stay queued until they reach the front; once they outnumber live
  // ones by more than this, the queue is swept, bounding memory at ~2x pending + slack.
  static constexpr std::size_t kStaleSlack = 4096;

  // A free slot for an event at `when` (checked not to be in the past), marked in use.
  uint32_t claim_slot(Time when) {
    if (when < now_) [[unlikely]] {
      fail_schedule_in_past(when);
    }
    const uint32_t index = free_head_;
    if (index == kNoSlot) [[unlikely]] {
      return create_slot();
    }
    Slot& reused = slot(index);
    assert(reused.next_free != kInUse);
    free_head_ = reused.next_free;
    reused.next_free = kInUse;
    return index;
  }
  // claim_slot for a Callback built elsewhere (checked not empty, for `caller`'s message),
  // which is stored in the slot.
  uint32_t claim_slot(Time when, const Callback& callback, const char* caller);
  // Queues the event of slot `index`, whose callback is set.
  EventId enqueue(Time when, uint32_t index);
  EventId enqueue_in_lane(LaneId lane, Time when, uint32_t index);
  uint32_t create_slot();
  void release_slot(uint32_t index);
  bool take_due(Time horizon, EventQueue::Entry& entry);
  bool take_due_from_lanes(Time horizon, EventQueue::Entry& entry);
  // The earliest queued entry of the main queue and the lanes, and where it is (null `from`:
  // the main queue); null when nothing is queued. Stale entries tied with it are dropped.
  const EventQueue::Entry* earliest(EventLane*& from);
  const EventQueue::Entry* earliest_live(EventLane*& from);
  // Removes the front of `from` (null: the main queue).
  void pop_from(EventLane* from);
  enum class Tie { kLaneFirst, kOtherFirst, kDropped };
  [[gnu::cold]] Tie settle_tie(EventLane& lane, const EventQueue::Entry& other,
                               EventLane* other_lane);
  // With lanes, the order of two entries due at the same time is their scheduling order,
  // kept per slot (the main queue and each lane are FIFO among equal times by themselves).
  uint64_t& sequence(uint32_t index) {
    return sequence_pages_[index / kSlotsPerPage][index % kSlotsPerPage];
  }
  std::size_t queued() const;
  Slot& slot(uint32_t index) { return slot_pages_[index / kSlotsPerPage][index % kSlotsPerPage]; }
  const Slot& slot(uint32_t index) const {
    return slot_pages_[index / kSlotsPerPage][index % kSlotsPerPage];
  }
  bool is_live(const EventQueue::Entry& entry) const {
    return slot(entry.slot).generation == entry.generation;
  }
  void dispatch(const EventQueue::Entry& entry);
  void sweep_stale_entries();
  [[noreturn]] void fail_schedule_in_past(Time when) const;

  Time now_;
  EventQueue queue_;
  std::vector<std::unique_ptr<Slot[]>> slot_pages_;
  std::vector<EventLane> lanes_;
  // Only while lanes exist: each slot's scheduling sequence number, pages beside slot_pages_.
  std::vector<std::unique_ptr<uint64_t[]>> sequence_pages_;
  uint64_t sequence_ = 0;
  // Slots [0, slots_created_) have been handed out at least once; the rest of the last
  // page has not.
  uint32_t slots_created_ = 0;
  uint32_t free_head_ = kNoSlot;
  std::size_t pending_count_ = 0;
  std::size_t pending_limit_ = kSlotsMax;
  uint64_t dispatched_ = 0;
  bool stop_requested_ = false;
  Observer observer_ = nullptr;
  bool observe_this_ = true;
  uint64_t state_epoch_ = 0;
  const std::atomic<bool>* interrupt_ = nullptr;
  bool interrupted_ = false;
  void* observer_context_ = nullptr;
};

}  // namespace hsmsim::sim
