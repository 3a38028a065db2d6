// `hsmsim validate FILE...`: load each scenario and report the first problem of each.
#include <iostream>

#include "cli/commands.h"
#include "model/runner/runner.h"
#include "model/scenario/scenario.h"

namespace hsmsim::cli {

int validate_command(const std::vector<std::string>& files) {
  bool any_failed = false;
  for (const std::string& file : files) {
    try {
      // Structure first (the loader), then what only the model can judge: action,
      // parameter and exception names, and `$name` references to earlier `as:` names.
      model::check_scenario(scenario::load_scenario_file(file));
      std::cout << file << ": ok\n";
    } catch (const scenario::InputError& e) {
      std::cerr << e.what() << "\n";
      any_failed = true;
    }
  }
  return any_failed ? kBadInput : kOk;
}

}  // namespace hsmsim::cli
