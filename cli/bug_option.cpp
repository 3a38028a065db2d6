// --inject-bug and --list-bugs, shared by `run` and `fuzz`.
#include <fmt/format.h>

#include <iostream>

#include "cli/commands.h"
#include "model/bugs/bugs.h"

namespace hsmsim::cli {

void print_bug_list(std::ostream& out) {
  out << fmt::format("{:<31} {:<25} {}\n", "bug", "invariant", "what it switches off");
  for (const model::BugInfo& b : model::bug_catalog()) {
    out << fmt::format("{:<31} {:<25} {}\n", b.name, b.invariant, b.description);
  }
  out << "A testing aid: `hsmsim run|fuzz --inject-bug NAME` runs the model with that bug.\n";
}

bool valid_bug_name(const std::string& name) {
  if (model::bug_named(name)) return true;
  std::cerr << "hsmsim: --inject-bug: unknown bug '" << name << "'";
  const std::string suggestion = model::closest_bug_name(name);
  if (!suggestion.empty()) std::cerr << "; did you mean '" << suggestion << "'?";
  std::cerr << " (hsmsim run --list-bugs lists them)\n";
  return false;
}

}  // namespace hsmsim::cli
