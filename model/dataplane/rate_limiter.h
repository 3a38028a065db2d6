// A request quota as a token bucket, in the integer form of the generic cell rate algorithm
// (GCRA): `rate` requests per second sustained, bursts of up to `burst` requests at once.
// Integer nanoseconds only, so the same arrivals are admitted on every platform.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>

#include "sim/time.h"

namespace hsmsim::model {

class RateLimiter {
 public:
  // nullopt: unlimited. A rate allows a burst of one second's worth (at least one request).
  explicit RateLimiter(std::optional<double> rate_per_s = std::nullopt) {
    if (!rate_per_s) return;
    limited_ = true;
    interval_ns_ = std::max<int64_t>(1, std::llround(1e9 / *rate_per_s));
    const int64_t burst = std::max<int64_t>(1, std::llround(*rate_per_s));
    tolerance_ns_ = (burst - 1) * interval_ns_;
  }

  bool unlimited() const { return !limited_; }

  // Admits one request at `now` (and takes its token), or refuses it.
  bool admit(sim::Time now) {
    if (!limited_) return true;
    const int64_t t = now.ns();
    const int64_t tat = std::max(tat_ns_, t);
    if (tat - tolerance_ns_ > t) return false;
    tat_ns_ = tat + interval_ns_;
    return true;
  }
  // Gives back a token admitted at `now` that another limiter refused (both quotas count a
  // request only when both admit it).
  void refund() {
    if (limited_) tat_ns_ -= interval_ns_;
  }

 private:
  bool limited_ = false;
  int64_t interval_ns_ = 0;   // emission interval: 1/rate
  int64_t tolerance_ns_ = 0;  // (burst - 1) intervals
  int64_t tat_ns_ = 0;        // theoretical arrival time of the next request
};

}  // namespace hsmsim::model
