// Virtual time for the engine: integer nanoseconds, never floating point.
//
// `Duration` is a signed span of virtual time; `Time` is a point on the virtual clock, counted
// from the start of the run (t = 0). They are distinct types so a point cannot be passed where
// a span is meant. Text form: an integer or decimal number followed by one of the units
// ns, us, ms, s, m, h, d ("250ms", "1.5s", "20m", "2h", "7d").
#pragma once

#include <compare>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace hsmsim::sim {

class Duration {
 public:
  constexpr Duration() = default;
  static constexpr Duration nanoseconds(int64_t n) { return Duration(n); }
  static constexpr Duration microseconds(int64_t n) { return Duration(n * 1'000); }
  static constexpr Duration milliseconds(int64_t n) { return Duration(n * 1'000'000); }
  static constexpr Duration seconds(int64_t n) { return Duration(n * 1'000'000'000); }
  static constexpr Duration minutes(int64_t n) { return seconds(n * 60); }
  static constexpr Duration hours(int64_t n) { return seconds(n * 3'600); }
  static constexpr Duration days(int64_t n) { return seconds(n * 86'400); }
  static constexpr Duration zero() { return Duration(0); }
  static constexpr Duration max() { return Duration(std::numeric_limits<int64_t>::max()); }

  constexpr int64_t ns() const { return ns_; }
  // For statistics and printing only; never feed the result back into the clock.
  constexpr double seconds_f() const { return static_cast<double>(ns_) * 1e-9; }
  constexpr double milliseconds_f() const { return static_cast<double>(ns_) * 1e-6; }

  constexpr auto operator<=>(const Duration&) const = default;
  constexpr Duration operator+(Duration o) const { return Duration(ns_ + o.ns_); }
  constexpr Duration operator-(Duration o) const { return Duration(ns_ - o.ns_); }
  constexpr Duration operator*(int64_t k) const { return Duration(ns_ * k); }
  constexpr Duration operator/(int64_t k) const { return Duration(ns_ / k); }
  constexpr Duration& operator+=(Duration o) {
    ns_ += o.ns_;
    return *this;
  }

 private:
  constexpr explicit Duration(int64_t ns) : ns_(ns) {}
  int64_t ns_ = 0;
};

class Time {
 public:
  constexpr Time() = default;
  static constexpr Time from_ns(int64_t ns) { return Time(ns); }
  static constexpr Time zero() { return Time(0); }
  static constexpr Time max() { return Time(std::numeric_limits<int64_t>::max()); }

  constexpr int64_t ns() const { return ns_; }
  constexpr Duration since_start() const { return Duration::nanoseconds(ns_); }

  constexpr auto operator<=>(const Time&) const = default;
  constexpr Time operator+(Duration d) const { return Time(ns_ + d.ns()); }
  constexpr Time operator-(Duration d) const { return Time(ns_ - d.ns()); }
  constexpr Duration operator-(Time o) const { return Duration::nanoseconds(ns_ - o.ns_); }
  constexpr Time& operator+=(Duration d) {
    ns_ += d.ns();
    return *this;
  }

 private:
  constexpr explicit Time(int64_t ns) : ns_(ns) {}
  int64_t ns_ = 0;
};

// Parses "250ms", "1.5s", "20m", "2h", "7d", "10us", "5ns", "0". A bare "0" is the only
// number accepted without a unit. Fractions are exact (at most 9 decimals, and the result
// must be a whole number of nanoseconds). Returns nullopt on anything else, including
// negative values and overflow of the nanosecond count.
std::optional<Duration> parse_duration(std::string_view text);

// Shortest exact text in the largest unit that represents `d` exactly:
// 1.5s, 90s -> "1.5m", 1ns -> "1ns", 0 -> "0s". parse_duration(format_duration(d)) == d.
std::string format_duration(Duration d);

// For people, not for parsing back: "8d 0h 39m", "29m 20.233s", "1.000ms".
std::string format_duration_human(Duration d);

// A point in time printed as its distance from t = 0 ("2h").
inline std::string format_time(Time t) {
  return format_duration(t.since_start());
}

// A sampled duration in whole nanoseconds: rounded half away from zero (as std::round),
// within [0, int64 max]. A heavy tail (lognormal with a large sigma, times a slowdown) can
// exceed the clock's range; it saturates rather than overflowing. Inline, without the
// library's round(): it runs once or twice per data-plane request. Exact: ns - trunc(ns) is
// representable for every double.
inline int64_t saturating_ns(double ns) {
  if (ns >= 0.5 && ns < 0x1p62) {
    const auto whole = static_cast<int64_t>(ns);  // toward zero
    return whole + (ns - static_cast<double>(whole) >= 0.5 ? 1 : 0);
  }
  if (!(ns < 0x1p63)) return std::numeric_limits<int64_t>::max();  // also NaN
  return ns < 0.5 ? 0 : static_cast<int64_t>(ns);  // in [2^62, 2^63) doubles are whole
}

}  // namespace hsmsim::sim
