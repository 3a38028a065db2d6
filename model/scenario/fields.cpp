// Typed readers over Value nodes; every failure names the field and where it is.
#include "model/scenario/fields.h"

#include <fmt/format.h>

#include <algorithm>
#include <cassert>
#include <charconv>
#include <cmath>
#include <limits>

#include "model/scenario/scenario.h"

namespace hsmsim::scenario::fields {
namespace {

constexpr std::size_t kNameChars = 64;

bool is_plain(const Value& v) {
  return v.is_scalar() && !v.quoted;
}

std::string joined(const std::vector<std::string>& words) {
  std::string out;
  for (const std::string& w : words)
    out += (out.empty() ? "" : ", ") + w;
  return out;
}

std::string integer_expectation(uint64_t min, uint64_t max) {
  if (max == std::numeric_limits<uint64_t>::max()) {
    return min == 0 ? "a non-negative integer" : fmt::format("an integer of at least {}", min);
  }
  return fmt::format("an integer from {} to {}", min, max);
}

std::string number_expectation(double min, double max, bool min_open) {
  const bool unbounded = std::isinf(max);
  if (min == 0 && unbounded) return min_open ? "a positive number" : "a non-negative number";
  if (unbounded) return fmt::format("a number {} {}", min_open ? "above" : "of at least", min);
  if (min_open) return fmt::format("a number above {} and at most {}", min, max);
  return fmt::format("a number from {} to {}", min, max);
}

std::optional<double> to_double(std::string_view text) {
  double out = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, out);
  if (ec != std::errc() || ptr != end || !std::isfinite(out)) return std::nullopt;
  return out;
}

bool name_char(char c, bool first) {
  const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  if (first) return letter;
  return letter || (c >= '0' && c <= '9') || c == '-';
}

}  // namespace

void fail(const SourceLoc& loc, const std::string& message) {
  throw InputError(loc, message);
}

void fail_type(const Value& v, std::string_view path, std::string_view what) {
  fail(v.loc, fmt::format("field '{}': expected {}, got {}", path, what, v.describe()));
}

std::string join(std::string_view parent, std::string_view key) {
  if (parent.empty()) return std::string(key);
  return fmt::format("{}.{}", parent, key);
}

std::string index(std::string_view parent, std::size_t i) {
  return fmt::format("{}[{}]", parent, i);
}

std::string unknown_key_message(std::string_view key, const std::vector<std::string>& allowed) {
  const std::string suggestion = closest_match(key, allowed);
  if (!suggestion.empty()) {
    return fmt::format("unknown key '{}' (did you mean '{}'?)", key, suggestion);
  }
  return fmt::format("unknown key '{}' (expected one of: {})", key, joined(allowed));
}

MapReader::MapReader(const Value& v, std::string path, const std::vector<std::string>& allowed)
    : value_(mapping(v, path)), path_(std::move(path)) {
  assert(value_.entries.size() == value_.key_locs.size());
  for (std::size_t i = 0; i < value_.entries.size(); ++i) {
    const std::string& key = value_.entries[i].first;
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      fail(value_.key_locs[i], unknown_key_message(key, allowed));
    }
  }
}

const Value& MapReader::require(std::string_view key) const {
  const Value* v = get(key);
  if (v == nullptr) fail(value_.loc, fmt::format("missing required field '{}'", path(key)));
  return *v;
}

SourceLoc MapReader::key_loc(std::string_view key) const {
  for (std::size_t i = 0; i < value_.entries.size(); ++i) {
    if (value_.entries[i].first == key) return value_.key_locs[i];
  }
  return value_.loc;
}

const Value& mapping(const Value& v, std::string_view path) {
  if (!v.is_mapping()) fail_type(v, path, "a mapping");
  return v;
}

const std::vector<Value>& sequence(const Value& v, std::string_view path) {
  static const std::vector<Value> kEmpty;
  if (v.is_null()) return kEmpty;
  if (!v.is_sequence()) fail_type(v, path, "a sequence");
  return v.items;
}

const std::vector<Value>& sequence(const Value& v, std::string_view path, std::size_t max_items,
                                   std::string_view limit_name) {
  const std::vector<Value>& items = sequence(v, path);
  if (items.size() > max_items) {
    fail(v.loc, fmt::format("field '{}': {} exceeds the limit of {} ({} given)", path, limit_name,
                            max_items, items.size()));
  }
  return items;
}

std::string string(const Value& v, std::string_view path) {
  if (!v.is_scalar()) fail_type(v, path, "a string");
  return v.scalar;
}

std::string name(const Value& v, std::string_view path) {
  std::string text = string(v, path);
  bool ok = !text.empty() && text.size() <= kNameChars;
  for (std::size_t i = 0; ok && i < text.size(); ++i)
    ok = name_char(text[i], i == 0);
  if (!ok) {
    fail_type(v, path,
              "a name (a letter or '_', then letters, digits, '_' or '-'; at most 64 characters)");
  }
  return text;
}

std::string one_of(const Value& v, std::string_view path, const std::vector<std::string>& allowed) {
  if (!v.is_scalar()) fail_type(v, path, "one of " + joined(allowed));
  if (std::find(allowed.begin(), allowed.end(), v.scalar) != allowed.end()) return v.scalar;
  const std::string suggestion = closest_match(v.scalar, allowed);
  std::string message =
      fmt::format("field '{}': expected one of {}, got '{}'", path, joined(allowed), v.scalar);
  if (!suggestion.empty()) message += fmt::format(" (did you mean '{}'?)", suggestion);
  fail(v.loc, message);
}

bool boolean(const Value& v, std::string_view path) {
  if (is_plain(v)) {
    const std::string& s = v.scalar;
    if (s == "true" || s == "True" || s == "TRUE") return true;
    if (s == "false" || s == "False" || s == "FALSE") return false;
  }
  fail_type(v, path, "true or false");
}

uint64_t integer(const Value& v, std::string_view path, uint64_t min, uint64_t max) {
  assert(min <= max);
  const std::string what = integer_expectation(min, max);
  if (!is_plain(v) || v.scalar.empty()) fail_type(v, path, what);
  const std::string& s = v.scalar;
  if (!std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    fail_type(v, path, what);
  }
  uint64_t out = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (ec != std::errc() || ptr != s.data() + s.size() || out < min || out > max) {
    fail(v.loc, fmt::format("field '{}': expected {}, got {}", path, what, s));
  }
  return out;
}

double number(const Value& v, std::string_view path, double min, double max, bool min_open) {
  const std::string what = number_expectation(min, max, min_open);
  if (!is_plain(v)) fail_type(v, path, what);
  const std::optional<double> x = to_double(v.scalar);
  if (!x) fail_type(v, path, what);
  if (*x < min || *x > max || (min_open && *x == min)) {
    fail(v.loc, fmt::format("field '{}': expected {}, got {}", path, what, v.scalar));
  }
  return *x;
}

bool is_unlimited(const Value& v) {
  return is_plain(v) && v.scalar == "unlimited";
}

double rate_per_s(const Value& v, std::string_view path) {
  constexpr std::string_view kWhat = "a rate like 500/s, 30/m, 2/h or a number per second";
  if (!v.is_scalar()) fail_type(v, path, kWhat);
  const std::string_view text = v.scalar;
  const std::size_t slash = text.find('/');
  const std::optional<double> count = to_double(text.substr(0, slash));
  double per_s = 0;
  if (count && slash == std::string_view::npos && !v.quoted) {
    per_s = *count;
  } else if (count && slash != std::string_view::npos) {
    const std::string_view unit = text.substr(slash + 1);
    if (unit == "s") per_s = *count;
    if (unit == "m") per_s = *count / 60;
    if (unit == "h") per_s = *count / 3600;
    if (unit != "s" && unit != "m" && unit != "h") fail_type(v, path, kWhat);
  } else {
    fail_type(v, path, kWhat);
  }
  if (!(per_s > 0)) fail(v.loc, fmt::format("field '{}': a rate must be positive", path));
  if (per_s > Limits::kRatePerS) {
    fail(v.loc, fmt::format("field '{}': rate {} exceeds the limit of 10000000/s", path, v.scalar));
  }
  return per_s;
}

}  // namespace hsmsim::scenario::fields
