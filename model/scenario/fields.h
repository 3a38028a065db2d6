// Typed reading of Value nodes for the scenario loader (internal to model/scenario).
//
// Every reader takes the field's dotted path ("world.clusters[0].hsms") and raises
// InputError at the node's location naming that path and what was expected.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "model/scenario/scenario.h"
#include "model/scenario/value.h"
#include "sim/time.h"

namespace hsmsim::scenario::fields {

// The longest virtual time a scenario may name: Limits::kHorizonYears of 365.25 days.
inline constexpr sim::Duration kHorizon = sim::Duration::days(Limits::kHorizonYears * 36'525 / 100);

[[noreturn]] void fail(const SourceLoc& loc, const std::string& message);
// "field 'PATH': expected WHAT, got <describe>".
[[noreturn]] void fail_type(const Value& v, std::string_view path, std::string_view what);

std::string join(std::string_view parent, std::string_view key);  // "a.b"
std::string index(std::string_view parent, std::size_t i);        // "a[3]"

// "unknown key 'untill' (did you mean 'until'?)" / "(expected one of: a, b)".
std::string unknown_key_message(std::string_view key, const std::vector<std::string>& allowed);

// A mapping whose keys were all checked against an allowed set on construction.
class MapReader {
 public:
  MapReader(const Value& v, std::string path, const std::vector<std::string>& allowed);

  const Value* get(std::string_view key) const { return value_.find(key); }
  bool has(std::string_view key) const { return get(key) != nullptr; }
  // "missing field 'PATH.key'" at the mapping when absent.
  const Value& require(std::string_view key) const;
  std::string path(std::string_view key) const { return join(path_, key); }
  SourceLoc key_loc(std::string_view key) const;
  const std::string& path() const { return path_; }
  const Value& value() const { return value_; }

 private:
  const Value& value_;
  std::string path_;
};

const Value& mapping(const Value& v, std::string_view path);
// A sequence; a null value (`keys:` with nothing after it) reads as empty.
const std::vector<Value>& sequence(const Value& v, std::string_view path);
// Same, with an upper bound on the item count named in the message.
const std::vector<Value>& sequence(const Value& v, std::string_view path, std::size_t max_items,
                                   std::string_view limit_name);

std::string string(const Value& v, std::string_view path);
// A simulator-local name (world objects, `as:` bindings): letter or '_', then letters,
// digits, '_' or '-', at most 64 characters, so `$name.Path` stays unambiguous.
std::string name(const Value& v, std::string_view path);
std::string one_of(const Value& v, std::string_view path, const std::vector<std::string>& allowed);
bool boolean(const Value& v, std::string_view path);
uint64_t integer(const Value& v, std::string_view path, uint64_t min, uint64_t max);
// A finite number in [min, max]; `min_open` excludes min itself ("a positive number").
double number(const Value& v, std::string_view path, double min, double max, bool min_open = false);
bool is_unlimited(const Value& v);

// Requests per second from "500/s", "30/m", "2/h" or a plain number (per second).
double rate_per_s(const Value& v, std::string_view path);

}  // namespace hsmsim::scenario::fields
