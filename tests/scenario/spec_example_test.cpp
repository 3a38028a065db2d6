// The example scenario of SPEC §5 loads, and every section comes out typed.
#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "model/scenario/scenario.h"

namespace hsmsim::scenario {
namespace {

using sim::Distribution;
using sim::Duration;

const std::string kExample =
    std::string(HSMSIM_SOURCE_DIR) + "/tests/scenario/data/spec_example.yaml";

class SpecExample : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { scenario_ = new Scenario(load_scenario_file(kExample)); }
  static void TearDownTestSuite() { delete scenario_; }
  const Scenario& s() const { return *scenario_; }

 private:
  static Scenario* scenario_;
};
Scenario* SpecExample::scenario_ = nullptr;

double constant_ns(const Distribution& d) {
  return std::get<Distribution::Constant>(d.form()).value_ns;
}

TEST_F(SpecExample, HeaderFieldsAreTyped) {
  EXPECT_EQ(s().file, kExample);
  EXPECT_EQ(s().version, 1);
  EXPECT_EQ(s().name, "two-hsm-rule");
  EXPECT_EQ(s().description,
            "A key cannot be created until the cluster has two active HSMs in two AZs.");
  EXPECT_EQ(s().seed, 7u);
  ASSERT_TRUE(s().until.has_value());
  EXPECT_EQ(*s().until, Duration::hours(2));
  EXPECT_EQ(s().region, "us-east-1");
}

TEST_F(SpecExample, QuotasTimingHsmAndNetwork) {
  EXPECT_EQ(s().quotas.custom_key_stores, 10u);
  EXPECT_EQ(s().quotas.key_store_rps, 1800.0);
  EXPECT_EQ(s().quotas.account_rps, 50000.0);

  ASSERT_EQ(s().timing.size(), 2u);
  EXPECT_EQ(s().timing[0].first, "CreateHsm");
  EXPECT_EQ(constant_ns(s().timing[0].second), 600e9);
  EXPECT_EQ(s().timing[1].first, "ConnectCustomKeyStore");
  const auto& uniform = std::get<Distribution::Uniform>(s().timing[1].second.form());
  EXPECT_EQ(uniform.low_ns, 120e9);
  EXPECT_EQ(uniform.high_ns, 240e9);

  EXPECT_EQ(std::get<Distribution::Exponential>(s().hsm.service_time.form()).mean_ns, 2e6);
  EXPECT_EQ(s().hsm.concurrency, 4u);
  EXPECT_EQ(s().hsm.routing, Routing::RoundRobin);
  EXPECT_FALSE(s().hsm.queue_limit.has_value());
  EXPECT_EQ(constant_ns(s().network.rtt), 1e6);
}

TEST_F(SpecExample, WorldClustersStoresAndKeys) {
  const World& w = s().world;
  ASSERT_EQ(w.clusters.size(), 2u);
  const ClusterSpec& c1 = w.clusters[0];
  EXPECT_EQ(c1.name, "c1");
  EXPECT_EQ(c1.azs, (std::vector<std::string>{"us-east-1a", "us-east-1b", "us-east-1c"}));
  EXPECT_EQ(c1.state, "ACTIVE");
  EXPECT_EQ(c1.hsms, (std::vector<std::string>{"us-east-1a"}));
  ASSERT_EQ(c1.users.size(), 2u);
  EXPECT_EQ(c1.users[0].name, "admin");
  EXPECT_EQ(c1.users[0].role, "CO");
  EXPECT_EQ(c1.users[1].name, "kmsuser");
  EXPECT_EQ(c1.users[1].password, "kmsPassw0rd");
  ASSERT_TRUE(c1.trust_anchor.has_value());
  EXPECT_EQ(c1.trust_anchor->rfind("-----BEGIN CERTIFICATE-----\n", 0), 0u);
  EXPECT_EQ(c1.backup_retention_days, 90);
  EXPECT_EQ(c1.loc.line, 14);
  EXPECT_EQ(c1.loc.column, 7);
  EXPECT_FALSE(w.clusters[1].trust_anchor.has_value());
  EXPECT_EQ(w.clusters[1].hsms.size(), 2u);

  ASSERT_EQ(w.key_stores.size(), 2u);
  EXPECT_EQ(w.key_stores[0].name, "ks1");
  EXPECT_EQ(w.key_stores[0].cluster, "c1");
  EXPECT_EQ(w.key_stores[0].state, "CONNECTED");
  EXPECT_EQ(w.key_stores[1].cluster, "c2");

  ASSERT_EQ(w.keys.size(), 1u);
  EXPECT_EQ(w.keys[0].name, "k1");
  EXPECT_EQ(w.keys[0].key_store, "ks2");
  EXPECT_EQ(w.keys[0].alias, "alias/app");
  EXPECT_FALSE(w.keys[0].description.has_value());
}

TEST_F(SpecExample, CallStepsKeepActionParametersAndExpectations) {
  ASSERT_EQ(s().steps.size(), 9u);
  const Step& first = s().steps[0];
  EXPECT_EQ(first.index, 0);
  EXPECT_EQ(first.kind, StepKind::Call);
  EXPECT_EQ(first.at, sim::Time::zero() + Duration::minutes(10));
  EXPECT_EQ(first.call.action, "CreateKey");
  EXPECT_EQ(first.call.service, "");
  ASSERT_TRUE(first.call.with.is_mapping());
  EXPECT_EQ(first.call.with.find("Origin")->scalar, "AWS_CLOUDHSM");
  EXPECT_EQ(first.expect.kind, Expectation::Kind::Error);
  EXPECT_EQ(first.expect.error, "CloudHsmClusterInvalidConfigurationException");

  EXPECT_EQ(s().steps[1].as, "h2");
  EXPECT_EQ(s().steps[1].expect.kind, Expectation::Kind::None);
  EXPECT_EQ(s().steps[3].expect.kind, Expectation::Kind::Ok);

  const Step& encrypt = s().steps[4];
  const Value* plaintext = encrypt.call.with.find("Plaintext");
  ASSERT_NE(plaintext, nullptr);
  EXPECT_TRUE(plaintext->quoted);
  EXPECT_EQ(plaintext->scalar, "hello");

  const Expectation& decrypt = s().steps[5].expect;
  EXPECT_EQ(decrypt.kind, Expectation::Kind::OkFields);
  EXPECT_EQ(decrypt.fields.find("KeyId")->scalar, "k2");

  const Value* length = s().steps[6].expect.fields.find("Plaintext");
  ASSERT_NE(length, nullptr);
  EXPECT_TRUE(is_matcher(*length));
  EXPECT_FALSE(is_matcher(s().steps[5].expect.fields));
}

TEST_F(SpecExample, WaitFaultAndCheckSteps) {
  const Step& wait = s().steps[2];
  EXPECT_EQ(wait.kind, StepKind::Wait);
  EXPECT_EQ(wait.wait.condition.find("cluster")->scalar, "c1");
  EXPECT_EQ(wait.wait.condition.find("active_hsms")->scalar, "2");
  EXPECT_FALSE(wait.wait.duration.has_value());
  EXPECT_EQ(wait.wait.timeout, Duration::hours(1));

  const Step& fault = s().steps[7];
  EXPECT_EQ(fault.kind, StepKind::Fault);
  EXPECT_EQ(fault.fault.kind, "hsm_failure");
  EXPECT_EQ(fault.fault.params.find("az")->scalar, "us-east-1a");

  const Step& check = s().steps[8];
  EXPECT_EQ(check.kind, StepKind::Check);
  EXPECT_EQ(check.after, Duration::minutes(5));
  ASSERT_EQ(check.check.checks.entries.size(), 4u);
  EXPECT_EQ(check.check.checks.entries[0].first, "key_store ks1");
  EXPECT_EQ(check.check.checks.entries[3].first, "orphans");
}

TEST_F(SpecExample, WorkloadInvariantsAndOutputs) {
  ASSERT_EQ(s().workloads.size(), 1u);
  const WorkloadSpec& web = s().workloads[0];
  EXPECT_EQ(web.name, "web");
  EXPECT_EQ(web.start, Duration::zero());
  EXPECT_EQ(web.stop, Duration::hours(1));
  EXPECT_EQ(web.arrivals.kind, Arrivals::Kind::Poisson);
  EXPECT_EQ(web.arrivals.rate_per_s, 500.0);
  EXPECT_EQ(web.keys, (std::vector<std::string>{"k1"}));
  ASSERT_EQ(web.mix.size(), 3u);
  EXPECT_EQ(web.mix[0], (std::pair<std::string, double>{"Encrypt", 0.6}));
  EXPECT_EQ(web.mix[2], (std::pair<std::string, double>{"GenerateDataKey", 0.1}));
  EXPECT_EQ(web.plaintext_bytes, 1024u);
  EXPECT_EQ(web.encryption_context,
            (std::vector<std::pair<std::string, std::string>>{{"app", "web"}}));
  EXPECT_EQ(web.retry.max_attempts, 3);
  EXPECT_EQ(std::get<Distribution::Exponential>(web.retry.backoff.form()).mean_ns, 50e6);

  EXPECT_EQ(s().invariants.mode, InvariantSelection::Mode::All);
  EXPECT_EQ(s().outputs.trace, "trace.jsonl");
  EXPECT_EQ(s().outputs.perfetto, "trace.json");
  EXPECT_EQ(s().outputs.summary, "summary.json");
  EXPECT_EQ(s().outputs.metrics, "metrics.csv");
  EXPECT_EQ(s().outputs.plots, "plots/");
}

}  // namespace
}  // namespace hsmsim::scenario
