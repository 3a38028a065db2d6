#include "sim/time.h"

#include <array>
#include <cassert>

namespace hsmsim::sim {
namespace {

struct Unit {
  std::string_view name;
  int64_t ns;
};

// Largest first: format_duration walks this list and takes the first unit that fits exactly.
constexpr std::array<Unit, 7> kUnits{{{"d", 86'400'000'000'000},
                                      {"h", 3'600'000'000'000},
                                      {"m", 60'000'000'000},
                                      {"s", 1'000'000'000},
                                      {"ms", 1'000'000},
                                      {"us", 1'000},
                                      {"ns", 1}}};

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int kMaxFractionDigits = 9;

std::optional<int64_t> unit_ns(std::string_view name) {
  for (const Unit& u : kUnits) {
    if (u.name == name) return u.ns;
  }
  return std::nullopt;
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

}  // namespace

std::optional<Duration> parse_duration(std::string_view text) {
  size_t i = 0;
  int64_t whole = 0;
  size_t whole_digits = 0;
  for (; i < text.size() && is_digit(text[i]); ++i, ++whole_digits) {
    const int digit = text[i] - '0';
    if (whole > (kMax - digit) / 10) return std::nullopt;
    whole = whole * 10 + digit;
  }
  // Fraction as numerator / 10^digits, kept exact.
  int64_t frac = 0;
  int64_t frac_scale = 1;
  size_t frac_digits = 0;
  if (i < text.size() && text[i] == '.') {
    ++i;
    for (; i < text.size() && is_digit(text[i]); ++i, ++frac_digits) {
      if (frac_digits == kMaxFractionDigits) return std::nullopt;
      frac = frac * 10 + (text[i] - '0');
      frac_scale *= 10;
    }
    if (frac_digits == 0) return std::nullopt;
  }
  if (whole_digits == 0) return std::nullopt;
  const std::string_view unit = text.substr(i);
  if (unit.empty()) {
    if (whole == 0 && frac == 0 && frac_digits == 0) return Duration::zero();
    return std::nullopt;
  }
  const std::optional<int64_t> scale = unit_ns(unit);
  if (!scale) return std::nullopt;
  if (whole > kMax / *scale) return std::nullopt;
  const int64_t whole_ns = whole * *scale;
  // frac * scale / frac_scale must be a whole number of nanoseconds. frac < 10^9 and
  // scale <= 8.64e13, so the product may overflow int64; use 128-bit arithmetic.
  const __int128 frac_product = static_cast<__int128>(frac) * *scale;
  if (frac_product % frac_scale != 0) return std::nullopt;
  const auto frac_ns = static_cast<int64_t>(frac_product / frac_scale);
  if (whole_ns > kMax - frac_ns) return std::nullopt;
  return Duration::nanoseconds(whole_ns + frac_ns);
}

std::string format_duration(Duration d) {
  int64_t ns = d.ns();
  std::string sign;
  if (ns < 0) {
    assert(ns != std::numeric_limits<int64_t>::min());
    sign = "-";
    ns = -ns;
  }
  if (ns == 0) return "0s";
  for (const Unit& u : kUnits) {
    if (ns < u.ns) continue;
    const int64_t whole = ns / u.ns;
    const int64_t rest = ns % u.ns;
    if (rest == 0) return sign + std::to_string(whole) + std::string(u.name);
    // Find the fewest decimals (<= 9) that represent rest / u.ns exactly.
    __int128 numerator = rest;
    std::string digits;
    for (int k = 0; k < kMaxFractionDigits && numerator != 0; ++k) {
      numerator *= 10;
      digits.push_back(static_cast<char>('0' + static_cast<int>(numerator / u.ns)));
      numerator %= u.ns;
    }
    if (numerator == 0) return sign + std::to_string(whole) + "." + digits + std::string(u.name);
  }
  return sign + std::to_string(ns) + "ns";  // unreachable: "ns" always fits exactly
}

}  // namespace hsmsim::sim
