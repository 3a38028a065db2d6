// `hsmsim schema`: print the scenario JSON Schema (scenarios/scenario.schema.json, compiled in).
#include <iostream>

#include "cli/commands.h"
#include "model/scenario/scenario.h"

namespace hsmsim::cli {

int schema_command() {
  std::cout << scenario::scenario_json_schema();
  if (!scenario::scenario_json_schema().ends_with('\n')) std::cout << '\n';
  return kOk;
}

}  // namespace hsmsim::cli
