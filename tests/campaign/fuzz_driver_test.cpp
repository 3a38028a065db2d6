// The fuzz campaign driver (campaign/campaign.h): per-run seeds, the same findings for any
// number of jobs, and short campaigns that find seeded bugs and write findings that replay.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "campaign/campaign.h"

namespace hsmsim::campaign {
namespace {

namespace fs = std::filesystem;

int run_hsmsim(const std::string& args) {
  const int status =
      std::system((std::string(HSMSIM_BINARY) + " " + args + " >/dev/null 2>&1").c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

fs::path fresh_dir(const std::string& name) {
  const fs::path dir =
      fs::temp_directory_path() / ("hsmsim-fuzz-test-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

CampaignOptions with_bug(model::Bug bug, std::size_t runs, unsigned jobs) {
  CampaignOptions o;
  o.runs = runs;
  o.jobs = jobs;
  o.seed = 7;
  o.max_steps = 20;
  o.bugs.add(bug);
  return o;
}

TEST(FuzzDriver, RunSeedsDependOnCampaignSeedAndIndexOnly) {
  EXPECT_EQ(run_seed(1, 0), run_seed(1, 0));
  EXPECT_NE(run_seed(1, 0), run_seed(1, 1));
  EXPECT_NE(run_seed(1, 0), run_seed(2, 0));
  std::set<uint64_t> seen;
  for (std::size_t i = 0; i < 1000; ++i)
    seen.insert(run_seed(42, i));
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(FuzzDriver, JobsOneAndTwoReportTheSameFindingsAndCoverage) {
  const CampaignOptions one = with_bug(model::Bug::create_key_with_one_hsm, 24, 1);
  const CampaignOptions two = with_bug(model::Bug::create_key_with_one_hsm, 24, 2);
  const CampaignReport a = run_campaign(one);
  const CampaignReport b = run_campaign(two);
  EXPECT_EQ(a.runs, 24u);
  EXPECT_EQ(b.runs, 24u);
  EXPECT_EQ(a.failed_runs, b.failed_runs);
  ASSERT_EQ(a.findings.size(), b.findings.size());
  for (std::size_t i = 0; i < a.findings.size(); ++i) {
    EXPECT_EQ(a.findings[i].run, b.findings[i].run);
    EXPECT_EQ(a.findings[i].failure.kind, b.findings[i].failure.kind);
    EXPECT_EQ(a.findings[i].steps_after, b.findings[i].steps_after);
    EXPECT_EQ(a.findings[i].yaml, b.findings[i].yaml);
  }
  EXPECT_EQ(a.coverage.reached, b.coverage.reached);
}

TEST(FuzzDriver, ACleanCampaignFindsNothing) {
  CampaignOptions o;
  o.runs = 20;
  o.jobs = 2;
  o.faults = true;
  const CampaignReport r = run_campaign(o);
  EXPECT_EQ(r.runs, 20u);
  for (const Finding& f : r.findings)
    ADD_FAILURE() << f.failure.kind << ": " << f.failure.message;
  EXPECT_FALSE(r.coverage.reached.empty());
}

TEST(FuzzDriver, CoverageReportNamesWhatWasNeverReached) {
  Coverage c;
  for (const auto& [category, values] : documented_coverage(false)) {
    for (const std::string& v : values)
      c.reached[category][v] = 1;
  }
  EXPECT_TRUE(missing_coverage(c, false).empty());
  c.reached["connection_error_codes"].erase("USER_LOCKED_OUT");
  EXPECT_EQ(missing_coverage(c, false),
            std::vector<std::string>{"connection_error_codes: USER_LOCKED_OUT"});
  // With faults, every fault kind of the scenario format is documented too.
  EXPECT_EQ(missing_coverage(c, true).size(), 1 + documented_coverage(true)["fault_kinds"].size());
}

TEST(FuzzDriver, CtrlCKeepsTheFindingsWrittenAndExits130) {
  const fs::path dir = fresh_dir("interrupt");
  // A long campaign, interrupted once its first finding is on disk (findings are written as
  // they are found; waiting for the file, not a fixed time, keeps this right on slow builds
  // such as the sanitizer one), or after two minutes at most.
  const std::string command =
      "sh -c '\"$0\" fuzz --time 10m --jobs 2 --quiet --inject-bug "
      "create_key_with_one_hsm --out \"$1\" >/dev/null 2>\"$1\"/stderr & "
      "pid=$!; i=0; while [ $i -lt 600 ] && ! ls \"$1\"/finding-*.yaml >/dev/null 2>&1; "
      "do sleep 0.2; i=$((i+1)); done; kill -INT $pid; wait $pid; exit $?' " +
      std::string(HSMSIM_BINARY) + " " + dir.string();
  const int status = std::system(command.c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 130);
  std::size_t findings = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with("finding-")) {
      ++findings;
      EXPECT_TRUE(name.ends_with(".yaml")) << name;  // no temporary file left behind
    }
  }
  EXPECT_GE(findings, 1u);
  std::ifstream err(dir / "stderr");
  const std::string text((std::istreambuf_iterator<char>(err)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("interrupted"), std::string::npos) << text;
  EXPECT_NE(text.find("finding-"), std::string::npos) << text;
  fs::remove_all(dir);
}

// A short campaign finds the bug, shrinks it, and writes a finding that `hsmsim run` replays:
// exit 1 with --inject-bug, exit 0 without.
class FindsSeededBug : public testing::TestWithParam<model::Bug> {};

TEST_P(FindsSeededBug, AndWritesAReplayableShrunkFinding) {
  const model::BugInfo& info = model::bug_info(GetParam());
  const fs::path dir = fresh_dir(std::string(info.name));
  CampaignOptions o = with_bug(GetParam(), 200, 2);
  o.seed = 1;
  o.max_steps = 40;
  o.out_dir = dir.string();
  const CampaignReport r = run_campaign(o);
  // The bug's finding: the first that passes without the bug (others would be differences
  // between the simulator and the reference model, which ACleanCampaignFindsNothing covers).
  auto it = std::find_if(r.findings.begin(), r.findings.end(),
                         [](const Finding& f) { return !f.fails_without_bug; });
  ASSERT_NE(it, r.findings.end()) << info.name << " not found in " << r.runs << " runs";
  const Finding& f = *it;
  EXPECT_LE(f.steps_after, 12u) << f.yaml;
  EXPECT_LE(f.steps_after, f.steps_before);
  ASSERT_FALSE(f.path.empty());
  ASSERT_TRUE(fs::exists(f.path));
  EXPECT_EQ(fs::path(f.path).filename(), finding_file_name(f.run));
  EXPECT_EQ(run_hsmsim("run " + f.path + " --quiet --inject-bug " + std::string(info.name)), 1)
      << f.yaml;
  EXPECT_EQ(run_hsmsim("run " + f.path + " --quiet"), 0) << f.yaml;
  fs::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(ThreeBugs, FindsSeededBug,
                         testing::Values(model::Bug::create_key_with_one_hsm,
                                         model::Bug::delete_store_with_pending_key,
                                         model::Bug::update_to_unrelated_cluster),
                         [](const auto& info) {
                           return std::string(model::bug_info(info.param).name);
                         });

}  // namespace
}  // namespace hsmsim::campaign
