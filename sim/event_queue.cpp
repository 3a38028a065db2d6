#include "sim/event_queue.h"

#include <algorithm>
#include <cassert>
#include <limits>
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

void EventQueue::fail_negative_time(const Entry& entry) {
  // Keys are the time's bits read as unsigned; a negative time would sort after every other.
  throw std::logic_error("EventQueue: negative event time " + std::to_string(entry.time.ns()));
}

EventQueue::Block* EventQueue::append_block(Bucket& bucket) {
  Block* block = free_blocks_;
  if (block != nullptr) {
    free_blocks_ = block->next;
  } else {
    block = new Block;  // only while the queue grows past its largest size so far
    ++blocks_allocated_;
  }
  block->begin = 0;
  block->end = 0;
  if (bucket.empty()) {
    block->next = block;
  } else {
    block->next = bucket.head();
    bucket.tail->next = block;
  }
  bucket.tail = block;
  return block;
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

// Bucket 0 is consumed: move the lowest non-empty bucket down until bucket 0 fills. Two
// cases need no redistribution and are most refills, so they are handled here, without a
// call and, for the first, without touching the bucket's blocks:
// - a bucket (0, v) of the lowest digit holds a single key (base_'s upper digits, then v),
//   so it becomes bucket 0 as it is, that key the new base;
// - a bucket holding one entry (the usual case when few events are pending and their times
//   are spread) becomes bucket 0 as it is, its key the new base. The key agrees with base_
//   above the bucket's digit p and has the bucket's value v at p, and every other queued key
//   is in a higher bucket, so it differs from the new base where it differed from base_: the
//   other entries keep their places. Without this the entry would step down one digit per
//   refill, a push each time.
// Measured against doing both in descend(): 106 instructions less per request of the e2e
// bench scenario (callgrind), 697 -> 679 ns (scripts/perf-compare.sh); the hold model of
// `hsmsim bench scheduler` the same within its +-3 % noise. Checking for a lone entry before
// the first case cost the hold model 3 % (loads into the block that case does not need).
void EventQueue::refill() {
  assert(size_ > 0 && "peek/remove_next on an empty EventQueue");
  assert(buckets_[0].empty());
  do {
    const int source_index = lowest_occupied();
    Bucket& source = buckets_[source_index];
    if (source_index < kDigitValues) {
      base_ = floor_of(source_index);
      assert(minimum_key(source) == base_);
    } else if (const Block* head = source.head();
               head == source.tail && head->begin + 1 == head->end) {
      base_ = key_of(head->entries[head->begin]);
    } else {
      descend(source_index);
      continue;
    }
    buckets_[0] = source;
    source = Bucket{};
    unmark(source_index);
    return;
  } while (buckets_[0].empty());
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
