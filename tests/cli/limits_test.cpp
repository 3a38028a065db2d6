// Bounds on what a run holds at once (scenario::Limits::kPendingEvents, kRequestsInFlight):
// a scenario that would exceed one is bad input, reported with its place and exit code 2,
// instead of a run that eats the machine's memory.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "model/runner/runner.h"
#include "model/scenario/scenario.h"

namespace hsmsim {
namespace {

// Ten million Encrypt requests a second at one HSM that serves one at a time, unthrottled and
// without a queue limit: its queue grows by almost ten million a second.
const std::string kOverload = R"(version: 1
name: overload
until: 1h
quotas: {key_store_rps: unlimited, account_rps: unlimited}
hsm: {service_time: 1ms, concurrency: 1}
world:
  clusters:
    - {name: c1, azs: [us-east-1a, us-east-1b], hsms: [us-east-1a, us-east-1b],
       users: [{name: kmsuser, role: CU, password: kmsPassw0rd}]}
  key_stores: [{name: ks1, cluster: c1, password: kmsPassw0rd, state: CONNECTED}]
  keys: [{name: k1, key_store: ks1}]
workloads:
  - name: flood
    arrivals: {poisson: 10000000/s}
    keys: [k1]
    mix: {Encrypt: 1}
    plaintext_bytes: 16
)";

std::string run_error(const std::string& text, const model::RunSettings& settings) {
  const scenario::Scenario s = scenario::load_scenario_text(text, "limits.yaml");
  model::check_scenario(s);
  try {
    model::run_scenario(s, settings);
  } catch (const scenario::InputError& e) {
    return e.what();
  }
  return "";
}

TEST(RunLimits, RequestsInFlightPastTheBoundAreBadInputAtTheWorkload) {
  model::RunSettings settings;
  settings.requests_in_flight_limit = 1000;
  const std::string error = run_error(kOverload, settings);
  EXPECT_EQ(error.rfind("limits.yaml:13:5: the run exceeded a limit at ", 0), 0u) << error;
  EXPECT_NE(error.find("more than 1000 requests in flight at once"), std::string::npos) << error;
  EXPECT_NE(error.find("hsm.queue_limit"), std::string::npos) << error;
}

TEST(RunLimits, PendingEventsPastTheBoundAreBadInput) {
  // 5,000 closed-loop clients each wait on one event; 1,000 pending events are allowed.
  std::string text = kOverload;
  text.replace(text.find("{poisson: 10000000/s}"), std::string("{poisson: 10000000/s}").size(),
               "{closed: {clients: 5000, think: 1s}}");
  model::RunSettings settings;
  settings.pending_events_limit = 1000;
  const std::string error = run_error(text, settings);
  EXPECT_NE(error.find("more than 1000 events pending at once"), std::string::npos) << error;
}

TEST(RunLimits, WithinTheBoundsTheSameScenarioRuns) {
  std::string text = kOverload;
  text.replace(text.find("10000000/s"), std::string("10000000/s").size(), "500/s");
  text.replace(text.find("until: 1h"), std::string("until: 1h").size(), "until: 10s");
  model::RunSettings settings;
  settings.requests_in_flight_limit = 1000;
  EXPECT_EQ(run_error(text, settings), "");
}

// Through the command line, with the real bounds: exit code 2, the message on stderr, and no
// output written.
TEST(RunLimits, CommandLineExitsTwoAndWritesNothing) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("hsmsim-limits-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::filesystem::path file = dir / "overload.yaml";
  std::ofstream(file) << kOverload;
  const std::string command = std::string(HSMSIM_BINARY) + " run " + file.string() + " --out " +
                              (dir / "out").string() + " --summary " +
                              (dir / "summary.json").string() + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buffer[4096];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr)
    output += buffer;
  const int status = pclose(pipe);
  ASSERT_TRUE(WIFEXITED(status)) << output;
  EXPECT_EQ(WEXITSTATUS(status), 2) << output;
  EXPECT_NE(output.find("overload.yaml:13:5: the run exceeded a limit"), std::string::npos)
      << output;
  EXPECT_NE(output.find("more than 2000000 requests in flight"), std::string::npos) << output;
  EXPECT_FALSE(std::filesystem::exists(dir / "summary.json"));
  EXPECT_FALSE(std::filesystem::exists(dir / "out" / "summary.json"));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace hsmsim
