// Determinism is a feature: the same scenario and seed give the same trace fingerprint; another
// seed gives another.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "model/runner/runner.h"
#include "sim/trace.h"

namespace hsmsim::model {
namespace {

scenario::Scenario quickstart() {
  return scenario::load_scenario_file(std::string(HSMSIM_SOURCE_DIR) +
                                      "/scenarios/quickstart.yaml");
}

TEST(Determinism, SameSeedGivesTheSameTraceAndFingerprint) {
  const scenario::Scenario s = quickstart();
  sim::MemoryTraceSink first_trace, second_trace;
  RunSettings first_settings, second_settings;
  first_settings.sinks.push_back(&first_trace);
  second_settings.sinks.push_back(&second_trace);
  const RunOutcome first = run_scenario(s, first_settings);
  const RunOutcome second = run_scenario(s, second_settings);
  EXPECT_TRUE(first.passed);
  EXPECT_EQ(first.fingerprint, second.fingerprint);
  EXPECT_EQ(first_trace.lines(), second_trace.lines());
  EXPECT_EQ(first.summary["final_state"], second.summary["final_state"]);
  EXPECT_EQ(first.fingerprint.size(), 64u);
}

TEST(Determinism, AnotherSeedGivesAnotherFingerprint) {
  const scenario::Scenario s = quickstart();
  RunSettings other;
  other.seed = 2;
  const RunOutcome one = run_scenario(s, RunSettings{});
  const RunOutcome two = run_scenario(s, other);
  EXPECT_TRUE(two.passed);  // the outcome does not depend on the seed, the details do
  EXPECT_NE(one.fingerprint, two.fingerprint);
  EXPECT_EQ(two.summary["seed"], 2);
}

TEST(Determinism, TwoSimulationsRunSideBySideOnTwoThreads) {
  const scenario::Scenario s = quickstart();
  const std::string expected = run_scenario(s, RunSettings{}).fingerprint;
  std::string a, b;
  std::thread t1([&] { a = run_scenario(s, RunSettings{}).fingerprint; });
  std::thread t2([&] { b = run_scenario(s, RunSettings{}).fingerprint; });
  t1.join();
  t2.join();
  EXPECT_EQ(a, expected);
  EXPECT_EQ(b, expected);
}

// The ciphertext digests a run's trace records for its crypto calls, in order.
std::vector<std::string> ciphertext_digests(const sim::MemoryTraceSink& trace) {
  std::vector<std::string> out;
  for (const std::string& line : trace.lines()) {
    const auto record = nlohmann::json::parse(line);
    const auto& fields = record["fields"];
    if (fields.contains("ciphertext_sha256")) out.push_back(fields["ciphertext_sha256"]);
  }
  return out;
}

std::vector<std::string> step_outcomes(const RunOutcome& run) {
  std::vector<std::string> out;
  for (const auto& step : run.summary["steps"])
    out.push_back(step["outcome"]);
  return out;
}

scenario::Scenario crypto_scenario() {
  return scenario::load_scenario_file(
      std::string(HSMSIM_SOURCE_DIR) +
      "/tests/scenarios/crypto_data_key_blob_decrypts_to_its_plaintext.yaml");
}

TEST(Determinism, SameSeedGivesTheSameCiphertexts) {
  const scenario::Scenario s = crypto_scenario();
  sim::MemoryTraceSink first_trace, second_trace;
  RunSettings first, second;
  first.sinks.push_back(&first_trace);
  second.sinks.push_back(&second_trace);
  const RunOutcome a = run_scenario(s, first);
  const RunOutcome b = run_scenario(s, second);
  ASSERT_TRUE(a.passed);
  const std::vector<std::string> digests = ciphertext_digests(first_trace);
  ASSERT_GE(digests.size(), 2u);  // the scenario makes ciphertexts, and the trace pins them
  EXPECT_EQ(digests, ciphertext_digests(second_trace));
  EXPECT_EQ(a.fingerprint, b.fingerprint);
}

TEST(Determinism, RealEntropyGivesOtherCiphertextsAndTheSameOutcomes) {
  const scenario::Scenario s = crypto_scenario();
  sim::MemoryTraceSink seeded_trace, first_trace, second_trace;
  RunSettings seeded, first, second;
  seeded.sinks.push_back(&seeded_trace);
  first.sinks.push_back(&first_trace);
  second.sinks.push_back(&second_trace);
  first.real_entropy = second.real_entropy = true;
  const RunOutcome a = run_scenario(s, seeded);
  const RunOutcome b = run_scenario(s, first);
  const RunOutcome c = run_scenario(s, second);
  EXPECT_TRUE(b.passed);
  EXPECT_TRUE(c.passed);
  EXPECT_EQ(step_outcomes(a), step_outcomes(b));
  EXPECT_EQ(step_outcomes(b), step_outcomes(c));
  const std::vector<std::string> seeded_digests = ciphertext_digests(seeded_trace);
  const std::vector<std::string> b_digests = ciphertext_digests(first_trace);
  const std::vector<std::string> c_digests = ciphertext_digests(second_trace);
  ASSERT_EQ(seeded_digests.size(), b_digests.size());
  ASSERT_EQ(b_digests.size(), c_digests.size());
  for (std::size_t i = 0; i < b_digests.size(); ++i) {
    EXPECT_NE(seeded_digests[i], b_digests[i]);
    EXPECT_NE(b_digests[i], c_digests[i]);
  }
  EXPECT_NE(b.fingerprint, c.fingerprint);
}

}  // namespace
}  // namespace hsmsim::model
