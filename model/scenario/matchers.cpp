// Matchers in `expect`, `wait` and `check`: their shape is checked here, their meaning is
// applied by the model.
#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "model/scenario/fields.h"
#include "model/scenario/scenario.h"
#include "model/scenario/sections.h"

namespace hsmsim::scenario {
namespace {

bool is_matcher_key(std::string_view key) {
  const auto& keys = matcher_keys();
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

void check_matcher(const Value& v, std::string_view path) {
  const bool min_max = v.entries.size() == 2 && v.find("min") && v.find("max");
  if (v.entries.size() != 1 && !min_max) {
    fields::fail(v.loc, fmt::format("field '{}': a matcher has one of length, min, max, one_of, "
                                    "present (only min and max combine)",
                                    path));
  }
  constexpr double kInf = std::numeric_limits<double>::infinity();
  for (const auto& [key, arg] : v.entries) {
    const std::string arg_path = fields::join(path, key);
    if (key == "length") fields::integer(arg, arg_path, 0, std::numeric_limits<uint64_t>::max());
    if (key == "min" || key == "max") fields::number(arg, arg_path, -kInf, kInf);
    if (key == "present") fields::boolean(arg, arg_path);
    if (key == "one_of") {
      if (!arg.is_sequence() || arg.items.empty()) {
        fields::fail_type(arg, arg_path, "a non-empty sequence of values");
      }
      for (std::size_t i = 0; i < arg.items.size(); ++i) {
        sections::check_values(arg.items[i], fields::index(arg_path, i));
      }
    }
  }
  if (min_max) {
    const double lo = fields::number(*v.find("min"), fields::join(path, "min"), -kInf, kInf);
    const double hi = fields::number(*v.find("max"), fields::join(path, "max"), -kInf, kInf);
    if (lo > hi) fields::fail(v.loc, fmt::format("field '{}': min is above max", path));
  }
}

}  // namespace

bool is_matcher(const Value& v) {
  if (!v.is_mapping() || v.entries.empty()) return false;
  return std::all_of(v.entries.begin(), v.entries.end(),
                     [](const auto& entry) { return is_matcher_key(entry.first); });
}

namespace sections {

void check_values(const Value& v, std::string_view path) {
  if (v.is_sequence()) {
    for (std::size_t i = 0; i < v.items.size(); ++i)
      check_values(v.items[i], fields::index(path, i));
    return;
  }
  if (!v.is_mapping()) return;
  if (is_matcher(v)) {
    check_matcher(v, path);
    return;
  }
  // A mapping that mixes matcher keys with field names is a mistake either way.
  for (std::size_t i = 0; i < v.entries.size(); ++i) {
    const auto& [key, value] = v.entries[i];
    if (is_matcher_key(key)) {
      fields::fail(v.key_locs[i], fmt::format("field '{}': matcher key '{}' mixed with field "
                                              "names; a matcher stands alone",
                                              path, key));
    }
    check_values(value, fields::join(path, key));
  }
}

}  // namespace sections
}  // namespace hsmsim::scenario
