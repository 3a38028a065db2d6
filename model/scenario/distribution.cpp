// Durations and the distribution forms of SPEC §3 as they appear in a scenario.
#include <fmt/format.h>

#include <stdexcept>

#include "model/scenario/fields.h"
#include "model/scenario/scenario.h"

namespace hsmsim::scenario {
namespace {

constexpr std::string_view kDurationWhat = "a duration like 250ms, 1.5s, 20m, 2h or 7d";

const std::vector<std::string>& forms() {
  static const std::vector<std::string> names = {"constant",  "uniform", "exponential",
                                                 "lognormal", "normal",  "empirical"};
  return names;
}

sim::Distribution empirical(const Value& v, const std::string& path) {
  std::vector<std::pair<double, sim::Duration>> points;
  const auto& items = fields::sequence(v, path);
  for (std::size_t i = 0; i < items.size(); ++i) {
    const std::string item_path = fields::index(path, i);
    if (!items[i].is_sequence() || items[i].items.size() != 2) {
      fields::fail_type(items[i], item_path, "a pair [p, duration]");
    }
    const double p = fields::number(items[i].items[0], fields::index(item_path, 0), 0, 1);
    points.emplace_back(p, parse_duration_value(items[i].items[1], fields::index(item_path, 1)));
  }
  return sim::Distribution::empirical(std::move(points));
}

sim::Distribution form(const std::string& kind, const Value& v, const std::string& path) {
  if (kind == "constant") return sim::Distribution::constant(parse_duration_value(v, path));
  if (kind == "uniform") {
    if (!v.is_sequence() || v.items.size() != 2) fields::fail_type(v, path, "a pair [low, high]");
    return sim::Distribution::uniform(parse_duration_value(v.items[0], fields::index(path, 0)),
                                      parse_duration_value(v.items[1], fields::index(path, 1)));
  }
  if (kind == "exponential") {
    const fields::MapReader m(v, path, {"mean"});
    return sim::Distribution::exponential(parse_duration_value(m.require("mean"), m.path("mean")));
  }
  if (kind == "lognormal") {
    const fields::MapReader m(v, path, {"median", "p99"});
    return sim::Distribution::lognormal(parse_duration_value(m.require("median"), m.path("median")),
                                        parse_duration_value(m.require("p99"), m.path("p99")));
  }
  if (kind == "normal") {
    const fields::MapReader m(v, path, {"mean", "stddev"});
    return sim::Distribution::normal(parse_duration_value(m.require("mean"), m.path("mean")),
                                     parse_duration_value(m.require("stddev"), m.path("stddev")));
  }
  return empirical(v, path);
}

}  // namespace

sim::Duration parse_duration_value(const Value& v, std::string_view field) {
  if (!v.is_scalar()) fields::fail_type(v, field, kDurationWhat);
  const std::optional<sim::Duration> d = sim::parse_duration(v.scalar);
  if (!d) fields::fail_type(v, field, kDurationWhat);
  return *d;
}

sim::Distribution parse_distribution_value(const Value& v, std::string_view field) {
  if (v.is_scalar()) return sim::Distribution::constant(parse_duration_value(v, field));
  if (!v.is_mapping()) {
    fields::fail_type(v, field, "a duration or a distribution such as {exponential: {mean: 2ms}}");
  }
  const fields::MapReader m(v, std::string(field), forms());
  if (v.entries.size() != 1) {
    fields::fail(v.loc, fmt::format("field '{}': a distribution has exactly one of constant, "
                                    "uniform, exponential, lognormal, normal, empirical",
                                    field));
  }
  const auto& [kind, params] = v.entries.front();
  try {
    return form(kind, params, m.path(kind));
  } catch (const std::invalid_argument& e) {
    // The factories know the rules of each form (p99 above the median, ...).
    fields::fail(params.loc, fmt::format("field '{}': {}", field, e.what()));
  }
}

}  // namespace hsmsim::scenario
