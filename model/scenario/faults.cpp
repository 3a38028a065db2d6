// `fault:` steps: which fault, and the shape of its parameters (SPEC §5, Faults).
#include <fmt/format.h>

#include <limits>

#include "model/scenario/fields.h"
#include "model/scenario/scenario.h"
#include "model/scenario/sections.h"

namespace hsmsim::scenario::sections {
namespace {

constexpr double kMaxSlowdown = 1'000'000;

void require_all(const fields::MapReader& m, const std::vector<std::string>& keys) {
  for (const std::string& key : keys)
    m.require(key);
}

// Each parameter has one meaning whatever the fault, so its type is checked in one place.
void check_param(const fields::MapReader& m, const std::string& key, const Value& v) {
  const std::string path = m.path(key);
  if (key == "cluster" || key == "hsm" || key == "az") fields::string(v, path);
  if (key == "duration") parse_duration_value(v, path);
  if (key == "replace") fields::boolean(v, path);
  if (key == "factor") fields::number(v, path, 0, kMaxSlowdown, true);
  if (key == "probability") fields::number(v, path, 0, 1);
}

void check_hsm_failure(const fields::MapReader& m) {
  if (m.has("az") == m.has("hsm")) {
    fields::fail(m.value().loc,
                 fmt::format("field '{}': hsm_failure names exactly one of az, hsm", m.path()));
  }
  if (m.has("az")) m.require("cluster");
}

}  // namespace

FaultStep read_fault(const Value& v, const std::string& path) {
  const fields::MapReader outer(v, path, fault_kinds());
  if (v.entries.size() != 1) {
    fields::fail(v.loc, fmt::format("field '{}': a fault step names exactly one fault", path));
  }
  FaultStep fault;
  fault.kind = v.entries.front().first;
  fault.params = v.entries.front().second;
  const std::string params_path = outer.path(fault.kind);
  const std::string& kind = fault.kind;
  std::vector<std::string> allowed;
  std::vector<std::string> required;
  if (kind == "hsm_failure") {
    allowed = {"cluster", "az", "hsm", "replace"};
  } else if (kind == "az_outage") {
    allowed = required = {"az", "duration"};
  } else if (kind == "network_partition") {
    allowed = required = {"cluster", "duration"};
  } else if (kind == "subnet_deleted" || kind == "subnet_full") {
    allowed = required = {"cluster", "az"};
  } else if (kind == "hsm_slowdown") {
    allowed = required = {"cluster", "factor", "duration"};
  } else {
    allowed = required = {"probability", "duration"};
  }
  const fields::MapReader m(fault.params, params_path, allowed);
  require_all(m, required);
  if (kind == "hsm_failure") check_hsm_failure(m);
  for (const auto& [key, value] : fault.params.entries)
    check_param(m, key, value);
  return fault;
}

}  // namespace hsmsim::scenario::sections
