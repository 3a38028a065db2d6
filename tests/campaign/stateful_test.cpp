// RapidCheck stateful tests (rapidcheck/state.h): random sequences of commands — every action
// with valid and invalid arguments, advances of virtual time and faults — are built into a
// program, rendered with a check of the reference model's observable state after every
// command, and run on the simulator. After each command the simulator's answer and observable
// state must match the reference model's, and every invariant must hold; RapidCheck shrinks a
// failing sequence to a short one.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>
#include <rapidcheck/state.h>

#include <string>
#include <vector>

#include "campaign/program.h"
#include "model/runner/runner.h"
#include "model/scenario/scenario.h"

namespace hsmsim::campaign {
namespace {

constexpr const char* kAllowAll =
    R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*",)"
    R"("Action":"kms:*","Resource":"*"}]})";

std::string anchor(const std::string& name) {
  return "-----BEGIN CERTIFICATE-----\nanchor-" + name + "\n-----END CERTIFICATE-----\n";
}

// What the commands may refer to: names of the world and of objects created so far.
struct Names {
  std::vector<std::string> world_clusters, clusters, stores, keys, blobs, describes;
  std::vector<std::pair<std::string, std::string>> hsms;  // (HSM, its cluster)
  int next = 0;
  int64_t pending_after_ns = 0;  // an Advance folds into the next command's `after:`
};

using Step = rc::state::Command<Names, Program>;
using Cmd = hsmsim::campaign::Command;  // inside a Step, "Command" names RapidCheck's

// Every command appends one campaign::Command to the program under test.
struct Append : Step {
  Cmd command;
  explicit Append(const Names& n) { command.after_ns = n.pending_after_ns; }
  void apply(Names& n) const override {
    n.pending_after_ns = 0;
    ++n.next;
  }
  void run(const Names&, Program& p) const override { p.commands.push_back(command); }
  void show(std::ostream& os) const override {
    os << (command.kind == Cmd::Kind::Fault ? "fault " + command.fault : command.action);
  }
  std::string fresh(const Names& n, const char* prefix) const {
    return prefix + std::to_string(n.next);
  }
};

template <typename T>
T pick(const std::vector<T>& items) {
  return *rc::gen::elementOf(items);
}

Arg store_ref(const Names& n) {
  if (n.stores.empty() || *rc::gen::inRange(0, 10) == 0) {
    return Arg::ref("cks-doesnotexist0", ObjKind::Store);
  }
  return Arg::ref(pick(n.stores), ObjKind::Store);
}
Arg cluster_ref(const Names& n) {
  if (*rc::gen::inRange(0, 10) == 0) return Arg::ref("cluster-doesnotexist", ObjKind::Cluster);
  return Arg::ref(pick(n.clusters), ObjKind::Cluster);
}
Arg key_ref(const Names& n) {
  const int r = *rc::gen::inRange(0, 10);
  if (n.keys.empty() || r == 0)
    return Arg::ref("1234abcd-0000-4000-8000-000000000000", ObjKind::Key);
  if (r == 1) return Arg::lit("alias/app");
  return Arg::ref(pick(n.keys), ObjKind::Key);
}
Json context() {
  return pick(std::vector<Json>{Json::object(), Json{{"app", "web"}}, Json{{"a", "bc"}},
                                Json{{"ab", "c"}}});
}

struct StoreCall : Append {
  explicit StoreCall(const Names& n) : Append(n) {
    command.action = pick(std::vector<std::string>{
        "CreateCustomKeyStore", "DescribeCustomKeyStores", "ConnectCustomKeyStore",
        "ConnectCustomKeyStore", "DisconnectCustomKeyStore", "UpdateCustomKeyStore",
        "DeleteCustomKeyStore"});
    if (command.action == "CreateCustomKeyStore") {
      const Arg cluster = cluster_ref(n);
      command.params = {
          {"CustomKeyStoreName",
           Arg::lit(*rc::gen::inRange(0, 4) == 0 && !n.stores.empty() ? pick(n.stores)
                                                                      : fresh(n, "store-"))},
          {"CloudHsmClusterId", cluster},
          {"TrustAnchorCertificate",
           Arg::lit(*rc::gen::inRange(0, 5) == 0 ? anchor("wrong") : anchor(cluster.name))},
          {"KeyStorePassword", Arg::lit(pick(std::vector<std::string>{"kmsPassw0rd", "kmsPassw0rd",
                                                                      "otherPassw0rd", "short"}))}};
      command.as = fresh(n, "nks");
    } else if (command.action == "UpdateCustomKeyStore") {
      command.params = {{"CustomKeyStoreId", store_ref(n)}};
      if (*rc::gen::arbitrary<bool>()) {
        command.params.emplace_back("NewCustomKeyStoreName", Arg::lit(fresh(n, "renamed-")));
      }
      if (*rc::gen::arbitrary<bool>()) {
        command.params.emplace_back(
            "KeyStorePassword",
            Arg::lit(pick(std::vector<std::string>{"kmsPassw0rd", "otherPassw0rd", "short"})));
      }
      if (*rc::gen::arbitrary<bool>())
        command.params.emplace_back("CloudHsmClusterId", cluster_ref(n));
    } else {
      command.params = {{"CustomKeyStoreId", store_ref(n)}};
    }
  }
  void apply(Names& n) const override {
    if (command.as) n.stores.push_back(*command.as);
    Append::apply(n);
  }
};

struct KeyCall : Append {
  explicit KeyCall(const Names& n) : Append(n) {
    command.action = pick(std::vector<std::string>{"CreateKey",
                                                   "CreateKey",
                                                   "CreateKey",
                                                   "DescribeKey",
                                                   "EnableKey",
                                                   "DisableKey",
                                                   "ScheduleKeyDeletion",
                                                   "ScheduleKeyDeletion",
                                                   "CancelKeyDeletion",
                                                   "CreateAlias",
                                                   "DeleteAlias",
                                                   "UpdateAlias",
                                                   "ListAliases",
                                                   "TagResource",
                                                   "UntagResource",
                                                   "ListResourceTags",
                                                   "UpdateKeyDescription",
                                                   "PutKeyPolicy",
                                                   "GetKeyPolicy",
                                                   "EnableKeyRotation",
                                                   "DisableKeyRotation",
                                                   "GetKeyRotationStatus",
                                                   "GetParametersForImport",
                                                   "ImportKeyMaterial",
                                                   "ListKeys"});
    const std::string& a = command.action;
    if (a == "CreateKey") {
      const int r = *rc::gen::inRange(0, 10);
      if (r < 7) {
        command.params = {{"CustomKeyStoreId", store_ref(n)}, {"Origin", Arg::lit("AWS_CLOUDHSM")}};
      } else if (r == 7) {
        command.params = {{"Origin", Arg::lit("AWS_CLOUDHSM")}};  // no store: invalid
      } else if (r == 8) {
        command.params = {{"CustomKeyStoreId", store_ref(n)},
                          {"Origin", Arg::lit("AWS_CLOUDHSM")},
                          {"KeySpec", Arg::lit("RSA_2048")}};
      }
      command.as = fresh(n, "nk");
    } else if (a == "ScheduleKeyDeletion") {
      command.params = {{"KeyId", key_ref(n)},
                        {"PendingWindowInDays", Arg::lit(pick(std::vector<int>{7, 7, 30, 6, 31}))}};
    } else if (a == "CreateAlias" || a == "UpdateAlias") {
      command.params = {{"AliasName", Arg::lit(pick(std::vector<std::string>{
                                          "alias/app", "alias/k1", "alias/aws/x", "badname"}))},
                        {"TargetKeyId", key_ref(n)}};
    } else if (a == "DeleteAlias") {
      command.params = {
          {"AliasName", Arg::lit(pick(std::vector<std::string>{"alias/app", "alias/k1"}))}};
    } else if (a == "TagResource") {
      command.params = {
          {"KeyId", key_ref(n)},
          {"Tags", Arg::lit(*rc::gen::arbitrary<bool>()
                                ? Json::array({Json{{"TagKey", "env"}, {"TagValue", "t"}}})
                                : Json::array({Json{{"TagValue", "t"}}}))}};
    } else if (a == "UntagResource") {
      command.params = {{"KeyId", key_ref(n)}, {"TagKeys", Arg::lit(Json::array({"env"}))}};
    } else if (a == "UpdateKeyDescription") {
      command.params = {{"KeyId", key_ref(n)}, {"Description", Arg::lit("described")}};
    } else if (a == "PutKeyPolicy") {
      command.params = {{"KeyId", key_ref(n)},
                        {"Policy", Arg::lit(*rc::gen::arbitrary<bool>() ? kAllowAll : "{oops")}};
    } else if (a != "ListKeys") {
      command.params = {{"KeyId", key_ref(n)}};
    }
  }
  void apply(Names& n) const override {
    if (command.as) n.keys.push_back(*command.as);
    Append::apply(n);
  }
};

struct CryptoCall : Append {
  explicit CryptoCall(const Names& n) : Append(n) {
    std::vector<std::string> actions = {"Encrypt", "GenerateDataKey",
                                        "GenerateDataKeyWithoutPlaintext", "GenerateRandom"};
    if (!n.blobs.empty()) {
      actions.insert(actions.end(), {"Decrypt", "Decrypt", "ReEncrypt"});
    }
    command.action = pick(actions);
    const std::string& a = command.action;
    const Json ctx = context();
    auto with_context = [&](const char* name, const Json& c) {
      if (!c.empty()) command.params.emplace_back(name, Arg::lit(c));
    };
    if (a == "Encrypt") {
      command.params = {
          {"KeyId", key_ref(n)},
          {"Plaintext", Arg::lit(pick(std::vector<std::string>{"hello", "data", ""}))}};
      with_context("EncryptionContext", ctx);
      command.as = fresh(n, "ct");
    } else if (a == "GenerateDataKey" || a == "GenerateDataKeyWithoutPlaintext") {
      command.params = {{"KeyId", key_ref(n)}};
      if (*rc::gen::arbitrary<bool>()) {
        command.params.emplace_back(
            "KeySpec", Arg::lit(pick(std::vector<std::string>{"AES_256", "AES_128", "AES_512"})));
      } else {
        command.params.emplace_back("NumberOfBytes", Arg::lit(*rc::gen::inRange(0, 1026)));
      }
      with_context("EncryptionContext", ctx);
      command.as = fresh(n, "ct");
    } else if (a == "GenerateRandom") {
      command.params = {{"NumberOfBytes", Arg::lit(*rc::gen::inRange(0, 1026))}};
      if (*rc::gen::arbitrary<bool>())
        command.params.emplace_back("CustomKeyStoreId", store_ref(n));
    } else if (a == "Decrypt") {
      command.params = {{"CiphertextBlob", Arg::ref(pick(n.blobs), ObjKind::Blob)}};
      with_context("EncryptionContext", ctx);
      if (*rc::gen::inRange(0, 5) == 0) command.params.emplace_back("KeyId", key_ref(n));
    } else {
      command.params = {{"CiphertextBlob", Arg::ref(pick(n.blobs), ObjKind::Blob)},
                        {"DestinationKeyId", key_ref(n)}};
      with_context("SourceEncryptionContext", ctx);
      with_context("DestinationEncryptionContext", context());
      command.as = fresh(n, "ct");
    }
  }
  void apply(Names& n) const override {
    if (command.as) n.blobs.push_back(*command.as);
    Append::apply(n);
  }
};

struct ClusterCall : Append {
  explicit ClusterCall(const Names& n) : Append(n) {
    command.action = pick(std::vector<std::string>{
        "CreateCluster", "CreateCluster", "DescribeClusters", "InitializeCluster", "DeleteCluster",
        "ModifyCluster", "CreateHsm", "CreateHsm", "DeleteHsm", "DescribeBackups",
        "DescribeBackups", "DeleteBackup", "RestoreBackup", "CopyBackupToRegion",
        "ModifyBackupAttributes"});
    const std::string& a = command.action;
    auto backup = [&]() {
      return n.describes.empty() || *rc::gen::inRange(0, 8) == 0
                 ? Arg::lit("backup-doesnotexist")
                 : Arg::first_backup_of(pick(n.describes));
    };
    if (a == "CreateCluster") {
      command.params = {{"SubnetIds", Arg::lit(*rc::gen::inRange(0, 8) == 0
                                                   ? Json::array({"us-east-1a", "us-east-1a"})
                                                   : Json::array({"us-east-1a", "us-east-1b"}))}};
      if (*rc::gen::arbitrary<bool>()) command.params.emplace_back("SourceBackupId", backup());
      command.as = fresh(n, "nc");
    } else if (a == "InitializeCluster") {
      command.params = {
          {"ClusterId", cluster_ref(n)},
          {"SignedCert",
           Arg::lit("-----BEGIN CERTIFICATE-----\nsigned\n-----END CERTIFICATE-----\n")},
          {"TrustAnchor", Arg::lit(anchor("fresh"))}};
    } else if (a == "DeleteCluster") {
      command.params = {{"ClusterId", cluster_ref(n)}};
    } else if (a == "ModifyCluster") {
      command.params = {
          {"ClusterId", cluster_ref(n)},
          {"BackupRetentionPolicy",
           Arg::lit(Json{{"Type", "DAYS"}, {"Value", pick(std::vector<int>{90, 3})}})}};
    } else if (a == "CreateHsm") {
      command.params = {
          {"ClusterId", cluster_ref(n)},
          {"AvailabilityZone",
           Arg::lit(pick(std::vector<std::string>{"us-east-1a", "us-east-1b", "us-east-1f"}))}};
      command.as = fresh(n, "nh");
    } else if (a == "DeleteHsm") {
      if (n.hsms.empty()) {
        command.params = {{"ClusterId", cluster_ref(n)},
                          {"HsmId", Arg::ref("hsm-doesnotexist0", ObjKind::Hsm)}};
      } else {
        const auto& [hsm, cluster] = pick(n.hsms);
        command.params = {{"ClusterId", Arg::ref(cluster, ObjKind::Cluster)},
                          {"HsmId", Arg::ref(hsm, ObjKind::Hsm)}};
      }
    } else if (a == "DescribeBackups") {
      command.params = {
          {"Filters", Arg::lit(Json{{"clusterIds", Json::array({pick(n.world_clusters)})}})}};
      command.as = fresh(n, "d");
    } else if (a == "CopyBackupToRegion") {
      command.params = {{"BackupId", backup()},
                        {"DestinationRegion",
                         Arg::lit(pick(std::vector<std::string>{"us-west-2", "us-east-1"}))}};
    } else if (a == "ModifyBackupAttributes") {
      command.params = {{"BackupId", backup()},
                        {"NeverExpires", Arg::lit(*rc::gen::arbitrary<bool>())}};
    } else if (a != "DescribeClusters") {
      command.params = {{"BackupId", backup()}};
    }
  }
  void apply(Names& n) const override {
    if (command.action == "CreateCluster") n.clusters.push_back(*command.as);
    if (command.action == "CreateHsm") {
      n.hsms.emplace_back(*command.as, command.params[0].second.name);
    }
    if (command.action == "DescribeBackups") n.describes.push_back(*command.as);
    Append::apply(n);
  }
};

struct CliCall : Append {
  explicit CliCall(const Names& n) : Append(n) {
    command.action = pick(std::vector<std::string>{
        "cli:Login", "cli:Logout", "cli:CreateUser", "cli:DeleteUser", "cli:ChangePassword",
        "cli:ChangePassword", "cli:ListKeys", "cli:DeleteKey", "cli:ActivateCluster"});
    const std::string user =
        pick(std::vector<std::string>{"kmsuser", "kmsuser", "admin", "nobody"});
    const std::string password =
        pick(std::vector<std::string>{"kmsPassw0rd", "otherPassw0rd", "short"});
    command.params = {{"ClusterId", cluster_ref(n)}};
    const std::string& a = command.action;
    if (a == "cli:Login") {
      command.params.emplace_back("Username", Arg::lit(user));
      command.params.emplace_back("Password", Arg::lit(password));
      command.params.emplace_back("Role", Arg::lit("CU"));
    } else if (a == "cli:CreateUser") {
      command.params.emplace_back("Username", Arg::lit(user));
      command.params.emplace_back("Role",
                                  Arg::lit(pick(std::vector<std::string>{"CU", "CO", "XX"})));
      command.params.emplace_back("Password", Arg::lit(password));
    } else if (a == "cli:ChangePassword") {
      command.params.emplace_back("Username", Arg::lit(user));
      command.params.emplace_back("NewPassword", Arg::lit(password));
    } else if (a == "cli:ListKeys") {
      command.params.emplace_back("Owner", Arg::lit("kmsuser"));
    } else if (a == "cli:DeleteKey") {
      command.params.emplace_back("KeyHandle", Arg::lit(999999));
    } else if (a == "cli:ActivateCluster") {
      command.params.emplace_back("NewPassword", Arg::lit("officerPassw0rd"));
    } else {
      command.params.emplace_back("Username", Arg::lit(user));
    }
  }
};

struct Fault : Append {
  explicit Fault(const Names& n) : Append(n) {
    command.kind = Cmd::Kind::Fault;
    const std::string cluster = pick(n.world_clusters);
    const std::string az = pick(std::vector<std::string>{"us-east-1a", "us-east-1b"});
    const std::string duration = pick(std::vector<std::string>{"1m", "4h"});
    command.fault = pick(std::vector<std::string>{"hsm_failure", "az_outage", "network_partition",
                                                  "subnet_deleted", "subnet_full", "hsm_slowdown",
                                                  "kms_internal_error"});
    const std::string& f = command.fault;
    if (f == "hsm_failure") {
      command.fault_params =
          Json{{"cluster", cluster}, {"az", az}, {"replace", *rc::gen::arbitrary<bool>()}};
    } else if (f == "az_outage") {
      command.fault_params = Json{{"az", az}, {"duration", duration}};
    } else if (f == "network_partition") {
      command.fault_params = Json{{"cluster", cluster}, {"duration", duration}};
    } else if (f == "hsm_slowdown") {
      command.fault_params = Json{{"cluster", cluster}, {"factor", 3}, {"duration", duration}};
    } else if (f == "kms_internal_error") {
      command.fault_params =
          Json{{"probability", pick(std::vector<double>{1.0, 0.5})}, {"duration", duration}};
    } else {
      command.fault_params = Json{{"cluster", cluster}, {"az", az}};
    }
  }
};

// Time passes before the next command: a settle past every asynchronous duration, or past
// the longest deletion window.
struct Advance : Step {
  int64_t ns;
  explicit Advance(const Names&)
      : ns(*rc::gen::element(kSettleNs, kSettleNs, kLongSettleNs,
                             int64_t{40} * refmodel::kNsPerSecond)) {}
  void apply(Names& n) const override { n.pending_after_ns += ns; }
  void run(const Names&, Program&) const override {}
  void show(std::ostream& os) const override { os << "advance " << ns << " ns"; }
};

Names names_of(const refmodel::WorldSpec& w) {
  Names n;
  for (const auto& c : w.clusters)
    n.world_clusters.push_back(c.name);
  n.clusters = n.world_clusters;
  for (const auto& s : w.stores)
    n.stores.push_back(s.name);
  for (const auto& k : w.keys)
    n.keys.push_back(k.name);
  return n;
}

// Renders the program with a check after every command and runs it; "" when it passed.
std::string run_program(const Program& p) {
  RenderOptions r;
  r.name = "stateful";
  r.check_every_step = true;
  const std::string yaml = to_scenario_yaml(p, r);
  scenario::Scenario s;
  try {
    s = scenario::load_scenario_text(yaml, "stateful.yaml");
    model::check_scenario(s);
  } catch (const std::exception& e) {
    return std::string("bad scenario: ") + e.what() + "\n" + yaml;
  }
  const model::RunOutcome outcome = model::run_scenario(s, model::RunSettings{});
  if (outcome.passed) return "";
  std::string why = "failed";
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

void check_stateful(bool faults) {
  const auto seed = *rc::gen::inRange<uint64_t>(1, 1'000'000);
  Program program;
  program.world = generate(GenOptions{seed, false, 1}).world;
  const Names initial = names_of(program.world);
  if (faults) {
    rc::state::check(initial, program,
                     rc::state::gen::execOneOfWithArgs<StoreCall, StoreCall, KeyCall, KeyCall,
                                                       CryptoCall, CryptoCall, ClusterCall, CliCall,
                                                       Advance, Advance, Fault>());
  } else {
    rc::state::check(
        initial, program,
        rc::state::gen::execOneOfWithArgs<StoreCall, StoreCall, KeyCall, KeyCall, CryptoCall,
                                          CryptoCall, ClusterCall, CliCall, Advance, Advance>());
  }
  const std::string failure = run_program(program);
  RC_LOG() << failure;  // the failing step, its message and the scenario
  RC_ASSERT(failure.empty());
}

RC_GTEST_PROP(CampaignStateful, SimulatorMatchesTheReferenceModelAfterEveryCommand, ()) {
  check_stateful(false);
}

RC_GTEST_PROP(CampaignStateful, SimulatorMatchesTheReferenceModelWithFaults, ()) {
  check_stateful(true);
}

}  // namespace
}  // namespace hsmsim::campaign
