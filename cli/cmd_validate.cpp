// `hsmsim validate FILE...`: load each scenario and report the first problem of each.
#include <iostream>

#include "cli/commands.h"
#include "model/scenario/scenario.h"

namespace hsmsim::cli {

int validate_command(const std::vector<std::string>& files) {
  bool any_failed = false;
  for (const std::string& file : files) {
    try {
      const scenario::Scenario loaded = scenario::load_scenario_file(file);
      // Model-level check goes here: model::check_scenario(loaded) (action, parameter and
      // exception names, references to world objects and `as:` bindings).
      static_cast<void>(loaded);
      std::cout << file << ": ok\n";
    } catch (const scenario::InputError& e) {
      std::cerr << e.what() << "\n";
      any_failed = true;
    }
  }
  return any_failed ? kBadInput : kOk;
}

}  // namespace hsmsim::cli
