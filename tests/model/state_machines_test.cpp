// The state machines of the model, transition by transition, against the tables of the facts
// file: cluster, HSM, backup, custom key store connection and KMS key states.
//
//   Cluster: CREATE_IN_PROGRESS -> UNINITIALIZED -> INITIALIZE_IN_PROGRESS -> INITIALIZED
//            -> ACTIVE (activation); DeleteCluster (no HSMs): DELETE_IN_PROGRESS -> DELETED
//   HSM:     CREATE_IN_PROGRESS -> ACTIVE; failure -> DEGRADED; DELETE_IN_PROGRESS -> DELETED
//   Backup:  CREATE_IN_PROGRESS -> READY -> PENDING_DELETION -> DELETED (or back to READY)
//   Store:   DISCONNECTED -> CONNECTING -> CONNECTED | FAILED; CONNECTED|FAILED|CONNECTING
//            -> DISCONNECTING -> DISCONNECTED
//   Key:     Enabled <-> Disabled; -> PendingDeletion -> (Cancel) Disabled; Unavailable while
//            the store is not connected
#include <gtest/gtest.h>

#include "model/world.h"

namespace hsmsim::model {
namespace {

using sim::Duration;

constexpr const char* kWorld = R"(
version: 1
name: state-machines
timing: {CreateCluster: 3m, CreateHsm: 10m, DeleteHsm: 2m, DeleteCluster: 2m,
         InitializeCluster: 5m, backup: 5m, ConnectCustomKeyStore: 10m,
         DisconnectCustomKeyStore: 30s, deletion_lag: 1h}
world:
  clusters:
    - name: c1
      azs: [us-east-1a, us-east-1b]
      state: ACTIVE
      hsms: [us-east-1a, us-east-1b]
      users: [{name: admin, role: CO, password: adminPassw0rd},
              {name: kmsuser, role: CU, password: kmsPassw0rd}]
  key_stores:
    - {name: ks1, cluster: c1, password: kmsPassw0rd, state: CONNECTED}
  keys:
    - {name: k1, key_store: ks1}
)";

class StateMachines : public ::testing::Test {
 protected:
  StateMachines()
      : scenario_(scenario::load_scenario_text(kWorld, "state-machines.yaml")),
        world_(engine_, trace_, scenario_, 1) {}

  ApiResult call(std::string_view action, Json params) {
    const ActionInfo* a = find_action("", action);
    if (!a) a = find_action("cli", action);
    EXPECT_NE(a, nullptr) << action;
    return world_.call(*a, params, "");
  }
  void advance(Duration d) { engine_.run_until(engine_.now() + d); }
  std::string id(const std::string& name) { return world_.names().at(name).id; }
  const Cluster& cluster(const std::string& cluster_id) {
    return *world_.cloudhsm().cluster_record(cluster_id);
  }
  const CustomKeyStore& store() { return *world_.kms().find_store(id("ks1")); }
  KeyState key_state() { return world_.kms().key_state(*world_.kms().find_key(id("k1"))); }

  sim::Engine engine_;
  sim::Trace trace_;
  scenario::Scenario scenario_;
  World world_;
};

TEST_F(StateMachines, ClusterGoesFromCreateToActiveThroughInitializeAndActivate) {
  const ApiResult created = call("CreateCluster", {{"SubnetIds", {"us-east-1a", "us-east-1b"}}});
  ASSERT_TRUE(created.ok);
  const std::string c = created.response["Cluster"]["ClusterId"];
  EXPECT_EQ(cluster(c).state, ClusterState::CREATE_IN_PROGRESS);
  EXPECT_FALSE(call("CreateHsm", {{"ClusterId", c}, {"AvailabilityZone", "us-east-1a"}}).ok);
  advance(Duration::minutes(3));
  EXPECT_EQ(cluster(c).state, ClusterState::UNINITIALIZED);
  // Initialization needs an HSM (the CSR exists only then).
  EXPECT_EQ(call("InitializeCluster", {{"ClusterId", c}, {"SignedCert", "s"}, {"TrustAnchor", "t"}})
                .exception,
            "CloudHsmInvalidRequestException");
  ASSERT_TRUE(call("CreateHsm", {{"ClusterId", c}, {"AvailabilityZone", "us-east-1a"}}).ok);
  advance(Duration::minutes(10));
  ASSERT_TRUE(
      call("InitializeCluster", {{"ClusterId", c}, {"SignedCert", "s"}, {"TrustAnchor", "t"}}).ok);
  EXPECT_EQ(cluster(c).state, ClusterState::INITIALIZE_IN_PROGRESS);
  EXPECT_FALSE(call("ActivateCluster", {{"ClusterId", c}, {"NewPassword", "officerPw1"}}).ok);
  advance(Duration::minutes(5));
  EXPECT_EQ(cluster(c).state, ClusterState::INITIALIZED);
  ASSERT_TRUE(call("ActivateCluster", {{"ClusterId", c}, {"NewPassword", "officerPw1"}}).ok);
  EXPECT_EQ(cluster(c).state, ClusterState::ACTIVE);
}

TEST_F(StateMachines, DeleteClusterNeedsZeroHsmsThenGoesThroughDeleteInProgress) {
  const std::string c = id("c1");
  EXPECT_EQ(call("DeleteCluster", {{"ClusterId", c}}).exception, "CloudHsmInvalidRequestException");
  const Json described = world_.cloudhsm().describe_cluster(cluster(c));
  for (const Json& h : described["Hsms"]) {
    ASSERT_TRUE(call("DeleteHsm", {{"ClusterId", c}, {"HsmId", h["HsmId"]}}).ok);
  }
  advance(Duration::minutes(2));
  ASSERT_TRUE(call("DeleteCluster", {{"ClusterId", c}}).ok);
  EXPECT_EQ(cluster(c).state, ClusterState::DELETE_IN_PROGRESS);
  advance(Duration::minutes(2));
  EXPECT_EQ(cluster(c).state, ClusterState::DELETED);
  EXPECT_EQ(world_.cloudhsm().find_cluster(c), nullptr);  // a DELETED cluster is gone
}

TEST_F(StateMachines, HsmIsCreatedActiveFailsToDegradedAndIsReplaced) {
  const std::string c = id("c1");
  const ApiResult created =
      call("CreateHsm", {{"ClusterId", c}, {"AvailabilityZone", "us-east-1b"}});
  ASSERT_TRUE(created.ok);
  const std::string h = created.response["Hsm"]["HsmId"];
  EXPECT_EQ(world_.cloudhsm().find_hsm(h)->state, HsmState::CREATE_IN_PROGRESS);
  advance(Duration::minutes(10));
  EXPECT_EQ(world_.cloudhsm().find_hsm(h)->state, HsmState::ACTIVE);
  ASSERT_TRUE(world_.cloudhsm().fail_hsm(c, std::nullopt, h, true).ok);
  EXPECT_FALSE(world_.cloudhsm().find_hsm(h)->is_active_and_serving());
  advance(Duration::minutes(2));  // failure_detection
  EXPECT_EQ(world_.cloudhsm().find_hsm(h)->state, HsmState::DELETE_IN_PROGRESS);
  advance(Duration::minutes(10));
  EXPECT_EQ(world_.cloudhsm().find_hsm(h)->state, HsmState::DELETED);
  EXPECT_EQ(world_.cloudhsm().active_hsm_count(cluster(c)), 3u);  // 2 + the replacement
}

TEST_F(StateMachines, BackupBecomesReadyPendingDeletionAndIsRestoredOrPurged) {
  const std::string c = id("c1");
  ASSERT_TRUE(call("CreateHsm", {{"ClusterId", c}, {"AvailabilityZone", "us-east-1a"}}).ok);
  advance(Duration::minutes(10));  // the add takes a backup
  const Backup* add = nullptr;
  for (const auto& b : world_.cloudhsm().backups()) {
    if (b->trigger == "hsm_add") add = b.get();
  }
  ASSERT_NE(add, nullptr);
  EXPECT_EQ(add->state, BackupState::CREATE_IN_PROGRESS);
  advance(Duration::minutes(5));
  EXPECT_EQ(add->state, BackupState::READY);
  ASSERT_TRUE(call("DeleteBackup", {{"BackupId", add->id}}).ok);
  EXPECT_EQ(add->state, BackupState::PENDING_DELETION);
  ASSERT_TRUE(call("RestoreBackup", {{"BackupId", add->id}}).ok);
  EXPECT_EQ(add->state, BackupState::READY);
  ASSERT_TRUE(call("DeleteBackup", {{"BackupId", add->id}}).ok);
  advance(Duration::days(7));
  EXPECT_EQ(add->state, BackupState::DELETED);
  EXPECT_EQ(call("RestoreBackup", {{"BackupId", add->id}}).exception,
            "CloudHsmResourceNotFoundException");
}

TEST_F(StateMachines, StoreDisconnectsAndConnectsAgain) {
  const Json ks{{"CustomKeyStoreId", id("ks1")}};
  EXPECT_EQ(store().state, ConnectionState::CONNECTED);
  ASSERT_TRUE(call("DisconnectCustomKeyStore", ks).ok);
  EXPECT_EQ(store().state, ConnectionState::DISCONNECTING);
  EXPECT_EQ(call("ConnectCustomKeyStore", ks).exception, "CustomKeyStoreInvalidStateException");
  EXPECT_EQ(call("DisconnectCustomKeyStore", ks).exception, "CustomKeyStoreInvalidStateException");
  advance(Duration::seconds(30));
  EXPECT_EQ(store().state, ConnectionState::DISCONNECTED);
  EXPECT_EQ(call("DisconnectCustomKeyStore", ks).exception, "CustomKeyStoreInvalidStateException");
  ASSERT_TRUE(call("ConnectCustomKeyStore", ks).ok);
  EXPECT_EQ(store().state, ConnectionState::CONNECTING);
  advance(Duration::minutes(10));
  EXPECT_EQ(store().state, ConnectionState::CONNECTED);
  EXPECT_FALSE(store().error.has_value());
}

TEST_F(StateMachines, FailedIsLeftOnlyByDisconnect) {
  const Json ks{{"CustomKeyStoreId", id("ks1")}};
  ASSERT_TRUE(call("DisconnectCustomKeyStore", ks).ok);
  advance(Duration::seconds(30));
  // Tell KMS a wrong password: the next connect fails with INVALID_CREDENTIALS.
  ASSERT_TRUE(call("UpdateCustomKeyStore",
                   {{"CustomKeyStoreId", id("ks1")}, {"KeyStorePassword", "wrongPassw0rd"}})
                  .ok);
  ASSERT_TRUE(call("ConnectCustomKeyStore", ks).ok);
  advance(Duration::minutes(10));
  EXPECT_EQ(store().state, ConnectionState::FAILED);
  ASSERT_TRUE(store().error.has_value());
  EXPECT_EQ(*store().error, ConnectionErrorCode::INVALID_CREDENTIALS);
  EXPECT_EQ(call("ConnectCustomKeyStore", ks).exception, "CustomKeyStoreInvalidStateException");
  advance(Duration::hours(1));
  EXPECT_EQ(store().state, ConnectionState::FAILED);  // FAILED is sticky
  ASSERT_TRUE(call("DisconnectCustomKeyStore", ks).ok);
  EXPECT_FALSE(store().error.has_value());
  advance(Duration::seconds(30));
  EXPECT_EQ(store().state, ConnectionState::DISCONNECTED);
}

TEST_F(StateMachines, KeyStatesFollowCallsAndTheStoreConnection) {
  const Json k{{"KeyId", id("k1")}};
  EXPECT_EQ(key_state(), KeyState::Enabled);
  ASSERT_TRUE(call("DisableKey", k).ok);
  EXPECT_EQ(key_state(), KeyState::Disabled);
  ASSERT_TRUE(call("EnableKey", k).ok);
  EXPECT_EQ(key_state(), KeyState::Enabled);
  ASSERT_TRUE(call("DisconnectCustomKeyStore", {{"CustomKeyStoreId", id("ks1")}}).ok);
  EXPECT_EQ(key_state(), KeyState::Unavailable);
  ASSERT_TRUE(call("DisableKey", k).ok);  // deferred until the store connects again
  EXPECT_EQ(key_state(), KeyState::Unavailable);
  Json schedule = k;
  schedule["PendingWindowInDays"] = 7;
  ASSERT_TRUE(call("ScheduleKeyDeletion", schedule).ok);
  EXPECT_EQ(key_state(), KeyState::PendingDeletion);  // never hidden by Unavailable
  EXPECT_EQ(call("EnableKey", k).exception, "KMSInvalidStateException");
  ASSERT_TRUE(call("CancelKeyDeletion", k).ok);
  EXPECT_EQ(call("CancelKeyDeletion", k).exception, "KMSInvalidStateException");
  advance(Duration::seconds(30));
  ASSERT_TRUE(call("ConnectCustomKeyStore", {{"CustomKeyStoreId", id("ks1")}}).ok);
  advance(Duration::minutes(10));
  EXPECT_EQ(key_state(), KeyState::Disabled);  // cancelled deletion leaves it Disabled
}

TEST_F(StateMachines, KeyIsDeletedOnlyAfterItsWindowAndLag) {
  const Json k{{"KeyId", id("k1")}, {"PendingWindowInDays", 7}};
  ASSERT_TRUE(call("ScheduleKeyDeletion", k).ok);
  advance(Duration::days(7) - Duration::seconds(1));
  EXPECT_NE(world_.kms().find_key(id("k1")), nullptr);
  advance(Duration::hours(2));  // window end + deletion_lag (1h here)
  EXPECT_EQ(world_.kms().find_key(id("k1")), nullptr);
}

}  // namespace
}  // namespace hsmsim::model
