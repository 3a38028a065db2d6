// Invariant monitors (SPEC §6): each stays quiet on a world that keeps the rules and fires,
// naming the object, when its rule is broken on purpose. The model refuses to break its own
// rules, so the tests break them by editing its state directly (the mutable_* helpers) or by
// forging an answer the model would not give (forge_acceptance).
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "model/findings.h"
#include "model/invariants/catalog.h"
#include "model/invariants/monitor.h"
#include "model/runner/runner.h"
#include "model/scenario/scenario.h"
#include "model/world.h"

namespace hsmsim::model {
namespace {

// Whether `text` contains `part`; on failure the assertion shows both.
::testing::AssertionResult contains(const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "'" << text << "' does not contain '" << part << "'";
}

// Two ACTIVE clusters with two HSMs each in two AZs; ks1 CONNECTED on c1 with key k1, ks2
// DISCONNECTED on c2. Each cluster has one READY backup taken at t=0 (c1's first).
constexpr const char* kWorldYaml = R"(version: 1
name: invariants-test
seed: 3
world:
  clusters:
    - name: c1
      azs: [us-east-1a, us-east-1b]
      state: ACTIVE
      hsms: [us-east-1a, us-east-1b]
      users: [{name: admin, role: CO, password: adminPassw0rd},
              {name: kmsuser, role: CU, password: kmsPassw0rd}]
    - name: c2
      azs: [us-east-1a, us-east-1b]
      state: ACTIVE
      hsms: [us-east-1a, us-east-1b]
      users: [{name: admin, role: CO, password: adminPassw0rd},
              {name: kmsuser, role: CU, password: kmsPassw0rd}]
  key_stores:
    - {name: ks1, cluster: c1, password: kmsPassw0rd, state: CONNECTED}
    - {name: ks2, cluster: c2, password: kmsPassw0rd}
  keys:
    - {name: k1, key_store: ks1, alias: alias/one}
)";

const ActionInfo& action_named(std::string_view written) {
  const auto colon = written.find(':');
  const std::string_view service = colon == std::string_view::npos ? "" : written.substr(0, colon);
  const std::string_view name =
      colon == std::string_view::npos ? written : written.substr(colon + 1);
  const ActionInfo* action = find_action(service, name);
  if (!action) throw std::logic_error("no action " + std::string(written));
  return *action;
}

// A world built from kWorldYaml with the engine and trace it runs on, driven the way the
// scenario runner drives it: monitor hooks around every call and after every event.
class TestWorld {
 public:
  TestWorld()
      : scenario_(scenario::load_scenario_text(kWorldYaml, "invariants_test.yaml")),
        world_(engine_, trace_, scenario_, scenario_.seed) {}

  World& world() { return world_; }
  sim::Time now() const { return world_.now(); }
  std::string id(const std::string& name) const { return world_.names().at(name).id; }

  // Handles a call between m.before_call and m.after_call; returns the monitor's message.
  std::string call(Monitor& m, std::string_view action, const Json& params) {
    const ActionInfo& a = action_named(action);
    m.before_call(world_, a, params);
    last_ = world_.call(a, params, "");
    return m.after_call(world_, a, params, last_);
  }
  const ApiResult& last() const { return last_; }

  // Runs every event up to now + d with m.after_event after each; returns the first message.
  std::string run_for(Monitor& m, sim::Duration d) {
    const sim::Time horizon = now() + d;
    std::string first;
    while (engine_.run_one(horizon)) {
      std::string message = m.after_event(world_);
      if (first.empty()) first = std::move(message);
    }
    return first;
  }

  // --- breaking rules on purpose: direct edits of the model's state ----------------------------
  CustomKeyStore& mutable_store(const std::string& name) {
    for (const auto& s : world_.kms().stores()) {
      if (s->id == id(name)) return const_cast<CustomKeyStore&>(*s);
    }
    throw std::logic_error("no store " + name);
  }
  KmsKey& mutable_key(const std::string& name) {
    for (const auto& k : world_.kms().keys()) {
      if (k->id == id(name)) return const_cast<KmsKey&>(*k);
    }
    throw std::logic_error("no key " + name);
  }
  Cluster& mutable_cluster(const std::string& name) {
    for (const auto& c : world_.cloudhsm().clusters()) {
      if (c->id == id(name)) return const_cast<Cluster&>(*c);
    }
    throw std::logic_error("no cluster " + name);
  }
  // The HSMs of a world cluster in creation order (which follows its `hsms:` list).
  Hsm& mutable_hsm(const std::string& cluster, std::size_t nth) {
    const Cluster& c = mutable_cluster(cluster);
    return const_cast<Hsm&>(*world_.cloudhsm().hsms().at(c.hsms.at(nth)));
  }
  // The t=0 backup of a world cluster.
  Backup& mutable_world_backup(const std::string& cluster) {
    const std::string cluster_id = id(cluster);
    for (const auto& b : world_.cloudhsm().backups()) {
      if (b->source_cluster_id == cluster_id && b->trigger == "world") {
        return const_cast<Backup&>(*b);
      }
    }
    throw std::logic_error("no world backup of " + cluster);
  }

 private:
  sim::Engine engine_;
  sim::Trace trace_;
  scenario::Scenario scenario_;
  World world_;
  ApiResult last_;
};

// Shows the monitor an acceptance the model would refuse: the state before, then "ok".
std::string forge_acceptance(Monitor& m, World& world, std::string_view action,
                             const Json& params) {
  const ActionInfo& a = action_named(action);
  m.before_call(world, a, params);
  return m.after_call(world, a, params, ApiResult::success());
}

// Monitors that sweep a few objects per event need a few events to reach a broken one:
// after_event up to `events` times, the first message.
std::string within_events(Monitor& m, const World& world, int events = 8) {
  for (int i = 0; i < events; ++i) {
    std::string message = m.after_event(world);
    if (!message.empty()) return message;
  }
  return "";
}

const sim::Duration kMinute = sim::Duration::minutes(1);
const sim::Duration kDay = sim::Duration::days(1);

// --- two_hsm_creation ------------------------------------------------------------------------

TEST(TwoHsmCreation, QuietWhenClusterHasTwoActiveHsmsInDistinctAzs) {
  TestWorld t;
  auto m = make_two_hsm_creation();
  EXPECT_EQ(
      t.call(*m, "CreateKey", {{"CustomKeyStoreId", t.id("ks1")}, {"Origin", "AWS_CLOUDHSM"}}), "");
  EXPECT_TRUE(t.last().ok) << t.last().exception;
}

TEST(TwoHsmCreation, QuietWhenTheModelRefusesWithOneServingHsm) {
  TestWorld t;
  auto m = make_two_hsm_creation();
  t.mutable_hsm("c1", 1).serving = false;
  EXPECT_EQ(
      t.call(*m, "CreateKey", {{"CustomKeyStoreId", t.id("ks1")}, {"Origin", "AWS_CLOUDHSM"}}), "");
  EXPECT_EQ(t.last().exception, "CloudHsmClusterInvalidConfigurationException");
}

TEST(TwoHsmCreation, FiresWhenAKeyIsCreatedWhileOnlyOneHsmServed) {
  TestWorld t;
  auto m = make_two_hsm_creation();
  const Json request{{"CustomKeyStoreId", t.id("ks1")}, {"Origin", "AWS_CLOUDHSM"}};
  const ActionInfo& create_key = action_named("CreateKey");
  // The monitor sees one serving HSM; the model, handling the call after the HSM is back,
  // creates the key.
  t.mutable_hsm("c1", 1).serving = false;
  m->before_call(t.world(), create_key, request);
  t.mutable_hsm("c1", 1).serving = true;
  const ApiResult answer = t.world().call(create_key, request, "");
  ASSERT_TRUE(answer.ok) << answer.exception;
  const std::string key_id = answer.response["KeyMetadata"]["KeyId"].get<std::string>();
  const std::string message = m->after_call(t.world(), create_key, request, answer);
  EXPECT_TRUE(contains(message, key_id));
  EXPECT_TRUE(contains(message, t.id("c1")));
  EXPECT_TRUE(contains(message, "1 in [us-east-1a]"));
}

TEST(TwoHsmCreation, FiresWhenBothActiveHsmsShareOneAz) {
  TestWorld t;
  auto m = make_two_hsm_creation();
  const Json request{{"CustomKeyStoreId", t.id("ks1")}, {"Origin", "AWS_CLOUDHSM"}};
  const ActionInfo& create_key = action_named("CreateKey");
  t.mutable_hsm("c1", 1).az = "us-east-1a";
  m->before_call(t.world(), create_key, request);
  t.mutable_hsm("c1", 1).az = "us-east-1b";
  const ApiResult answer = t.world().call(create_key, request, "");
  ASSERT_TRUE(answer.ok) << answer.exception;
  EXPECT_TRUE(contains(m->after_call(t.world(), create_key, request, answer), "2 in [us-east-1a]"));
}

// --- lineage_exclusive -----------------------------------------------------------------------

TEST(LineageExclusive, QuietWhenStoresUseUnrelatedClusters) {
  TestWorld t;
  auto m = make_lineage_exclusive();
  EXPECT_EQ(m->after_event(t.world()), "");
  EXPECT_EQ(t.run_for(*m, kDay * 2), "");  // periodic backups add to both histories
}

TEST(LineageExclusive, FiresWhenTwoStoresUseTheSameCluster) {
  TestWorld t;
  auto m = make_lineage_exclusive();
  EXPECT_EQ(m->after_event(t.world()), "");
  t.mutable_store("ks2").cluster_id = t.id("c1");
  const std::string message = m->after_event(t.world());
  EXPECT_TRUE(contains(message, t.id("ks1")));
  EXPECT_TRUE(contains(message, t.id("ks2")));
}

TEST(LineageExclusive, FiresWhenAStoreUsesAClusterRestoredFromAnotherStoresBackup) {
  TestWorld t;
  auto m = make_lineage_exclusive();
  EXPECT_EQ(m->after_event(t.world()), "");
  // c3 is created from c1's backup (cluster - backup - cluster), then ks2 moves onto it.
  ASSERT_EQ(t.call(*m, "CreateCluster",
                   {{"SubnetIds", {"us-east-1a", "us-east-1b"}},
                    {"SourceBackupId", t.mutable_world_backup("c1").id}}),
            "");
  ASSERT_TRUE(t.last().ok) << t.last().exception;
  const std::string c3 = t.last().response["Cluster"]["ClusterId"].get<std::string>();
  EXPECT_EQ(m->after_event(t.world()), "");
  t.mutable_store("ks2").cluster_id = c3;
  const std::string message = m->after_event(t.world());
  EXPECT_TRUE(contains(message, t.id("ks1")));
  EXPECT_TRUE(contains(message, c3));
}

TEST(LineageExclusive, FiresWhenAClustersSourceBackupLinksItToAnotherStoresCluster) {
  TestWorld t;
  t.mutable_cluster("c2").source_backup_id = t.mutable_world_backup("c1").id;
  auto m = make_lineage_exclusive();
  const std::string message = m->after_event(t.world());
  EXPECT_TRUE(contains(message, t.id("ks2")));
  EXPECT_TRUE(contains(message, t.id("c2")));
}

TEST(LineageExclusive, QuietWhenTheSharedSourceIsACopyToAnotherRegion) {
  TestWorld t;
  auto m = make_lineage_exclusive();
  ASSERT_EQ(
      t.call(*m, "CopyBackupToRegion",
             {{"BackupId", t.mutable_world_backup("c1").id}, {"DestinationRegion", "us-west-2"}}),
      "");
  ASSERT_TRUE(t.last().ok) << t.last().exception;
  // As if c2 had been created from the copy: a copy starts a new history.
  t.mutable_cluster("c2").source_backup_id =
      t.last().response["DestinationBackup"]["BackupId"].get<std::string>();
  EXPECT_EQ(m->after_event(t.world()), "");
}

// --- lineage_update --------------------------------------------------------------------------

TEST(LineageUpdate, QuietWhenAStoreMovesToAClusterRestoredFromItsBackup) {
  TestWorld t;
  auto m = make_lineage_update();
  EXPECT_EQ(m->after_event(t.world()), "");
  ASSERT_EQ(t.call(*m, "CreateCluster",
                   {{"SubnetIds", {"us-east-1a", "us-east-1b"}},
                    {"SourceBackupId", t.mutable_world_backup("c2").id}}),
            "");
  const std::string c3 = t.last().response["Cluster"]["ClusterId"].get<std::string>();
  EXPECT_EQ(t.run_for(*m, kMinute * 5), "");
  for (const char* az : {"us-east-1a", "us-east-1b"}) {
    EXPECT_EQ(t.call(*m, "CreateHsm", {{"ClusterId", c3}, {"AvailabilityZone", az}}), "");
    ASSERT_TRUE(t.last().ok) << t.last().exception << ": " << t.last().message;
  }
  EXPECT_EQ(t.run_for(*m, kMinute * 30), "");
  EXPECT_EQ(t.call(*m, "UpdateCustomKeyStore",
                   {{"CustomKeyStoreId", t.id("ks2")}, {"CloudHsmClusterId", c3}}),
            "");
  ASSERT_TRUE(t.last().ok) << t.last().exception << ": " << t.last().message;
  EXPECT_EQ(t.mutable_store("ks2").cluster_id, c3);
  EXPECT_EQ(m->after_event(t.world()), "");
}

TEST(LineageUpdate, FiresWhenAStoreMovesToAnUnrelatedCluster) {
  TestWorld t;
  auto m = make_lineage_update();
  EXPECT_EQ(m->after_event(t.world()), "");
  t.mutable_store("ks2").cluster_id = t.id("c1");
  const std::string message = m->after_event(t.world());
  EXPECT_TRUE(contains(message, t.id("ks2")));
  EXPECT_TRUE(contains(message, t.id("c2")));
  EXPECT_TRUE(contains(message, t.id("c1")));
  EXPECT_EQ(m->after_event(t.world()), "") << "a move is judged once";
}

// --- state_guards ----------------------------------------------------------------------------

TEST(StateGuards, QuietOnCallsTheStatesAllow) {
  TestWorld t;
  auto m = make_state_guards();
  const Json ks1{{"CustomKeyStoreId", t.id("ks1")}};
  const Json ks2{{"CustomKeyStoreId", t.id("ks2")}};
  const Json k1{{"KeyId", "alias/one"}};
  EXPECT_EQ(t.call(*m, "UpdateCustomKeyStore",
                   {{"CustomKeyStoreId", t.id("ks1")}, {"NewCustomKeyStoreName", "renamed"}}),
            "");
  EXPECT_TRUE(t.last().ok) << "a name-only update is allowed while CONNECTED";
  EXPECT_EQ(t.call(*m, "ConnectCustomKeyStore", ks2), "");
  EXPECT_EQ(t.call(*m, "DisconnectCustomKeyStore", ks2), "");  // from CONNECTING
  EXPECT_EQ(t.call(*m, "ConnectCustomKeyStore", ks2), "");     // refused: DISCONNECTING
  EXPECT_EQ(t.last().exception, "CustomKeyStoreInvalidStateException");
  EXPECT_EQ(t.run_for(*m, kMinute), "");
  EXPECT_EQ(t.call(*m, "DeleteCustomKeyStore", ks2), "");
  EXPECT_TRUE(t.last().ok) << t.last().exception;
  EXPECT_EQ(t.call(*m, "ScheduleKeyDeletion", k1), "");
  EXPECT_EQ(t.call(*m, "EnableKey", k1), "");  // refused: PendingDeletion
  EXPECT_EQ(t.call(*m, "CancelKeyDeletion", k1), "");
  EXPECT_EQ(t.call(*m, "EnableKey", k1), "");
  EXPECT_TRUE(t.last().ok) << t.last().exception;
  EXPECT_EQ(t.call(*m, "DisconnectCustomKeyStore", ks1), "");
  EXPECT_EQ(t.run_for(*m, kMinute), "");
  EXPECT_EQ(t.call(*m, "ConnectCustomKeyStore", ks1), "");
  EXPECT_EQ(t.run_for(*m, kMinute * 30), "");
  EXPECT_EQ(t.call(*m, "DeleteCluster", {{"ClusterId", t.id("c2")}}), "");  // refused: HSMs
  EXPECT_EQ(t.call(*m, "cli:ActivateCluster",
                   {{"ClusterId", t.id("c1")}, {"NewPassword", "newPassw0rd"}}),
            "");
  EXPECT_FALSE(t.last().ok);
}

// One accepted call per guard, in a state that does not allow it.
struct GuardCase {
  const char* rule;
  const char* action;
  Json (*params)(TestWorld&);
  void (*prepare)(TestWorld&);
  const char* state_named;  // what the message says about the state found
};

Json store_ks1(TestWorld& t) {
  return {{"CustomKeyStoreId", t.id("ks1")}};
}
Json store_ks2(TestWorld& t) {
  return {{"CustomKeyStoreId", t.id("ks2")}};
}
Json key_k1(TestWorld& t) {
  return {{"KeyId", t.id("k1")}};
}
Json cluster_c1(TestWorld& t) {
  return {{"ClusterId", t.id("c1")}};
}
void nothing(TestWorld&) {}

const GuardCase kGuardCases[] = {
    {"ConnectNeverFromFailed", "ConnectCustomKeyStore", store_ks2,
     [](TestWorld& t) {
       t.mutable_store("ks2").state = ConnectionState::FAILED;
       t.mutable_store("ks2").error = ConnectionErrorCode::NETWORK_ERRORS;
     },
     "FAILED"},
    {"ConnectNeverFromDisconnecting", "ConnectCustomKeyStore", store_ks2,
     [](TestWorld& t) { t.mutable_store("ks2").state = ConnectionState::DISCONNECTING; },
     "DISCONNECTING"},
    {"DisconnectNeverFromDisconnected", "DisconnectCustomKeyStore", store_ks2, nothing,
     "DISCONNECTED"},
    {"DisconnectNeverFromDisconnecting", "DisconnectCustomKeyStore", store_ks2,
     [](TestWorld& t) { t.mutable_store("ks2").state = ConnectionState::DISCONNECTING; },
     "DISCONNECTING"},
    {"UpdatePasswordNeedsDisconnected", "UpdateCustomKeyStore",
     [](TestWorld& t) -> Json {
       return {{"CustomKeyStoreId", t.id("ks1")}, {"KeyStorePassword", "otherPassw0rd"}};
     },
     nothing, "CONNECTED"},
    {"UpdateNameNotWhileConnecting", "UpdateCustomKeyStore",
     [](TestWorld& t) -> Json {
       return {{"CustomKeyStoreId", t.id("ks2")}, {"NewCustomKeyStoreName", "n"}};
     },
     [](TestWorld& t) { t.mutable_store("ks2").state = ConnectionState::CONNECTING; },
     "CONNECTING"},
    {"DeleteStoreNeedsDisconnected", "DeleteCustomKeyStore", store_ks1, nothing, "CONNECTED"},
    {"CreateKeyNeedsConnected", "CreateKey",
     [](TestWorld& t) -> Json {
       return {{"CustomKeyStoreId", t.id("ks2")}, {"Origin", "AWS_CLOUDHSM"}};
     },
     nothing, "DISCONNECTED"},
    {"CancelKeyDeletionOnlyFromPendingDeletion", "CancelKeyDeletion", key_k1, nothing,
     "other than PendingDeletion"},
    {"EnableKeyNeverOnPendingDeletion", "EnableKey", key_k1,
     [](TestWorld& t) { t.mutable_key("k1").pending_deletion = true; }, "PendingDeletion"},
    {"DisableKeyNeverOnPendingDeletion", "DisableKey", key_k1,
     [](TestWorld& t) { t.mutable_key("k1").pending_deletion = true; }, "PendingDeletion"},
    {"DeleteClusterNeedsZeroHsms", "DeleteCluster", cluster_c1, nothing,
     "2 HSMs that were not DELETED"},
    {"CreateHsmNotWhileInitialized", "CreateHsm",
     [](TestWorld& t) -> Json {
       return {{"ClusterId", t.id("c1")}, {"AvailabilityZone", "us-east-1a"}};
     },
     [](TestWorld& t) { t.mutable_cluster("c1").state = ClusterState::INITIALIZED; },
     "INITIALIZED"},
    {"InitializeClusterOnlyUninitialized", "InitializeCluster", cluster_c1, nothing, "ACTIVE"},
    {"ActivateClusterOnlyInitialized", "cli:ActivateCluster", cluster_c1, nothing, "ACTIVE"},
};

class StateGuardsFire : public ::testing::TestWithParam<GuardCase> {};

TEST_P(StateGuardsFire, OnAnAcceptanceTheStateForbids) {
  const GuardCase& c = GetParam();
  TestWorld t;
  auto m = make_state_guards();
  EXPECT_EQ(m->after_event(t.world()), "");
  c.prepare(t);
  const std::string message = forge_acceptance(*m, t.world(), c.action, c.params(t));
  EXPECT_TRUE(contains(message, std::string(action_named(c.action).name)));
  EXPECT_TRUE(contains(message, c.state_named));
  const Json params = c.params(t);
  const std::string object = params.contains("CustomKeyStoreId")
                                 ? params["CustomKeyStoreId"].get<std::string>()
                             : params.contains("KeyId") ? params["KeyId"].get<std::string>()
                                                        : params["ClusterId"].get<std::string>();
  EXPECT_TRUE(contains(message, object));
}

INSTANTIATE_TEST_SUITE_P(Guards, StateGuardsFire, ::testing::ValuesIn(kGuardCases),
                         [](const auto& info) { return std::string(info.param.rule); });

TEST(StateGuards, FiresWhenAConnectedStoreBecomesDisconnectedWithoutDisconnecting) {
  TestWorld t;
  auto m = make_state_guards();
  EXPECT_EQ(m->after_event(t.world()), "");
  t.mutable_store("ks1").state = ConnectionState::DISCONNECTED;
  const std::string message = m->after_event(t.world());
  EXPECT_TRUE(contains(message, t.id("ks1")));
  EXPECT_TRUE(contains(message, "from CONNECTED to DISCONNECTED"));
}

TEST(StateGuards, FiresWhenAFailedStoreLeavesFailedOtherThanByDisconnect) {
  TestWorld t;
  auto m = make_state_guards();
  EXPECT_EQ(t.call(*m, "ConnectCustomKeyStore", {{"CustomKeyStoreId", t.id("ks2")}}), "");
  CustomKeyStore& ks2 = t.mutable_store("ks2");
  ks2.state = ConnectionState::FAILED;  // CONNECTING -> FAILED is allowed
  ks2.error = ConnectionErrorCode::INTERNAL_ERROR;
  EXPECT_EQ(m->after_event(t.world()), "");
  ks2.state = ConnectionState::CONNECTING;
  ks2.error.reset();
  const std::string message = m->after_event(t.world());
  EXPECT_TRUE(contains(message, t.id("ks2")));
  EXPECT_TRUE(contains(message, "from FAILED to CONNECTING"));
}

// --- failed_has_code -------------------------------------------------------------------------

TEST(FailedHasCode, QuietWhenAFailedConnectSetsItsCode) {
  TestWorld t;
  auto m = make_failed_has_code();
  EXPECT_EQ(t.call(*m, "UpdateCustomKeyStore",
                   {{"CustomKeyStoreId", t.id("ks2")}, {"KeyStorePassword", "wrongPassw0rd"}}),
            "");
  EXPECT_EQ(t.call(*m, "ConnectCustomKeyStore", {{"CustomKeyStoreId", t.id("ks2")}}), "");
  EXPECT_EQ(t.run_for(*m, kMinute * 30), "");
  EXPECT_EQ(t.mutable_store("ks2").state, ConnectionState::FAILED);
}

TEST(FailedHasCode, FiresWhenAStoreIsFailedWithoutACode) {
  TestWorld t;
  auto m = make_failed_has_code();
  t.mutable_store("ks2").state = ConnectionState::FAILED;
  EXPECT_TRUE(contains(m->after_event(t.world()), t.id("ks2")));
}

// --- orphan_accounting -----------------------------------------------------------------------

TEST(OrphanAccounting, QuietWhileKeyDeletionsLeaveOrphans) {
  TestWorld t;
  auto m = make_orphan_accounting();
  // k2 is deleted while ks1 is connected: its backing key leaves the HSMs, not the backups.
  EXPECT_EQ(
      t.call(*m, "CreateKey", {{"CustomKeyStoreId", t.id("ks1")}, {"Origin", "AWS_CLOUDHSM"}}), "");
  const std::string k2 = t.last().response["KeyMetadata"]["KeyId"].get<std::string>();
  EXPECT_EQ(t.run_for(*m, kDay * 2), "");  // k2 reaches a periodic backup
  EXPECT_EQ(t.call(*m, "ScheduleKeyDeletion", {{"KeyId", k2}, {"PendingWindowInDays", 7}}), "");
  EXPECT_EQ(t.run_for(*m, kDay * 9), "");
  // k1 is deleted while ks1 is disconnected: its backing key stays on the HSMs as well.
  EXPECT_EQ(t.call(*m, "DisconnectCustomKeyStore", {{"CustomKeyStoreId", t.id("ks1")}}), "");
  EXPECT_EQ(t.call(*m, "ScheduleKeyDeletion", {{"KeyId", t.id("k1")}, {"PendingWindowInDays", 7}}),
            "");
  EXPECT_EQ(t.run_for(*m, kDay * 9), "");
  const Findings f = find_findings(t.world());
  EXPECT_EQ(f.orphans.size(), 2u);
  EXPECT_EQ(f.orphans_in_clusters(), 1u);
  EXPECT_EQ(f.orphans_in_backups(), 2u);
}

TEST(OrphanAccounting, FiresOnAKeyObjectLabelledWithNoKmsKeysArn) {
  TestWorld t;
  auto m = make_orphan_accounting();
  EXPECT_EQ(m->after_event(t.world()), "");
  const std::string label = "arn:aws:kms:us-east-1:111122223333:key/no-such-key";
  Hsm& hsm = t.mutable_hsm("c1", 0);
  hsm.data.keys[999'999] = HsmKey{999'999, label, "kmsuser", 0, {}};
  const std::string message = within_events(*m, t.world());
  EXPECT_TRUE(contains(message, hsm.id));
  EXPECT_TRUE(contains(message, label));
}

TEST(OrphanAccounting, FiresOnABackupHoldingAnUnknownLabel) {
  TestWorld t;
  auto m = make_orphan_accounting();
  EXPECT_EQ(m->after_event(t.world()), "");
  Backup& backup = t.mutable_world_backup("c2");
  backup.data.keys[999'999] = HsmKey{999'999, "stray", "kmsuser", 0, {}};
  const std::string message = within_events(*m, t.world());
  EXPECT_TRUE(contains(message, backup.id));
  EXPECT_TRUE(contains(message, "stray"));
}

TEST(OrphanAccounting, FiresWhenFindingsDoNotListADeletedKeysMaterial) {
  TestWorld t;
  auto m = make_orphan_accounting();
  EXPECT_EQ(m->after_event(t.world()), "");
  // find_findings only looks at keys in a store; a deleted key outside any store whose
  // material is still held is then missing from the orphan list.
  KmsKey& k1 = t.mutable_key("k1");
  k1.pending_deletion = true;
  k1.deleted = true;
  k1.store.reset();
  const std::string message = within_events(*m, t.world());
  EXPECT_TRUE(contains(message, k1.arn));
  EXPECT_TRUE(contains(message, "does not list it as an orphan"));
}

// --- deletion_window -------------------------------------------------------------------------

TEST(DeletionWindow, QuietWhenAKeyIsDeletedAfterItsWindow) {
  TestWorld t;
  auto m = make_deletion_window();
  EXPECT_EQ(t.call(*m, "ScheduleKeyDeletion", {{"KeyId", "alias/one"}, {"PendingWindowInDays", 7}}),
            "");
  ASSERT_TRUE(t.last().ok) << t.last().exception;
  EXPECT_EQ(t.run_for(*m, kDay * 9), "");
  EXPECT_TRUE(t.mutable_key("k1").deleted);
}

TEST(DeletionWindow, FiresWhenAKeyIsDeletedWithoutBeingPendingDeletion) {
  TestWorld t;
  auto m = make_deletion_window();
  EXPECT_EQ(m->after_event(t.world()), "");
  KmsKey& k1 = t.mutable_key("k1");
  k1.deleted = true;
  k1.deleted_at = t.now();
  const std::string message = within_events(*m, t.world());
  EXPECT_TRUE(contains(message, k1.id));
  EXPECT_TRUE(contains(message, "without having been PendingDeletion"));
}

TEST(DeletionWindow, FiresWhenAKeyIsDeletedBeforeItsDeletionDate) {
  TestWorld t;
  auto m = make_deletion_window();
  EXPECT_EQ(t.call(*m, "ScheduleKeyDeletion", {{"KeyId", t.id("k1")}, {"PendingWindowInDays", 7}}),
            "");
  EXPECT_EQ(t.run_for(*m, kDay), "");
  KmsKey& k1 = t.mutable_key("k1");
  k1.deleted = true;
  k1.deleted_at = t.now();
  const std::string message = within_events(*m, t.world());
  EXPECT_TRUE(contains(message, k1.id));
  EXPECT_TRUE(contains(message, "before its DeletionDate"));
}

TEST(DeletionWindow, FiresWhenTheDeletionDateCutsTheRequestedWindowShort) {
  TestWorld t;
  auto m = make_deletion_window();
  EXPECT_EQ(t.call(*m, "ScheduleKeyDeletion", {{"KeyId", t.id("k1")}, {"PendingWindowInDays", 10}}),
            "");
  EXPECT_EQ(t.run_for(*m, kDay * 8), "");
  KmsKey& k1 = t.mutable_key("k1");
  k1.deletion_date = t.now() - sim::Duration::hours(1);
  k1.deleted = true;
  k1.deleted_at = t.now();
  const std::string message = within_events(*m, t.world());
  EXPECT_TRUE(contains(message, k1.id));
  EXPECT_TRUE(contains(message, "less than 10 days after ScheduleKeyDeletion"));
}

// --- store_delete_empty ----------------------------------------------------------------------

TEST(StoreDeleteEmpty, QuietWhenAnEmptyStoreIsDeleted) {
  TestWorld t;
  auto m = make_store_delete_empty();
  EXPECT_EQ(t.call(*m, "DeleteCustomKeyStore", {{"CustomKeyStoreId", t.id("ks2")}}), "");
  EXPECT_TRUE(t.last().ok) << t.last().exception;
  EXPECT_EQ(t.run_for(*m, kMinute), "");
}

TEST(StoreDeleteEmpty, FiresWhenAStoreIsDeletedWithAKeyLeft) {
  TestWorld t;
  auto m = make_store_delete_empty();
  EXPECT_EQ(m->after_event(t.world()), "");
  t.mutable_store("ks1").deleted = true;
  const std::string message = m->after_event(t.world());
  EXPECT_TRUE(contains(message, t.id("ks1")));
  EXPECT_TRUE(contains(message, t.id("k1")));
}

TEST(StoreDeleteEmpty, FiresWhenTheKeyLeftIsPendingDeletion) {
  TestWorld t;
  auto m = make_store_delete_empty();
  EXPECT_EQ(t.call(*m, "ScheduleKeyDeletion", {{"KeyId", t.id("k1")}}), "");
  t.mutable_store("ks1").deleted = true;
  EXPECT_TRUE(contains(m->after_event(t.world()), t.id("k1") + " (PendingDeletion)"));
}

// --- kmsuser_exclusive -----------------------------------------------------------------------

TEST(KmsuserExclusive, QuietAcrossDisconnectAndReconnect) {
  TestWorld t;
  auto m = make_kmsuser_exclusive();
  const Json ks1{{"CustomKeyStoreId", t.id("ks1")}};
  EXPECT_EQ(m->after_event(t.world()), "");
  EXPECT_EQ(t.call(*m, "cli:Login",
                   {{"ClusterId", t.id("c1")},
                    {"Username", "kmsuser"},
                    {"Password", "kmsPassw0rd"},
                    {"Role", "CU"}}),
            "");
  EXPECT_EQ(t.last().exception, "HsmUserAlreadyLoggedIn");
  EXPECT_EQ(t.call(*m, "DisconnectCustomKeyStore", ks1), "");
  EXPECT_EQ(t.run_for(*m, kMinute), "");
  EXPECT_EQ(t.call(*m, "ConnectCustomKeyStore", ks1), "");
  EXPECT_EQ(t.run_for(*m, kMinute * 30), "");
  EXPECT_EQ(t.mutable_store("ks1").state, ConnectionState::CONNECTED);
}

TEST(KmsuserExclusive, FiresWhenSomeoneElseHoldsKmsuserWhileConnected) {
  TestWorld t;
  auto m = make_kmsuser_exclusive();
  EXPECT_EQ(m->after_event(t.world()), "");
  t.mutable_cluster("c1").sessions[kKmsUser] = "operator";  // the number of sessions stays
  const std::string message = within_events(*m, t.world());
  EXPECT_TRUE(contains(message, t.id("ks1")));
  EXPECT_TRUE(contains(message, t.id("c1")));
  EXPECT_TRUE(contains(message, "held by operator"));
}

TEST(KmsuserExclusive, FiresWhenNobodyHoldsKmsuserWhileConnected) {
  TestWorld t;
  auto m = make_kmsuser_exclusive();
  t.mutable_cluster("c1").sessions.erase(kKmsUser);
  EXPECT_TRUE(contains(m->after_event(t.world()), "nobody holds the kmsuser session"));
}

TEST(KmsuserExclusive, FiresWhenKmsKeepsTheSessionOfAStoreNoLongerConnected) {
  TestWorld t;
  auto m = make_kmsuser_exclusive();
  t.mutable_store("ks1").state = ConnectionState::DISCONNECTED;
  const std::string message = m->after_event(t.world());
  EXPECT_TRUE(contains(message, t.id("ks1")));
  EXPECT_TRUE(contains(message, "DISCONNECTED"));
}

// --- the set of monitors ---------------------------------------------------------------------

TEST(Monitors, EveryMonitorIsAnInvariantNameOfTheScenarioFormat) {
  const std::vector<std::string> names = monitor_names();
  EXPECT_EQ(names.size(), 11u);
  for (const std::string& name : names) {
    const auto& known = scenario::invariant_names();
    EXPECT_NE(std::find(known.begin(), known.end(), name), known.end()) << name;
  }
}

TEST(Monitors, SelectionAllEnablesEveryMonitor) {
  TestWorld t;
  const Monitors monitors(t.world(), scenario::InvariantSelection{});
  EXPECT_EQ(monitors.enabled(), monitor_names());
}

TEST(Monitors, SelectionOnlyEnablesTheListedOnes) {
  TestWorld t;
  scenario::InvariantSelection only;
  only.mode = scenario::InvariantSelection::Mode::Only;
  only.names = {"deletion_window", "lineage_update"};
  const Monitors monitors(t.world(), only);
  EXPECT_EQ(monitors.enabled(), (std::vector<std::string>{"lineage_update", "deletion_window"}));
}

TEST(Monitors, SelectionExceptLeavesTheListedOnesOut) {
  TestWorld t;
  scenario::InvariantSelection except;
  except.mode = scenario::InvariantSelection::Mode::Except;
  except.names = {"state_guards", "orphan_accounting"};
  const Monitors monitors(t.world(), except);
  std::vector<std::string> expected = monitor_names();
  std::erase(expected, "state_guards");
  std::erase(expected, "orphan_accounting");
  EXPECT_EQ(monitors.enabled(), expected);
}

TEST(Monitors, ReportEachBrokenRuleUnderItsName) {
  TestWorld t;
  Monitors monitors(t.world(), scenario::InvariantSelection{});
  monitors.after_event();
  EXPECT_TRUE(monitors.violations().empty());
  // DISCONNECTED -> FAILED without a code breaks two rules at once.
  t.mutable_store("ks2").state = ConnectionState::FAILED;
  monitors.after_event();
  std::vector<std::string> rules;
  for (const Violation& v : monitors.violations()) {
    rules.push_back(v.invariant);
    EXPECT_TRUE(contains(v.message, t.id("ks2")));
    EXPECT_EQ(v.time, t.now());
  }
  EXPECT_EQ(rules, (std::vector<std::string>{"state_guards", "failed_has_code"}));
}

TEST(Monitors, OnlyTheSelectedMonitorsReport) {
  TestWorld t;
  scenario::InvariantSelection except;
  except.mode = scenario::InvariantSelection::Mode::Except;
  except.names = {"state_guards"};
  Monitors monitors(t.world(), except);
  t.mutable_store("ks2").state = ConnectionState::FAILED;
  monitors.after_event();
  ASSERT_EQ(monitors.violations().size(), 1u);
  EXPECT_EQ(monitors.violations().front().invariant, "failed_has_code");
}

// --- a whole normal life, one monitor at a time ----------------------------------------------

// Keys created and deleted (connected and not), a failed connect left by Disconnect, a store
// moved to a cluster restored from its backup, refused calls, an HSM failure and its
// replacement, orphans on HSMs and in backups.
constexpr const char* kNormalLifeYaml = R"(version: 1
name: invariants-normal-life
seed: 5
world:
  clusters:
    - name: c1
      azs: [us-east-1a, us-east-1b]
      state: ACTIVE
      hsms: [us-east-1a, us-east-1b]
      users: [{name: admin, role: CO, password: adminPassw0rd},
              {name: kmsuser, role: CU, password: kmsPassw0rd}]
    - name: c2
      azs: [us-east-1a, us-east-1b]
      state: ACTIVE
      hsms: [us-east-1a, us-east-1b]
      users: [{name: admin, role: CO, password: adminPassw0rd},
              {name: kmsuser, role: CU, password: kmsPassw0rd}]
  key_stores:
    - {name: ks1, cluster: c1, password: kmsPassw0rd, state: CONNECTED}
    - {name: ks2, cluster: c2, password: wrongPassw0rd}
  keys:
    - {name: k1, key_store: ks1, alias: alias/one}
steps:
  - call: CreateKey
    with: {CustomKeyStoreId: ks1, Origin: AWS_CLOUDHSM}
    as: k2
    expect: ok
  - call: CreateKey
    with: {CustomKeyStoreId: ks2, Origin: AWS_CLOUDHSM}
    expect: {error: CustomKeyStoreInvalidStateException}
  - call: ConnectCustomKeyStore
    with: {CustomKeyStoreId: ks2}
    expect: ok
  - wait: {key_store: ks2, ConnectionState: FAILED}
  - call: ConnectCustomKeyStore
    with: {CustomKeyStoreId: ks2}
    expect: {error: CustomKeyStoreInvalidStateException}
  - call: DisconnectCustomKeyStore
    with: {CustomKeyStoreId: ks2}
    expect: ok
  - wait: {key_store: ks2, ConnectionState: DISCONNECTED}
  - call: UpdateCustomKeyStore
    with: {CustomKeyStoreId: ks2, KeyStorePassword: kmsPassw0rd}
    expect: ok
  - wait: {backup_of: c2, BackupState: READY}
    as: b2
  - call: CreateCluster
    with: {SubnetIds: [us-east-1a, us-east-1b], SourceBackupId: b2}
    as: c3
    expect: ok
  - wait: {cluster: c3, State: UNINITIALIZED}
  - call: CreateHsm
    with: {ClusterId: c3, AvailabilityZone: us-east-1a}
    expect: ok
  - call: CreateHsm
    with: {ClusterId: c3, AvailabilityZone: us-east-1b}
    expect: ok
  - wait: {cluster: c3, active_hsms: 2}
  - call: CreateCustomKeyStore
    with: {CustomKeyStoreName: ks3, CloudHsmClusterId: c3, TrustAnchorCertificate: c3,
           KeyStorePassword: kmsPassw0rd}
    expect: {error: CloudHsmClusterInUseException}
  - call: UpdateCustomKeyStore
    with: {CustomKeyStoreId: ks2, CloudHsmClusterId: c1}
    expect: {error: CloudHsmClusterNotRelatedException}
  - call: UpdateCustomKeyStore
    with: {CustomKeyStoreId: ks2, CloudHsmClusterId: c3}
    expect: ok
  - call: ConnectCustomKeyStore
    with: {CustomKeyStoreId: ks2}
    expect: ok
  - wait: {key_store: ks2, ConnectionState: CONNECTED}
  - call: cli:Login
    with: {ClusterId: c3, Username: kmsuser, Password: kmsPassw0rd, Role: CU}
    expect: {error: HsmUserAlreadyLoggedIn}
  - call: CreateKey
    with: {CustomKeyStoreId: ks2, Origin: AWS_CLOUDHSM}
    as: k3
    expect: ok
  - call: ScheduleKeyDeletion
    with: {KeyId: alias/one, PendingWindowInDays: 7}
    expect: ok
  - call: DisableKey
    with: {KeyId: k1}
    expect: {error: KMSInvalidStateException}
  - call: CancelKeyDeletion
    with: {KeyId: k1}
    expect: ok
  - call: EnableKey
    with: {KeyId: k1}
    expect: ok
  - call: ScheduleKeyDeletion
    with: {KeyId: k1, PendingWindowInDays: 7}
    expect: ok
  - wait: {duration: 2d}
  - call: DisconnectCustomKeyStore
    with: {CustomKeyStoreId: ks2}
    expect: ok
  - wait: {key_store: ks2, ConnectionState: DISCONNECTED}
  - call: ScheduleKeyDeletion
    with: {KeyId: k3, PendingWindowInDays: 7}
    expect: ok
  - call: DeleteCustomKeyStore
    with: {CustomKeyStoreId: ks2}
    expect: {error: CustomKeyStoreHasCMKsException}
  - wait: {duration: 9d}
  - check:
      orphans: {count: 2, in_clusters: 1, in_backups: 2}
  - call: DeleteCustomKeyStore
    with: {CustomKeyStoreId: ks2}
    expect: ok
  - call: DeleteCluster
    with: {ClusterId: c2}
    expect: {error: CloudHsmInvalidRequestException}
  - call: InitializeCluster
    with: {ClusterId: c1, TrustAnchor: anchor, SignedCert: cert}
    expect: {error: CloudHsmInvalidRequestException}
  - call: cli:ActivateCluster
    with: {ClusterId: c1, NewPassword: newPassw0rd}
    expect: {error: CloudHsmInvalidRequestException}
  - fault: {hsm_failure: {cluster: c1, az: us-east-1a}}
  - call: CreateKey
    with: {CustomKeyStoreId: ks1, Origin: AWS_CLOUDHSM}
    expect: {error: CloudHsmClusterInvalidConfigurationException}
  - wait: {duration: 20m}
  - check:
      cluster c1: {active_hsms: 2}
  - call: CreateKey
    with: {CustomKeyStoreId: ks1, Origin: AWS_CLOUDHSM}
    expect: ok
  - check:
      key_store ks1: {ConnectionState: CONNECTED}
      invariants: {violations: 0}
)";

class NormalLife : public ::testing::TestWithParam<std::string> {};

TEST_P(NormalLife, KeepsTheMonitorQuiet) {
  scenario::Scenario s = scenario::load_scenario_text(kNormalLifeYaml, "normal_life.yaml");
  s.invariants.mode = scenario::InvariantSelection::Mode::Only;
  s.invariants.names = {GetParam()};
  check_scenario(s);
  const RunOutcome outcome = run_scenario(s, RunSettings{});
  const Json& invariants = outcome.summary["invariants"];
  EXPECT_EQ(invariants["enabled"], Json::array({GetParam()}));
  EXPECT_TRUE(invariants["violations"].empty()) << invariants["violations"].dump(2);
  EXPECT_TRUE(outcome.passed) << outcome.summary["steps"].dump(2);
}

INSTANTIATE_TEST_SUITE_P(EachMonitor, NormalLife, ::testing::ValuesIn(monitor_names()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace hsmsim::model
