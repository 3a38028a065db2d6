// Generated programs (campaign/program.h): every rendered program loads, passes the model
// checks, and passes on the clean simulator — the reference model never predicts wrongly —
// with and without faults, whole or with commands dropped.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>

#include "campaign/program.h"
#include "model/bugs/bugs.h"
#include "model/runner/runner.h"
#include "model/scenario/scenario.h"

namespace hsmsim::campaign {
namespace {

// Runs a rendered program; "" when it passed, else what failed (step or invariant) and the
// scenario text.
std::string run_rendered(const std::string& yaml, model::BugSet bugs = {}) {
  scenario::Scenario s;
  try {
    s = scenario::load_scenario_text(yaml, "generated.yaml");
    model::check_scenario(s);
  } catch (const std::exception& e) {
    return std::string("bad scenario: ") + e.what() + "\n" + yaml;
  }
  model::RunSettings settings;
  settings.bugs = bugs;
  const model::RunOutcome outcome = model::run_scenario(s, settings);
  if (outcome.passed) return "";
  std::string why;
  for (const auto& step : outcome.summary["steps"]) {
    if (!step.value("passed", true)) {
      why = "step " + std::to_string(step.value("index", -1)) + " (" +
            step.value("name", std::string()) + "): " + step.value("message", std::string());
      break;
    }
  }
  for (const auto& v : outcome.summary["invariants"]["violations"]) {
    why += "\ninvariant: " + v.dump();
    break;
  }
  return why + "\n" + yaml;
}

void expect_seeds_pass(bool faults, uint64_t first, uint64_t count, bool every_step) {
  for (uint64_t seed = first; seed < first + count; ++seed) {
    const Program p = generate(GenOptions{seed, faults, 40});
    RenderOptions r;
    r.seed = seed;
    r.check_every_step = every_step;
    const std::string failure = run_rendered(to_scenario_yaml(p, r));
    ASSERT_EQ(failure, "") << "seed " << seed << (faults ? " with faults" : "");
  }
}

TEST(CampaignPrograms, ThreeHundredSeedsLoadAndPassOnTheCleanModel) {
  expect_seeds_pass(false, 1, 300, false);
}

TEST(CampaignPrograms, ThreeHundredSeedsWithFaultsLoadAndPassOnTheCleanModel) {
  expect_seeds_pass(true, 1, 300, false);
}

TEST(CampaignPrograms, ChecksAfterEveryStepPassOnTheCleanModel) {
  expect_seeds_pass(true, 1000, 100, true);
  expect_seeds_pass(false, 2000, 100, true);
}

TEST(CampaignPrograms, GenerationAndRenderingAreDeterministicInTheSeed) {
  for (uint64_t seed : {1u, 7u, 99u}) {
    const RenderOptions r;
    EXPECT_EQ(to_scenario_yaml(generate(GenOptions{seed, true, 40}), r),
              to_scenario_yaml(generate(GenOptions{seed, true, 40}), r));
  }
  EXPECT_NE(to_scenario_yaml(generate(GenOptions{1, true, 40}), RenderOptions{}),
            to_scenario_yaml(generate(GenOptions{2, true, 40}), RenderOptions{}));
}

TEST(CampaignPrograms, ProgramsRespectMaxSteps) {
  for (uint64_t seed = 1; seed < 50; ++seed) {
    const Program p = generate(GenOptions{seed, true, 12});
    EXPECT_GE(p.size(), 1u);
    EXPECT_LE(p.size(), 12u);
  }
}

// Shrinking drops commands: what remains still renders, loads and passes, with dangling
// references answered as objects that do not exist.
TEST(CampaignPrograms, ProgramsWithCommandsDroppedStillLoadAndPass) {
  for (uint64_t seed = 1; seed < 80; ++seed) {
    const Program p = generate(GenOptions{seed, seed % 2 == 0, 40});
    for (std::size_t begin = 0; begin < p.size(); begin += 3) {
      const Program q = without(p, begin, begin + 1 + seed % 4);
      ASSERT_LE(q.size(), p.size());
      const std::string failure = run_rendered(to_scenario_yaml(q, RenderOptions{}));
      ASSERT_EQ(failure, "") << "seed " << seed << " without [" << begin << ", +" << 1 + seed % 4
                             << ")";
    }
  }
}

TEST(CampaignPrograms, TheReferenceModelAnswersMostCalls) {
  std::size_t calls = 0, expectations = 0;
  for (uint64_t seed = 1; seed <= 100; ++seed) {
    RenderStats stats;
    to_scenario_yaml(generate(GenOptions{seed, false, 40}), RenderOptions{}, stats);
    calls += stats.calls;
    expectations += stats.expectations;
  }
  ASSERT_GT(calls, 0u);
  EXPECT_GT(static_cast<double>(expectations) / static_cast<double>(calls), 0.7)
      << expectations << " of " << calls;
}

// The scenarios the seeded bugs need are reachable: a world with a connected store on a
// one-HSM cluster, a wrong password, an unrelated cluster.
TEST(CampaignPrograms, WorldsVary) {
  std::set<std::string> layouts;
  for (uint64_t seed = 1; seed <= 60; ++seed) {
    const Program p = generate(GenOptions{seed, false, 5});
    std::string layout;
    for (const auto& c : p.world.clusters)
      layout += c.name + ":" + std::to_string(c.hsm_azs.size()) + " ";
    for (const auto& s : p.world.stores)
      layout += s.name + (s.connected ? "+ " : "- ");
    layouts.insert(layout);
  }
  EXPECT_GT(layouts.size(), 10u);
}

// The expectations discriminate: with any seeded bug switched on (model/bugs), some of the
// first few hundred programs fail, while all of them pass on the clean model.
TEST(CampaignPrograms, EverySeededBugMakesSomeProgramFail) {
  for (const model::BugInfo& info : model::bug_catalog()) {
    model::BugSet bugs;
    bugs.add(info.bug);
    uint64_t found = 0;
    for (uint64_t seed = 1; seed <= 400 && !found; ++seed) {
      RenderOptions r;
      r.seed = seed;
      r.check_every_step = seed % 2 == 0;
      if (!run_rendered(to_scenario_yaml(generate(GenOptions{seed, true, 40}), r), bugs).empty()) {
        found = seed;
      }
    }
    EXPECT_NE(found, 0u) << info.name << " was never caught";
  }
}

// A soak run for development: HSMSIM_SOAK_SEEDS=N seeds of each kind, reporting every
// failing seed rather than stopping at the first.
TEST(CampaignPrograms, DISABLED_Soak) {
  const char* n = std::getenv("HSMSIM_SOAK_SEEDS");
  const uint64_t count = n ? std::stoull(n) : 1000;
  const uint64_t first =
      std::getenv("HSMSIM_SOAK_FIRST") ? std::stoull(std::getenv("HSMSIM_SOAK_FIRST")) : 1;
  std::size_t failures = 0;
  for (uint64_t seed = first; seed < first + count; ++seed) {
    for (int mode = 0; mode < 4; ++mode) {
      const Program p = generate(GenOptions{seed, (mode & 1) != 0, 40});
      RenderOptions r;
      r.seed = seed;
      r.check_every_step = (mode & 2) != 0;
      const std::string failure = run_rendered(to_scenario_yaml(p, r));
      if (!failure.empty()) {
        ++failures;
        ADD_FAILURE() << "seed " << seed << " mode " << mode << ": "
                      << failure.substr(0, failure.find('\n'));
      }
    }
  }
  EXPECT_EQ(failures, 0u);
}

// A debugging aid: HSMSIM_DUMP_SEED=N (and HSMSIM_DUMP_FAULTS=1) prints that program.
TEST(CampaignPrograms, DISABLED_Dump) {
  const char* seed = std::getenv("HSMSIM_DUMP_SEED");
  if (!seed) return;
  RenderOptions r;
  r.seed = std::stoull(seed);
  r.check_every_step = std::getenv("HSMSIM_DUMP_EVERY_STEP") != nullptr;
  std::cout << to_scenario_yaml(
      generate(GenOptions{r.seed, std::getenv("HSMSIM_DUMP_FAULTS") != nullptr, 40}), r);
}

}  // namespace
}  // namespace hsmsim::campaign
