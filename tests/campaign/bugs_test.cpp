// Seeded bugs (model/bugs/bugs.h): one per invariant of SPEC §6, each with a scenario that
// passes as written and fails with the bug, and `--inject-bug` refusing unknown names.
#include "model/bugs/bugs.h"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <set>
#include <string>

#include "model/scenario/scenario.h"

namespace hsmsim::model {
namespace {

// Runs a shell command; its exit status and (with `out`) its stdout and stderr.
int shell(const std::string& command, std::string* out = nullptr) {
  FILE* p = popen((command + " 2>&1").c_str(), "r");
  if (!p) return -1;
  char buffer[4096];
  std::string text;
  while (std::size_t n = fread(buffer, 1, sizeof buffer, p))
    text.append(buffer, n);
  const int status = pclose(p);
  if (out) *out = text;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(SeededBugs, EveryInvariantOfSpecSixHasABug) {
  std::set<std::string> covered;
  for (const BugInfo& b : bug_catalog())
    covered.insert(std::string(b.invariant));
  for (const std::string& invariant : scenario::invariant_names()) {
    EXPECT_TRUE(covered.count(invariant)) << invariant << " has no seeded bug";
  }
  for (const std::string& invariant : covered) {
    const auto& names = scenario::invariant_names();
    EXPECT_NE(std::find(names.begin(), names.end(), invariant), names.end()) << invariant;
  }
}

TEST(SeededBugs, NamesAreShortSnakeCaseAndResolve) {
  for (const BugInfo& b : bug_catalog()) {
    EXPECT_LE(b.name.size(), 32u) << b.name;
    for (char c : b.name)
      EXPECT_TRUE(std::islower(static_cast<unsigned char>(c)) || c == '_');
    ASSERT_TRUE(bug_named(b.name).has_value()) << b.name;
    EXPECT_EQ(*bug_named(b.name), b.bug);
    EXPECT_FALSE(b.description.empty());
  }
  EXPECT_FALSE(bug_named("no_such_bug").has_value());
}

TEST(SeededBugs, EveryBugHasAScenarioThatCatchesIt) {
  for (const BugInfo& b : bug_catalog()) {
    const std::filesystem::path path = std::filesystem::path(HSMSIM_SOURCE_DIR) /
                                       "tests/scenarios/bugs" / (std::string(b.name) + ".yaml");
    EXPECT_TRUE(std::filesystem::exists(path)) << path;
  }
}

TEST(SeededBugs, ABugSetHoldsOnlyWhatWasAdded) {
  BugSet none;
  EXPECT_FALSE(none.any());
  BugSet one;
  one.add(Bug::connect_from_failed);
  EXPECT_TRUE(one.has(Bug::connect_from_failed));
  EXPECT_FALSE(one.has(Bug::create_key_with_one_hsm));
  EXPECT_EQ(one.names(), std::vector<std::string>{"connect_from_failed"});
}

TEST(SeededBugs, ClosestNameSuggestsTyposAndInvariantNames) {
  EXPECT_EQ(closest_bug_name("connect_from_faild"), "connect_from_failed");
  EXPECT_EQ(closest_bug_name("lineage_update"), "update_to_unrelated_cluster");
  EXPECT_EQ(closest_bug_name("zzzzzzzzzzzzzzzzzzzz"), "");
}

TEST(SeededBugs, UnknownBugNameExitsTwoWithDidYouMean) {
  const std::string scenario =
      std::string(HSMSIM_SOURCE_DIR) + "/tests/scenarios/bugs/connect_from_failed.yaml";
  std::string out;
  EXPECT_EQ(shell(std::string(HSMSIM_BINARY) + " run " + scenario +
                      " --quiet --inject-bug connect_from_faild",
                  &out),
            2);
  EXPECT_NE(out.find("did you mean 'connect_from_failed'"), std::string::npos) << out;
  EXPECT_EQ(shell(std::string(HSMSIM_BINARY) + " fuzz --runs 1 --inject-bug nope", &out), 2);
  EXPECT_NE(out.find("unknown bug 'nope'"), std::string::npos) << out;
}

TEST(SeededBugs, ListBugsNamesEveryBugWithItsInvariant) {
  std::string out;
  ASSERT_EQ(shell(std::string(HSMSIM_BINARY) + " run --list-bugs", &out), 0);
  for (const BugInfo& b : bug_catalog()) {
    EXPECT_NE(out.find(std::string(b.name)), std::string::npos) << b.name;
    EXPECT_NE(out.find(std::string(b.invariant)), std::string::npos) << b.invariant;
  }
  std::string fuzz_out;
  ASSERT_EQ(shell(std::string(HSMSIM_BINARY) + " fuzz --list-bugs", &fuzz_out), 0);
  EXPECT_EQ(out, fuzz_out);
}

}  // namespace
}  // namespace hsmsim::model
