// The engine's queue of pending events: a monotone priority queue on virtual time.
//
// The contract is ns-3's Scheduler, five calls: insert, is_empty, peek, remove_next and remove.
// remove is lazy and lives in the Engine: cancelling bumps the slot's generation, so the entry
// left here is recognised as stale when it reaches the front (or by remove_if, which the Engine
// calls when stale entries start to outnumber live ones).
//
// Entries order by (time, insertion order): among equal times the queue is FIFO, which is what
// the SPEC's "a sequence number breaks ties" asks for, without storing the sequence number.
//
// How: a radix heap (Ahuja, Mehlhorn, Orlin, Tarjan 1990) with 4-bit digits on the 64-bit
// nanosecond time. Virtual time only moves forward, so every key is >= `base_`, a lower bound
// that only grows. An entry sits in the bucket named by the highest digit where its key
// differs from base_ and its value there. Bucket 0 is the run: the entries due next, sorted,
// consumed front to back; every key below `limit_` is there, every other key is >= limit_.
// When the run is consumed, the lowest non-empty bucket becomes the next run: as it is when it
// holds one key or one entry; sorted when it is small (a counting sort for the second digit,
// whose keys span 16 ns, up to kSortedRunMax entries; an insertion sort of a single block for
// higher digits); else after being emptied into lower buckets (descend), and the search
// starts again. A new key inside a sorted run is placed in it when that is a short scan and
// shift, else the run is cut back to its keys equal to base_ (insert_below_limit). An entry only
// moves to lower buckets, so it moves at most about twice per digit, each move a sequential copy;
// in the hold model it moves about twice in all. FIFO among equal keys falls out: equal keys
// always share a bucket, buckets are appended in order, and moves and sorts keep that order.
//
// Why this one, measured with the hold model (`hsmsim bench scheduler`: engine events/s over
// a bare std::priority_queue<tuple<time, seq, id>> in the same process, same draws; Release,
// g++ 12, 2 shared cores, best of 3, CPU time; bytes = Engine::memory_bytes() / pending):
//
//   queue                                    1e3 pending    1e5 pending    1e6 pending
//   4-ary heap, 24-byte (time, seq, slot)    0.89x  58 B    0.65x  64 B    0.89x  57 B
//   radix-2, a std::vector per bucket        1.67x 274 B    2.50x 168 B    3.98x 102 B
//   radix-2, block lists                     1.27x  54 B    2.26x  49 B    2.63x  49 B
//   radix-8, block lists                     1.59x  58 B    2.89x  49 B    3.32x  49 B
//   radix-16, block lists                    1.78x  61 B    3.59x  49 B    3.72x  49 B
//   radix-32, block lists                    1.71x  66 B    3.38x  49 B    3.83x  49 B
//   radix-64, block lists                    1.98x  78 B    3.50x  49 B    4.07x  49 B
//   radix-256, block lists                   2.13x 112 B    3.85x  50 B    4.08x  49 B
//   radix-16, sorted run (this)              1.95x  61 B    3.1x   49 B    3.3x   49 B
//
// The last row was measured later (2026-12-06; medians of 5-8 runs on a busy host, 1.8-2.1x /
// 2.5-3.9x / 3.0-3.9x in all), where radix-16, block lists built from the same tree read
// 1.49-1.60x / 2.9-3.5x / 3.0-3.5x: the baseline had become faster (15.5 M events/s at 1e3
// against 13.8 M), so the rows above are not comparable with it. At 1e3 a bucket of the second
// digit holds about 16 entries over 16 ns; sorting small buckets into the run instead of
// spreading them over buckets of a block each took the engine from 23.4 to 30.0 M events/s,
// and building callbacks in their slots (engine.h) to 32 M. At 1e5 and 1e6 the buckets that
// reach the front are larger than kSortedRunMax: unchanged within the noise of those sizes.
//
// Wider digits move entries fewer times but cost more fixed buckets and more half-empty
// blocks when few events are pending; radix-16 is the widest that stays under 64 bytes per
// pending event at 1e3. Per-bucket vectors keep every bucket's peak capacity, hence blocks.
// Taking the bucket's lower bound as the new base instead of its minimum saved a scan
// (about 3% at 1e3). At 1e6 most of the remaining time is the cache miss on each event's
// slot, which the Engine hides by prefetching through peek_second() (225 -> 135 ns/event).
//
// Few entries: up to kSmallMax (32) the queue is a sorted array instead (an insert shifts
// the entries due no later than it one place; a removal takes the last), which moves to the
// buckets when one more arrives and comes back when eight are left. With a handful pending,
// a radix heap's entries still step down a digit at a time and most inserts land below a
// peeked run; the array does neither. The e2e bench scenario queues only its HSMs' service
// ends here (about ten pending; its arrivals take an engine lane, engine.h), and together
// with that lane it went from 625 to 577 ns per request (scripts/perf-compare.sh, PGO
// builds, 2026-12-07). Hold model, PGO builds, same day: 16 pending 29.0 -> 32.0 M events/s
// (0.89x -> 1.02x the baseline), 128 unchanged (20.8-21.2 M), but 1e3 34.0 -> 31.0 M
// (2.40x -> 2.21x), 1e5 and 1e6 within their noise. The 1e3 loss is not the array's own
// branches or the engine's lane checks: with either taken out the figure was the same
// (non-PGO builds); it follows the larger inlined dispatch path.
#pragma once

#include <array>
#include <bit>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "sim/time.h"

namespace hsmsim::sim {

class EventQueue {
 public:
  // 16 bytes: the payload (callback) lives in the Engine's slot array, named by `slot`.
  struct Entry {
    Time time;
    uint32_t slot = 0;
    uint32_t generation = 0;
  };
  static_assert(sizeof(Entry) == 16);

  EventQueue() = default;
  EventQueue(const EventQueue&) = delete;
  EventQueue& operator=(const EventQueue&) = delete;
  ~EventQueue();

  // Any time >= 0 is accepted, in O(1) amortized. A time within the span of a sorted run
  // but before its last key costs a bounded scan of the run; a time below the queue's base (which
  // peek() can advance past the engine's clock, e.g. to the first event after a run's
  // horizon) costs splicing the lower buckets (at most 256 list splices) into one.
  void insert(const Entry& entry) { insert(entry.time, entry.slot, entry.generation); }
  // The same, from its fields: the Engine's way, which never builds an Entry on the stack (an
  // Entry built there from 8-byte pieces and copied at once, 16 bytes wide, is a load the CPU
  // cannot forward from those stores, a stall per event).
  void insert(Time time, uint32_t slot, uint32_t generation);
  bool is_empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }
  // The earliest entry (FIFO among equal times). Requires !is_empty(). The reference is
  // valid until the next insert, remove_next or remove_if.
  const Entry& peek();
  Entry remove_next();
  // The entry that remove_next() will return after the next one, if the queue already knows
  // it without work (else nullptr): lets the Engine prefetch that event's slot.
  const Entry* peek_second() const;
  // Removes every entry for which dead(entry) is true, keeping the order of the others.
  // Returns the number removed. O(size()).
  template <typename Dead>
  std::size_t remove_if(Dead dead);

  // Bytes held, counting every block allocated (in use or free).
  std::size_t memory_bytes() const;

 private:
  // Radix-2^k digits: bucket (p, v) holds the keys whose highest digit differing from base_
  // is digit p, where their digit is v (necessarily > base_'s). Index p * kDigitValues + v;
  // index 0 (v = 0 cannot differ upwards) is bucket 0: keys equal to base_.
  static constexpr int kDigitBits = 4;
  static constexpr int kDigitValues = 1 << kDigitBits;
  static constexpr int kDigits = (64 + kDigitBits - 1) / kDigitBits;
  static constexpr int kBuckets = kDigits * kDigitValues;
  static constexpr int kOccupiedWords = (kBuckets + 63) / 64;

  // Buckets are lists of fixed blocks from one free list, so memory tracks the number of
  // entries (plus one partial block per non-empty bucket), not each bucket's peak.
  // A block is a whole number of cache lines: 16-byte header, then entries.
  static constexpr int kBlockEntries = 15;
  // The largest bucket of digit 1 that refill() sorts into the run (see sort_into_run).
  static constexpr uint32_t kSortedRunMax = 4 * kBlockEntries;
  // How far into the run place_in_run looks for a key's place, in blocks.
  static constexpr int kPlaceBlocksMax = 4;
  struct alignas(64) Block {
    Block* next = nullptr;
    uint32_t begin = 0;  // entries [begin, end) are queued; begin > 0 only in bucket 0
    uint32_t end = 0;
    Entry entries[kBlockEntries];
  };
  static_assert(sizeof(Block) % 64 == 0 && sizeof(Block) < sizeof(Entry) * (kBlockEntries + 5));
  // A circular list of non-empty blocks named by its tail (tail->next is the head), so a
  // bucket costs one pointer: the queue's fixed size matters when few events are pending.
  struct Bucket {
    Block* tail = nullptr;
    bool empty() const { return tail == nullptr; }
    Block* head() const { return tail->next; }
  };

  // Few entries: a sorted array, no buckets. Up to kSmallMax entries queued at once stay
  // there; one more moves them all to the buckets, and the queue comes back to the array when
  // it is down to kSmallReturn entries. Entries are in reverse order of removal: the next
  // one is the last. (A model whose other events take lanes, such as the data plane, queues
  // here only the few it schedules at random delays: its HSMs' service ends.)
  static constexpr uint32_t kSmallMax = 32;
  static constexpr uint32_t kSmallReturn = 8;
  void small_insert(Time time, uint32_t slot, uint32_t generation);
  void leave_small();
  void return_to_small();
  const Entry& radix_peek();
  Entry radix_remove_next();
  void radix_insert(Time time, uint32_t slot, uint32_t generation);

  static uint64_t key_of(const Entry& entry) { return static_cast<uint64_t>(entry.time.ns()); }
  int bucket_of(uint64_t key) const;
  // The smallest key bucket (p, v) can hold: base_'s digits above p, then v, then zeros.
  uint64_t floor_of(int bucket) const;
  // The next free entry at the end of `bucket`, for an entry whose bucket that is.
  Entry& append_to(int bucket);
  void push(const Entry& entry, int bucket);
  Block* append_block(Bucket& bucket);
  void release_block(Block* block);
  void mark(int bucket) { occupied_[bucket / 64] |= uint64_t{1} << (bucket % 64); }
  void unmark(int bucket) { occupied_[bucket / 64] &= ~(uint64_t{1} << (bucket % 64)); }
  int lowest_occupied() const;
  void refill();
  void descend(int source_index);
  bool sort_into_run(int source_index);
  bool sort_block_into_run(int source_index);
  void make_run(int source_index, uint64_t base, uint64_t limit);
  void insert_below_limit(const Entry& entry);
  // Where a key goes in the run: entry `at` of `block`, the block after `before` (null: the
  // run's head).
  struct RunPlace {
    Block* before;
    Block* block;
    uint32_t at;
  };
  std::optional<RunPlace> first_above(uint64_t key, int max_blocks) const;
  bool place_in_run(const Entry& entry);
  void cut_run();
  void lower_base(uint64_t key);
  Block* insert_block_after(Bucket& bucket, Block* block);
  static void splice(Bucket& to, Bucket& from);
  static uint64_t minimum_key(const Bucket& bucket);
  [[noreturn]] static void fail_negative_time(Time time);

  std::array<Bucket, kBuckets> buckets_{};
  std::array<uint64_t, kOccupiedWords> occupied_{};  // bit i set iff bucket i >= 1 non-empty
  // Bucket 0, the run, holds every queued key below limit_, sorted; the other buckets hold
  // the keys from limit_ on, placed relative to base_ (base_ < limit_ <= each of their keys).
  uint64_t base_ = 0;
  uint64_t limit_ = 1;
  std::size_t size_ = 0;
  Block* free_blocks_ = nullptr;
  std::size_t blocks_allocated_ = 0;
  bool small_ = true;
  uint32_t small_size_ = 0;
  std::array<Entry, kSmallMax> small_entries_;
};

// --- Hot path, inline: one insert and one remove_next per dispatched event. ---

inline int EventQueue::bucket_of(uint64_t key) const {
  const uint64_t differing = key ^ base_;
  if (differing == 0) return 0;
  const int digit = (static_cast<int>(std::bit_width(differing)) - 1) / kDigitBits;
  const auto value = static_cast<int>((key >> (digit * kDigitBits)) & (kDigitValues - 1));
  return digit * kDigitValues + value;
}

inline uint64_t EventQueue::floor_of(int bucket) const {
  assert(bucket > 0 && bucket < kBuckets);
  const int shift = (bucket / kDigitValues) * kDigitBits;
  const auto value = static_cast<uint64_t>(bucket % kDigitValues);
  const uint64_t above = shift + kDigitBits >= 64 ? 0 : ~uint64_t{0} << (shift + kDigitBits);
  // shift <= 60: bucket < kBuckets (asserted above; the analyzer cannot see it in Release).
  return (base_ & above) | (value << shift);  // NOLINT(clang-analyzer-core.*)
}

inline EventQueue::Entry& EventQueue::append_to(int bucket) {
  assert(bucket >= 0 && bucket < kBuckets);
  Bucket& target = buckets_[bucket];
  Block* tail = target.tail;
  if (tail == nullptr || tail->end == kBlockEntries) [[unlikely]] {
    tail = append_block(target);
  }
  if (bucket != 0) mark(bucket);
  return tail->entries[tail->end++];
}

inline void EventQueue::push(const Entry& entry, int bucket) {
  assert(bucket == 0 ? key_of(entry) < limit_ : bucket == bucket_of(key_of(entry)));
  append_to(bucket) = entry;
}

inline void EventQueue::small_insert(Time time, uint32_t slot, uint32_t generation) {
  // After every entry due at `time` or earlier: those at the back move up one place.
  uint32_t at = small_size_;
  while (at > 0 && small_entries_[at - 1].time <= time) {
    small_entries_[at] = small_entries_[at - 1];
    --at;
  }
  Entry& queued = small_entries_[at];
  queued.time = time;
  queued.slot = slot;
  queued.generation = generation;
  ++small_size_;
}

inline void EventQueue::insert(Time time, uint32_t slot, uint32_t generation) {
  if (time.ns() < 0) [[unlikely]] {
    fail_negative_time(time);
  }
  if (small_) [[likely]] {
    if (small_size_ < kSmallMax) [[likely]] {
      small_insert(time, slot, generation);
      ++size_;
      return;
    }
    leave_small();
  }
  radix_insert(time, slot, generation);
  ++size_;
}

inline void EventQueue::radix_insert(Time time, uint32_t slot, uint32_t generation) {
  const auto key = static_cast<uint64_t>(time.ns());
  if (key < limit_) [[unlikely]] {
    insert_below_limit(Entry{time, slot, generation});
  } else {
    Entry& queued = append_to(bucket_of(key));
    queued.time = time;
    queued.slot = slot;
    queued.generation = generation;
  }
}

inline const EventQueue::Entry& EventQueue::peek() {
  if (small_) [[likely]] {
    assert(small_size_ > 0);
    return small_entries_[small_size_ - 1];
  }
  return radix_peek();
}

inline EventQueue::Entry EventQueue::remove_next() {
  if (small_) [[likely]] {
    assert(small_size_ > 0);
    --size_;
    return small_entries_[--small_size_];
  }
  const Entry entry = radix_remove_next();
  if (size_ <= kSmallReturn) [[unlikely]] {
    return_to_small();
  }
  return entry;
}

inline const EventQueue::Entry& EventQueue::radix_peek() {
  if (buckets_[0].empty()) refill();
  const Block* head = buckets_[0].head();
  assert(head->begin < head->end);
  assert(key_of(head->entries[head->begin]) < limit_);
  return head->entries[head->begin];
}

inline EventQueue::Entry EventQueue::radix_remove_next() {
  const Entry entry = radix_peek();
  Bucket& front = buckets_[0];
  Block* head = front.head();
  if (++head->begin == head->end) {
    if (head == front.tail) {
      front.tail = nullptr;
    } else {
      front.tail->next = head->next;
    }
    release_block(head);
  }
  --size_;
  return entry;
}

inline const EventQueue::Entry* EventQueue::peek_second() const {
  if (small_) return small_size_ > 1 ? &small_entries_[small_size_ - 2] : nullptr;
  const Bucket& front = buckets_[0];
  if (front.empty()) return nullptr;
  const Block* head = front.head();
  if (head->begin + 1 < head->end) return &head->entries[head->begin + 1];
  if (head == front.tail) return nullptr;
  return &head->next->entries[head->next->begin];
}

inline void EventQueue::release_block(Block* block) {
  block->next = free_blocks_;
  free_blocks_ = block;
}

template <typename Dead>
std::size_t EventQueue::remove_if(Dead dead) {
  std::size_t removed = 0;
  if (small_) {
    uint32_t kept = 0;
    for (uint32_t i = 0; i < small_size_; ++i) {
      if (dead(small_entries_[i])) {
        ++removed;
      } else {
        small_entries_[kept++] = small_entries_[i];
      }
    }
    small_size_ = kept;
    size_ -= removed;
    return removed;
  }
  for (int i = 0; i < kBuckets; ++i) {
    const Bucket old = buckets_[i];
    if (old.empty()) continue;
    buckets_[i] = Bucket{};
    if (i != 0) unmark(i);
    // Survivors are pushed back into the (now empty) bucket in order; a block goes back to
    // the free list only after it has been read, so push never overwrites unread entries.
    for (Block* block = old.head();;) {
      for (uint32_t j = block->begin; j < block->end; ++j) {
        if (dead(block->entries[j])) {
          ++removed;
        } else {
          push(block->entries[j], i);
        }
      }
      Block* const next = block->next;
      const bool last = block == old.tail;
      release_block(block);
      if (last) break;
      block = next;
    }
  }
  size_ -= removed;
  return removed;
}

}  // namespace hsmsim::sim
