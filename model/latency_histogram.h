// Latency distributions of many requests in constant memory: a log-linear histogram over
// integer nanoseconds (HdrHistogram's layout). Values below 2^kSubBits are exact; above, each
// power-of-two range is split into 2^kSubBits buckets, so a percentile is within 1/128 (0.8 %)
// of the true value, and the exact minimum and maximum are kept beside the buckets.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>

namespace hsmsim::model {

class LatencyHistogram {
 public:
  void record(int64_t ns) {
    const uint64_t v = ns < 0 ? 0 : static_cast<uint64_t>(ns);
    ++counts_[bucket_of(v)];
    ++count_;
    sum_ += static_cast<double>(v);
    min_ = std::min(min_, v);
    max_ = std::max(max_, v);
  }

  uint64_t count() const { return count_; }
  double mean_ns() const { return count_ ? sum_ / static_cast<double>(count_) : 0; }
  uint64_t max_ns() const { return count_ ? max_ : 0; }
  uint64_t min_ns() const { return count_ ? min_ : 0; }

  // The q-quantile (0 < q <= 1) by the nearest-rank rule: the smallest recorded value with at
  // least q of the count at or below it, reported as its bucket's midpoint (clamped to the
  // exact min and max, so a constant latency reads exactly).
  uint64_t quantile_ns(double q) const {
    if (count_ == 0) return 0;
    const auto rank = std::max<uint64_t>(1, static_cast<uint64_t>(std::ceil(q * count_)));
    uint64_t seen = 0;
    for (std::size_t b = 0; b < kBuckets; ++b) {
      seen += counts_[b];
      if (seen >= rank) {
        const uint64_t mid = lower_bound_of(b) + (width_of(b) - 1) / 2;
        return std::clamp(mid, min_, max_);
      }
    }
    return max_;
  }

  void merge(const LatencyHistogram& other) {
    for (std::size_t b = 0; b < kBuckets; ++b)
      counts_[b] += other.counts_[b];
    count_ += other.count_;
    sum_ += other.sum_;
    min_ = std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
  }

 private:
  static constexpr int kSubBits = 7;
  static constexpr uint64_t kSub = uint64_t{1} << kSubBits;
  // Exponents kSubBits..63 each get kSub/2 buckets above the exact range [0, kSub).
  static constexpr std::size_t kBuckets = kSub + (64 - kSubBits) * (kSub / 2);

  static std::size_t bucket_of(uint64_t v) {
    if (v < kSub) return static_cast<std::size_t>(v);
    const int e = 63 - std::countl_zero(v);  // v in [2^e, 2^(e+1)), e >= kSubBits
    const int shift = e - (kSubBits - 1);    // keeps kSubBits significant bits
    const uint64_t top = v >> shift;         // in [kSub/2, kSub)
    return kSub + static_cast<std::size_t>(e - kSubBits) * (kSub / 2) +
           static_cast<std::size_t>(top - kSub / 2);
  }
  static uint64_t lower_bound_of(std::size_t b) {
    if (b < kSub) return b;
    const std::size_t r = b - kSub;
    const int e = static_cast<int>(r / (kSub / 2)) + kSubBits;
    const uint64_t top = kSub / 2 + r % (kSub / 2);
    return top << (e - (kSubBits - 1));
  }
  static uint64_t width_of(std::size_t b) {
    if (b < kSub) return 1;
    const int e = static_cast<int>((b - kSub) / (kSub / 2)) + kSubBits;
    return uint64_t{1} << (e - (kSubBits - 1));
  }

  // The totals first: with whatever holds the histogram (an operation's counts), they share a
  // cache line, instead of sitting 29 KiB further on past the buckets.
  uint64_t count_ = 0;
  double sum_ = 0;
  uint64_t min_ = UINT64_MAX;
  uint64_t max_ = 0;
  std::array<uint64_t, kBuckets> counts_{};
};

}  // namespace hsmsim::model
