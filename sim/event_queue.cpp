#include "sim/event_queue.h"

#include <algorithm>
#include <cassert>
#include <limits>
#include <stdexcept>
#include <string>

namespace hsmsim::sim {

EventQueue::~EventQueue() {
  std::size_t freed = 0;
  const auto free_list = [&freed](Block* block) {
    while (block != nullptr) {
      Block* next = block->next;
      delete block;
      block = next;
      ++freed;
    }
  };
  for (Bucket& bucket : buckets_)
    free_list(bucket.head);
  free_list(free_blocks_);
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
  block->next = nullptr;
  block->begin = 0;
  block->end = 0;
  if (bucket.tail != nullptr) {
    bucket.tail->next = block;
  } else {
    bucket.head = block;
  }
  bucket.tail = block;
  return block;
}

int EventQueue::lowest_occupied() const {
  for (int word = 0; word < kOccupiedWords; ++word) {
    if (occupied_[word] != 0) return word * 64 + std::countr_zero(occupied_[word]);
  }
  assert(false && "lowest_occupied on an empty EventQueue");
  return -1;
}

// Bucket 0 is consumed: scatter the lowest non-empty bucket, re-keyed on its minimum.
void EventQueue::refill() {
  assert(size_ > 0 && "peek/remove_next on an empty EventQueue");
  assert(buckets_[0].head == nullptr);
  const int source_index = lowest_occupied();
  assert(source_index > 0);
  const Bucket source = buckets_[source_index];
  buckets_[source_index] = Bucket{};
  unmark(source_index);
  if (source_index < kDigitValues) {
    // A bucket of the lowest digit holds a single key: it becomes bucket 0 as it is.
    base_ = (base_ & ~uint64_t{kDigitValues - 1}) | static_cast<uint64_t>(source_index);
    buckets_[0] = source;
    return;
  }

  uint64_t minimum = std::numeric_limits<uint64_t>::max();
  for (const Block* block = source.head; block != nullptr; block = block->next) {
    for (uint32_t i = block->begin; i < block->end; ++i) {
      minimum = std::min(minimum, key_of(block->entries[i]));
    }
  }
  assert(minimum > base_);
  base_ = minimum;
  // The source's keys agree with the new base on every digit above the source's, so each
  // lands in a strictly lower bucket; those are empty, so order is kept. A block is released
  // only once read, so it can be reused as a target block at once.
  for (Block* block = source.head; block != nullptr;) {
    for (uint32_t i = block->begin; i < block->end; ++i) {
      push(block->entries[i], bucket_of(key_of(block->entries[i])));
    }
    Block* next = block->next;
    release_block(block);
    block = next;
  }
  assert(buckets_[0].head != nullptr);
}

// Makes `key`, below every queued key, the new base. Let p be the highest digit where key and
// base_ differ (base_'s digit d there is the larger). An entry in a bucket of a digit above
// p differs from key where it differs from base_: it stays. One at digit p has a digit above
// d, so above key's: it stays too. Every other entry (bucket 0, digits below p) agrees with
// base_ down to digit p, so relative to key it belongs in bucket (p, d), which is empty:
// their lists are spliced there. Equal keys share a bucket, so FIFO order is kept.
void EventQueue::lower_base(uint64_t key) {
  assert(key < base_);
  const int digit = (std::bit_width(key ^ base_) - 1) / kDigitBits;
  const auto base_value = static_cast<int>((base_ >> (digit * kDigitBits)) & (kDigitValues - 1));
  const int target_index = digit * kDigitValues + base_value;
  Bucket& target = buckets_[target_index];
  assert(target.head == nullptr);
  // Bucket 0, then every bucket of a lower digit (index 0 is bucket 0 even when digit == 0).
  const int moved_end = std::max(1, digit * kDigitValues);
  for (int i = 0; i < moved_end; ++i) {
    Bucket& moved = buckets_[i];
    if (moved.head == nullptr) continue;
    if (target.tail != nullptr) {
      target.tail->next = moved.head;
    } else {
      target.head = moved.head;
    }
    target.tail = moved.tail;
    moved = Bucket{};
    if (i != 0) unmark(i);
  }
  base_ = key;
  if (target.head != nullptr) mark(target_index);
}

std::size_t EventQueue::memory_bytes() const {
  return sizeof(*this) + blocks_allocated_ * sizeof(Block);
}

}  // namespace hsmsim::sim
