// The sections of a scenario file, each read by its own file (internal to model/scenario).
#pragma once

#include <string_view>
#include <vector>

#include "model/scenario/scenario.h"

namespace hsmsim::scenario::sections {

// world.cpp: clusters, key stores and keys, and the rules a world at t=0 must satisfy.
World read_world(const Value& v, const Quotas& quotas);

// steps.cpp
std::vector<Step> read_steps(const Value& v);

// faults.cpp: the `fault:` of a step, one kind with its parameters.
FaultStep read_fault(const Value& v, const std::string& path);

// workloads.cpp
std::vector<WorkloadSpec> read_workloads(const Value& v);

// matchers.cpp: values in `expect`, `wait` and `check`, where a mapping made of matcher keys
// ({length: N}, {min: x, max: y}, ...) is a matcher and any other mapping nests fields.
void check_values(const Value& v, std::string_view path);

}  // namespace hsmsim::scenario::sections
