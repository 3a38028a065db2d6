#include "sim/event_queue.h"

#include <algorithm>
#include <cassert>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>

namespace hsmsim::sim {

EventQueue::~EventQueue() {
  std::size_t freed = 0;
  const auto delete_chain = [&freed](Block* block) {
    while (block != nullptr) {
      Block* const next = block->next;
      delete block;
      block = next;
      ++freed;
    }
  };
  for (Bucket& bucket : buckets_) {
    if (bucket.empty()) continue;
    Block* const head = bucket.head();
    bucket.tail->next = nullptr;  // open the circle
    delete_chain(head);
  }
  delete_chain(free_blocks_);
  assert(freed == blocks_allocated_);
}

void EventQueue::fail_negative_time(Time time) {
  // Keys are the time's bits read as unsigned; a negative time would sort after every other.
  throw std::logic_error("EventQueue: negative event time " + std::to_string(time.ns()));
}

// A block from the free list (a new one only while the queue grows past its largest size so
// far), linked into `bucket` after `block`; null `block`: the bucket is empty.
EventQueue::Block* EventQueue::insert_block_after(Bucket& bucket, Block* block) {
  Block* fresh = free_blocks_;
  if (fresh != nullptr) {
    free_blocks_ = fresh->next;
  } else {
    fresh = new Block;
    ++blocks_allocated_;
  }
  fresh->begin = 0;
  fresh->end = 0;
  if (block == nullptr) {
    fresh->next = fresh;
  } else {
    fresh->next = block->next;
    block->next = fresh;
  }
  if (block == bucket.tail) bucket.tail = fresh;
  return fresh;
}

EventQueue::Block* EventQueue::append_block(Bucket& bucket) {
  return insert_block_after(bucket, bucket.tail);
}

// Appends `from`'s blocks to `to`, in order, and empties `from`. O(1) on circular lists.
void EventQueue::splice(Bucket& to, Bucket& from) {
  assert(!from.empty());
  if (!to.empty()) {
    Block* const to_head = to.head();
    to.tail->next = from.head();
    from.tail->next = to_head;
  }
  to.tail = from.tail;
  from = Bucket{};
}

// The array is full: its entries go to the buckets, in the order they are due (so equal
// times keep their order), and the queue works on buckets until it is down to kSmallReturn.
void EventQueue::leave_small() {
  assert(small_ && small_size_ == kSmallMax);
  small_ = false;
  for (uint32_t i = small_size_; i-- > 0;) {
    const Entry& e = small_entries_[i];
    radix_insert(e.time, e.slot, e.generation);
  }
  small_size_ = 0;
}

void EventQueue::return_to_small() {
  assert(!small_ && size_ <= kSmallReturn);
  const auto n = static_cast<uint32_t>(size_);
  for (uint32_t i = n; i-- > 0;)
    small_entries_[i] = radix_remove_next();  // counts itself out of size_
  small_size_ = n;
  size_ = n;
  small_ = true;
}

int EventQueue::lowest_occupied() const {
  for (int word = 0; word < kOccupiedWords; ++word) {
    if (occupied_[word] != 0) return word * 64 + std::countr_zero(occupied_[word]);
  }
  assert(false && "lowest_occupied on an empty EventQueue");
  return -1;
}

uint64_t EventQueue::minimum_key(const Bucket& bucket) {
  uint64_t minimum = std::numeric_limits<uint64_t>::max();
  for (const Block* block = bucket.head();; block = block->next) {
    for (uint32_t i = block->begin; i < block->end; ++i) {
      minimum = std::min(minimum, key_of(block->entries[i]));
    }
    if (block == bucket.tail) return minimum;
  }
}

// The run (bucket 0) is consumed: make the lowest non-empty bucket the next run. Four cases
// need no redistribution:
// - a bucket (0, v) of the lowest digit holds a single key (base_'s upper digits, then v),
//   so it becomes the run as it is, that key the new base;
// - a bucket holding one entry (the usual case when few events are pending and their times
//   are spread) becomes the run as it is, its key the new base. The key agrees with base_
//   above the bucket's digit p and has the bucket's value v at p, and every other queued key
//   is in a higher bucket, so it differs from the new base where it differed from base_: the
//   other entries keep their places. Without this the entry would step down one digit per
//   refill, a push each time.
// - a bucket (1, v) of a few blocks is sorted into the run (sort_into_run);
// - a bucket of a higher digit in a single block is sorted into the run (sort_block_into_run).
// Any other bucket is emptied into lower ones (descend) and the search starts again.
// The first two, against doing them in descend(): 106 instructions less per request of the
// e2e bench scenario (callgrind), 697 -> 679 ns (scripts/perf-compare.sh). Checking for a lone
// entry before the first case cost the hold model 3 % (loads into the block that case does
// not need).
void EventQueue::refill() {
  assert(size_ > 0 && "peek/remove_next on an empty EventQueue");
  assert(buckets_[0].empty());
  for (;;) {
    const int source_index = lowest_occupied();
    Bucket& source = buckets_[source_index];
    if (source_index < kDigitValues) {
      const uint64_t key = floor_of(source_index);
      assert(minimum_key(source) == key);
      make_run(source_index, key, key + 1);
      return;
    }
    if (const Block* head = source.head(); head == source.tail && head->begin + 1 == head->end) {
      const uint64_t key = key_of(head->entries[head->begin]);
      make_run(source_index, key, key + 1);
      return;
    }
    if (source_index < 2 * kDigitValues ? sort_into_run(source_index)
                                        : sort_block_into_run(source_index)) {
      return;
    }
    // The keys equal to descend's new base land in the run; with none, search again.
    descend(source_index);
    if (!buckets_[0].empty()) return;
  }
}

// Makes bucket (1, v), the lowest non-empty one, the run, if it holds at most kSortedRunMax
// entries (else false, nothing done). Its keys span the 16 values of the lowest digit, so one
// counting sort on that digit puts them in (time, insertion) order: it is stable, and equal
// keys are in insertion order within a bucket. Distributing them instead (descend) gives each
// key a bucket, a block and a refill of its own.
bool EventQueue::sort_into_run(int source_index) {
  assert(source_index >= kDigitValues && source_index < 2 * kDigitValues);
  Bucket& source = buckets_[source_index];
  uint32_t count = 0;
  std::array<uint32_t, kDigitValues + 1> starts{};  // first the count of digit d at [d + 1]
  const uint64_t floor = floor_of(source_index);
  for (const Block* block = source.head();; block = block->next) {
    count += block->end - block->begin;
    if (count > kSortedRunMax) return false;
    for (uint32_t i = block->begin; i < block->end; ++i) {
      ++starts[key_of(block->entries[i]) - floor + 1];
    }
    if (block == source.tail) break;
  }
  for (int d = 1; d <= kDigitValues; ++d)
    starts[d] += starts[d - 1];
  // The run's blocks, full but for the last: the sorted entry at position i goes to block
  // i / kBlockEntries. They are taken before the source's blocks are released.
  Bucket& run = buckets_[0];
  std::array<Block*, kSortedRunMax / kBlockEntries> run_blocks;
  for (uint32_t b = 0; b * kBlockEntries < count; ++b) {
    run_blocks[b] = append_block(run);
    run_blocks[b]->end = std::min<uint32_t>(kBlockEntries, count - b * kBlockEntries);
  }
  for (Block* block = source.head();;) {
    for (uint32_t i = block->begin; i < block->end; ++i) {
      const uint32_t at = starts[key_of(block->entries[i]) - floor]++;
      run_blocks[at / kBlockEntries]->entries[at % kBlockEntries] = block->entries[i];
    }
    Block* const next = block->next;
    const bool last = block == source.tail;
    release_block(block);
    if (last) break;
    block = next;
  }
  source = Bucket{};
  unmark(source_index);
  base_ = floor;
  limit_ = floor + kDigitValues;
  return true;
}

// A key below limit_ belongs in the run, after every queued key <= it. Usually it is due at
// the run's last time or later (an event scheduled for now): an append. A key below base_
// (the engine's clock is behind the queue's front after a peek) becomes the new base, the run
// moving up into a bucket with the lower ones (lower_base). A key between base_ and the run's
// last key is placed in the run if that takes a bounded scan and shift (place_in_run); if
// not, the run keeps only its keys equal to base_, the others leaving for their buckets
// (cut_run), and the key goes to its bucket too. A run is cut once at most (then limit_ is
// base_ + 1), and its entries leave for strictly lower buckets than the one they were sorted
// from, so an entry still moves O(digits) times.
void EventQueue::insert_below_limit(const Entry& entry) {
  const uint64_t key = key_of(entry);
  const Bucket& run = buckets_[0];
  if (key < base_) {
    lower_base(key);
    limit_ = key + 1;
  } else if (!run.empty() && key < key_of(run.tail->entries[run.tail->end - 1])) {
    if (place_in_run(entry)) return;
    cut_run();
    limit_ = base_ + 1;
    if (key != base_) {
      push(entry, bucket_of(key));
      return;
    }
  }
  push(entry, 0);
}

// The run's first entry with a key above `key`, which must exist (the run's last key is
// above it), if it lies within the run's first `max_blocks` blocks; else nullopt.
std::optional<EventQueue::RunPlace> EventQueue::first_above(uint64_t key, int max_blocks) const {
  RunPlace place{nullptr, buckets_[0].head(), 0};
  place.at = place.block->begin;
  int blocks = 1;
  while (key_of(place.block->entries[place.at]) <= key) {
    if (++place.at == place.block->end) {
      if (++blocks > max_blocks) return std::nullopt;
      place.before = place.block;
      place.block = place.block->next;
      place.at = place.block->begin;
    }
  }
  return place;
}

// Inserts `entry` (base_ <= its key < the run's last key) before the first larger key of the
// run, if that key is within the run's first kPlaceBlocksMax blocks and its block has room on
// either side; else false, nothing done.
bool EventQueue::place_in_run(const Entry& entry) {
  const std::optional<RunPlace> place = first_above(key_of(entry), kPlaceBlocksMax);
  if (!place) return false;
  Block* const block = place->block;
  uint32_t at = place->at;
  if (block->end < kBlockEntries) {
    std::copy_backward(block->entries + at, block->entries + block->end,
                       block->entries + block->end + 1);
    ++block->end;
  } else if (block->begin > 0) {
    std::copy(block->entries + block->begin, block->entries + at,
              block->entries + block->begin - 1);
    --block->begin;
    --at;
  } else {
    return false;
  }
  block->entries[at] = entry;
  return true;
}

// Sorts bucket (p, v) of a digit p >= 2, the lowest non-empty one, into the run if it is a
// single block (else false, nothing done): an insertion sort, stable, of at most
// kBlockEntries entries. The run then spans the bucket's 16^p keys.
bool EventQueue::sort_block_into_run(int source_index) {
  assert(source_index >= 2 * kDigitValues && source_index < kBuckets);
  Bucket& source = buckets_[source_index];
  Block* const block = source.head();
  if (block != source.tail) return false;
  Entry* const first = block->entries + block->begin;
  Entry* const last = block->entries + block->end;
  for (Entry* e = first + 1; e < last; ++e) {
    const Entry moving = *e;
    Entry* to = e;
    for (; to > first && key_of(to[-1]) > key_of(moving); --to)
      *to = to[-1];
    *to = moving;
  }
  const int shift = (source_index / kDigitValues) * kDigitBits;
  const uint64_t floor = floor_of(source_index);
  make_run(source_index, floor, floor + (uint64_t{1} << shift));
  return true;
}

// Bucket `source_index` (the lowest non-empty one, its entries in run order) becomes the run,
// keys [base, limit) of it: base and limit agree with base_ above the bucket's digit and
// have its value there, so every other queued key keeps its bucket and is >= limit.
void EventQueue::make_run(int source_index, uint64_t base, uint64_t limit) {
  assert(buckets_[0].empty());
  buckets_[0] = buckets_[source_index];
  buckets_[source_index] = Bucket{};
  unmark(source_index);
  base_ = base;
  limit_ = limit;
}

// Moves the run's entries with a key above base_ to their buckets; the run has one (its last
// key). Only a sorted run (sort_into_run, sort_block_into_run) has such keys, and they differ
// from base_ only in digits below the one of the bucket it was sorted from: their buckets are
// lower than that one.
void EventQueue::cut_run() {
  Bucket& run = buckets_[0];
  const auto [before, block, at] = *first_above(base_, std::numeric_limits<int>::max());
  // The entries from (block, at) to the run's end leave, in order (equal keys keep it).
  Block* const head = run.head();
  Block* const old_tail = run.tail;
  const bool keeps_part = at > block->begin;
  Block* const last_kept = keeps_part ? block : before;  // null: the whole run leaves
  for (Block* b = block;; b = b->next) {
    for (uint32_t i = b == block ? at : b->begin; i < b->end; ++i) {
      const uint64_t leaving = key_of(b->entries[i]);
      assert(leaving > base_);
      push(b->entries[i], bucket_of(leaving));
    }
    if (b == old_tail) break;
  }
  Block* first_freed = block;
  if (keeps_part) {
    block->end = at;
    first_freed = block == old_tail ? nullptr : block->next;
  }
  for (Block* b = first_freed; b != nullptr;) {
    Block* const next = b == old_tail ? nullptr : b->next;
    release_block(b);
    b = next;
  }
  if (last_kept == nullptr) {
    run = Bucket{};
  } else {
    last_kept->next = head;
    run.tail = last_kept;
  }
}

// Empties bucket (p, v), the lowest non-empty one, of a digit p >= 1 and with two entries or
// more (refill() takes the other cases). The new base is the smallest key that bucket can
// hold (base_'s digits above p, then v, then zeros), not its minimum: that saves a pass over
// the bucket, and since every key in it agrees with the new base above digit p, each still
// lands in a strictly lower bucket. Those are empty, so order is kept.
void EventQueue::descend(int source_index) {
  assert(source_index >= kDigitValues && source_index < kBuckets);
  const uint64_t floor = floor_of(source_index);
  assert(floor > base_);
  base_ = floor;
  limit_ = floor + 1;  // the keys equal to it go to the run
  const Bucket source = buckets_[source_index];
  buckets_[source_index] = Bucket{};
  unmark(source_index);
  // A block is released only once read, so it can be reused as a target block at once.
  for (Block* block = source.head();;) {
    for (uint32_t i = block->begin; i < block->end; ++i) {
      push(block->entries[i], bucket_of(key_of(block->entries[i])));
    }
    Block* const next = block->next;
    const bool last = block == source.tail;
    release_block(block);
    if (last) break;
    block = next;
  }
}

// Makes `key`, below every queued key, the new base. Let p be the highest digit where key and
// base_ differ (base_'s digit d there is the larger). An entry in a bucket of a digit above
// p differs from key where it differs from base_: it stays. One at digit p has a digit above
// d, so above key's: it stays too. Every other entry (bucket 0, digits below p) agrees with
// base_ down to digit p, so relative to key it belongs in bucket (p, d), which is empty:
// their lists are spliced there. Equal keys share a bucket, so FIFO order is kept.
void EventQueue::lower_base(uint64_t key) {
  assert(key < base_);
  const int digit = (static_cast<int>(std::bit_width(key ^ base_)) - 1) / kDigitBits;
  const auto base_value = static_cast<int>((base_ >> (digit * kDigitBits)) & (kDigitValues - 1));
  const int target_index = digit * kDigitValues + base_value;
  Bucket& target = buckets_[target_index];
  assert(target_index > 0 && target.empty());
  // Bucket 0, then every bucket of a lower digit (index 0 is bucket 0 even when digit == 0).
  const int moved_end = std::max(1, digit * kDigitValues);
  for (int i = 0; i < moved_end; ++i) {
    if (buckets_[i].empty()) continue;
    splice(target, buckets_[i]);
    if (i != 0) unmark(i);
  }
  base_ = key;
  if (!target.empty()) mark(target_index);
}

std::size_t EventQueue::memory_bytes() const {
  return sizeof(*this) + blocks_allocated_ * sizeof(Block);
}

}  // namespace hsmsim::sim
