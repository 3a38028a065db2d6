// Each section of the format loads into its typed form (SPEC §5).
#include <gtest/gtest.h>

#include <variant>

#include "model/scenario/scenario.h"

namespace hsmsim::scenario {
namespace {

using sim::Distribution;
using sim::Duration;

Scenario load(const std::string& body) {
  return load_scenario_text("version: 1\n" + body, "t.yaml");
}

Distribution distribution(const std::string& text) {
  return parse_distribution_value(parse_yaml("d: " + text + "\n", "t.yaml").entries[0].second, "d");
}

TEST(Distributions, EveryFormOfSpec3Parses) {
  EXPECT_EQ(std::get<Distribution::Constant>(distribution("250ms").form()).value_ns, 250e6);
  EXPECT_EQ(std::get<Distribution::Constant>(distribution("{constant: 1s}").form()).value_ns, 1e9);
  const auto u = std::get<Distribution::Uniform>(distribution("{uniform: [1m, 5m]}").form());
  EXPECT_EQ(u.low_ns, 60e9);
  EXPECT_EQ(u.high_ns, 300e9);
  EXPECT_EQ(std::get<Distribution::Exponential>(distribution("{exponential: {mean: 2ms}}").form())
                .mean_ns,
            2e6);
  EXPECT_TRUE(std::holds_alternative<Distribution::Lognormal>(
      distribution("{lognormal: {median: 3ms, p99: 20ms}}").form()));
  const auto n =
      std::get<Distribution::Normal>(distribution("{normal: {mean: 10ms, stddev: 2ms}}").form());
  EXPECT_EQ(n.mean_ns, 10e6);
  EXPECT_EQ(n.stddev_ns, 2e6);
  EXPECT_TRUE(std::holds_alternative<Distribution::Empirical>(
      distribution("{empirical: [[0, 1ms], [0.5, 2ms], [1, 10ms]]}").form()));
}

TEST(Distributions, TwoFormsAtOnceAreRejected) {
  try {
    distribution("{constant: 1s, exponential: {mean: 1s}}");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(e.detail(),
              "field 'd': a distribution has exactly one of constant, uniform, exponential, "
              "lognormal, normal, empirical");
  }
}

TEST(Distributions, DurationValuesUseTheUnitsOfSpec3) {
  const Value v = parse_yaml("[250ms, 1.5s, 20m, 2h, 7d, 0]", "t.yaml");
  EXPECT_EQ(parse_duration_value(v.items[0], "x"), Duration::milliseconds(250));
  EXPECT_EQ(parse_duration_value(v.items[1], "x"), Duration::milliseconds(1500));
  EXPECT_EQ(parse_duration_value(v.items[2], "x"), Duration::minutes(20));
  EXPECT_EQ(parse_duration_value(v.items[3], "x"), Duration::hours(2));
  EXPECT_EQ(parse_duration_value(v.items[4], "x"), Duration::days(7));
  EXPECT_EQ(parse_duration_value(v.items[5], "x"), Duration::zero());
}

TEST(Quotas, UnlimitedIsNullopt) {
  const Scenario s =
      load("quotas: {custom_key_stores: unlimited, key_store_rps: unlimited, account_rps: 100}\n");
  EXPECT_FALSE(s.quotas.custom_key_stores.has_value());
  EXPECT_FALSE(s.quotas.key_store_rps.has_value());
  EXPECT_EQ(s.quotas.account_rps, 100.0);
}

TEST(Quotas, DefaultsAreTheAwsOnes) {
  const Scenario s = load("");
  EXPECT_EQ(s.quotas.custom_key_stores, 10u);
  EXPECT_EQ(s.quotas.key_store_rps, 1800.0);
  EXPECT_EQ(s.quotas.account_rps, 50000.0);
  EXPECT_EQ(s.seed, 1u);
  EXPECT_EQ(s.region, "us-east-1");
  EXPECT_EQ(s.name, "t");  // the file name without extension
}

TEST(Hsm, PerOperationServiceTimeRoutingAndQueueLimit) {
  const Scenario s = load(
      "hsm: {operation_service_time: {Encrypt: 1ms, GenerateRandom: 3ms}, concurrency: 8, "
      "routing: shared_queue, queue_limit: 100}\n");
  ASSERT_EQ(s.hsm.service_time_by_operation.size(), 2u);
  EXPECT_EQ(s.hsm.service_time_by_operation[1].first, "GenerateRandom");
  EXPECT_EQ(s.hsm.concurrency, 8u);
  EXPECT_EQ(s.hsm.routing, Routing::SharedQueue);
  EXPECT_EQ(s.hsm.queue_limit, 100u);
  EXPECT_STREQ(to_string(s.hsm.routing), "shared_queue");
}

TEST(Steps, PrefixedCallsSplitServiceAndAction) {
  const Scenario s = load(
      "steps:\n  - call: cli:ChangePassword\n    with: {ClusterId: c1}\n    principal: "
      "arn:aws:iam::111122223333:user/alice\n  - call: cloudhsmv2:CreateHsm\n");
  EXPECT_EQ(s.steps[0].call.service, "cli");
  EXPECT_EQ(s.steps[0].call.action, "ChangePassword");
  EXPECT_EQ(s.steps[0].call.written, "cli:ChangePassword");
  EXPECT_EQ(s.steps[0].call.principal, "arn:aws:iam::111122223333:user/alice");
  EXPECT_EQ(s.steps[1].call.service, "cloudhsmv2");
  EXPECT_TRUE(s.steps[1].call.with.is_null());
}

TEST(Steps, ExpectAnyErrorAndWaitForADuration) {
  const Scenario s = load(
      "steps:\n  - {call: DeleteCustomKeyStore, expect: {error: any}}\n"
      "  - {wait: {duration: 3d}, after: 1m}\n"
      "  - {wait: {backup_of: c1, BackupState: READY}, as: b1, timeout: 2h}\n");
  EXPECT_EQ(s.steps[0].expect.kind, Expectation::Kind::AnyError);
  EXPECT_EQ(s.steps[1].kind, StepKind::Wait);
  EXPECT_EQ(s.steps[1].wait.duration, Duration::days(3));
  EXPECT_EQ(s.steps[1].after, Duration::minutes(1));
  EXPECT_EQ(s.steps[2].wait.timeout, Duration::hours(2));
  EXPECT_EQ(s.steps[2].as, "b1");
}

TEST(Steps, ChecksAcceptSubjectsTopicsAndMatchers) {
  const Scenario s = load(
      "steps:\n  - check:\n      cluster c1: {State: ACTIVE, active_hsms: {min: 1, max: 3}}\n"
      "      lost_keys: {count: 0}\n      invariants: {violations: 0}\n"
      "      metrics: {Encrypt.p99_ms: {max: 50}, Encrypt.errors.ThrottlingException: {min: 1}}\n");
  const Value& checks = s.steps[0].check.checks;
  EXPECT_EQ(checks.entries.size(), 4u);
  EXPECT_TRUE(is_matcher(*checks.find("cluster c1")->find("active_hsms")));
}

TEST(Steps, FaultsKeepTheirParameters) {
  const Scenario s = load(
      "steps:\n  - fault: {hsm_slowdown: {cluster: c1, factor: 2.5, duration: 10m}}\n"
      "  - fault: {kms_internal_error: {probability: 0.1, duration: 1m}}\n"
      "  - fault: {hsm_failure: {hsm: h2, replace: false}}\n");
  EXPECT_EQ(s.steps[0].fault.kind, "hsm_slowdown");
  EXPECT_EQ(s.steps[0].fault.params.find("factor")->scalar, "2.5");
  EXPECT_EQ(s.steps[2].fault.kind, "hsm_failure");
}

TEST(Workloads, ClosedAndDiurnalArrivalsAndRates) {
  const Scenario s = load(
      "workloads:\n"
      "  - {name: a, arrivals: {closed: {clients: 50, think: 10ms}}, keys: [k1], mix: {Encrypt: "
      "1}}\n"
      "  - {name: b, arrivals: {diurnal: {mean: 60/m, peak_to_trough: 3, period: 12h}}, "
      "keys: [k1], mix: {Decrypt: 2}}\n"
      "  - {name: c, arrivals: {constant: 7200/h}, keys: [k1], mix: {GenerateRandom: 1}}\n"
      "  - {name: d, arrivals: {poisson: 250}, keys: [k1], mix: {Encrypt: 1}, start: 5m}\n");
  ASSERT_EQ(s.workloads.size(), 4u);
  EXPECT_EQ(s.workloads[0].arrivals.kind, Arrivals::Kind::Closed);
  EXPECT_EQ(s.workloads[0].arrivals.clients, 50u);
  EXPECT_EQ(s.workloads[1].arrivals.kind, Arrivals::Kind::Diurnal);
  EXPECT_EQ(s.workloads[1].arrivals.rate_per_s, 1.0);
  EXPECT_EQ(s.workloads[1].arrivals.peak_to_trough, 3.0);
  EXPECT_EQ(s.workloads[1].arrivals.period, Duration::hours(12));
  EXPECT_EQ(s.workloads[2].arrivals.kind, Arrivals::Kind::Constant);
  EXPECT_EQ(s.workloads[2].arrivals.rate_per_s, 2.0);
  EXPECT_EQ(s.workloads[3].arrivals.rate_per_s, 250.0);
  EXPECT_EQ(s.workloads[3].start, Duration::minutes(5));
  EXPECT_EQ(s.workloads[3].retry.max_attempts, 1);
}

TEST(Invariants, AllListAndExcept) {
  EXPECT_EQ(load("invariants: all\n").invariants.mode, InvariantSelection::Mode::All);
  const Scenario only = load("invariants: [crypto_roundtrip, deletion_window]\n");
  EXPECT_EQ(only.invariants.mode, InvariantSelection::Mode::Only);
  EXPECT_EQ(only.invariants.names,
            (std::vector<std::string>{"crypto_roundtrip", "deletion_window"}));
  const Scenario except = load("invariants: {except: [state_guards]}\n");
  EXPECT_EQ(except.invariants.mode, InvariantSelection::Mode::Except);
  EXPECT_EQ(except.invariants.names, (std::vector<std::string>{"state_guards"}));
}

TEST(Limits, KeyStoresAreBoundedByTheQuota) {
  std::string text = "quotas: {custom_key_stores: 2}\nworld:\n  clusters:\n";
  for (int i = 0; i < 3; ++i)
    text += "    - {name: c" + std::to_string(i) + ", azs: [a]}\n";
  text += "  key_stores:\n";
  for (int i = 0; i < 3; ++i) {
    text += "    - {name: ks" + std::to_string(i) + ", cluster: c" + std::to_string(i) +
            ", password: kmsPassw0rd}\n";
  }
  try {
    load(text);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(e.detail(),
              "field 'world.key_stores': the number of key stores (quotas.custom_key_stores) "
              "exceeds the limit of 2 (3 given)");
  }
}

TEST(Limits, HorizonIsAtMost100Years) {
  EXPECT_NO_THROW(load("until: 36525d\n"));
  try {
    load("until: 36526d\n");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(e.detail(), "field 'until': exceeds the horizon limit of 100 years");
  }
}

TEST(Limits, ClosedLoopClientsAreBounded) {
  try {
    load(
        "workloads:\n  - {name: a, arrivals: {closed: {clients: 1000001}}, keys: [k], mix: "
        "{Encrypt: 1}}\n");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(e.detail(),
              "field 'workloads[0].arrivals.closed.clients': 1000001 closed-loop clients exceed "
              "the limit of 1000000");
  }
}

}  // namespace
}  // namespace hsmsim::scenario
