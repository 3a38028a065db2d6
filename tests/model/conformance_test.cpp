// Conformance with the AWS API models that Debian's python3-botocore ships: every state,
// error code and exception name the model uses exists there, and every exception an action
// answered in the scenario suite is in that action's documented error list (common errors,
// listed below, aside).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>

#include "model/api_catalog.h"
#include "model/cloudhsm/types.h"
#include "model/kms/types.h"
#include "model/runner/runner.h"

namespace hsmsim::model {
namespace {

namespace fs = std::filesystem;

const char* const kBotocore = "/usr/lib/python3/dist-packages/botocore/data";

// Errors any AWS API may answer that the models do not list per operation.
const std::set<std::string> kCommonErrors = {"ValidationException", "AccessDeniedException",
                                             "ThrottlingException"};
// What the CloudHSM command-line tools answer (SPEC §5); not an AWS API.
const std::set<std::string> kCliErrors = {"HsmLoginFailed",
                                          "HsmUserLockedOut",
                                          "HsmUserNotFound",
                                          "HsmUserAlreadyLoggedIn",
                                          "HsmNotLoggedIn",
                                          "HsmPermissionDenied",
                                          "HsmKeyNotFound",
                                          "CloudHsmResourceNotFoundException",
                                          "CloudHsmInvalidRequestException"};

Json load_model(const std::string& service, const std::string& version) {
  std::ifstream in(fs::path(kBotocore) / service / version / "service-2.json");
  if (!in) return nullptr;
  return Json::parse(in);
}

class Conformance : public ::testing::Test {
 protected:
  void SetUp() override {
    kms_ = load_model("kms", "2014-11-01");
    hsm_ = load_model("cloudhsmv2", "2017-04-28");
    ASSERT_FALSE(kms_.is_null()) << "python3-botocore is not installed (scripts/setup.sh)";
    ASSERT_FALSE(hsm_.is_null());
  }

  std::set<std::string> enum_values(const Json& model, const std::string& shape) {
    std::set<std::string> out;
    for (const Json& v : model["shapes"][shape]["enum"])
      out.insert(v.get<std::string>());
    return out;
  }

  std::set<std::string> operation_errors(const std::string& service, const std::string& op) {
    const Json& model = service == "kms" ? kms_ : hsm_;
    std::set<std::string> out;
    for (const Json& e : model["operations"][op]["errors"])
      out.insert(e["shape"].get<std::string>());
    return out;
  }

  std::set<std::string> all_exceptions() {
    std::set<std::string> out;
    for (const Json* model : {&kms_, &hsm_}) {
      for (const auto& [name, shape] : (*model)["shapes"].items()) {
        if (shape.value("exception", false)) out.insert(name);
      }
    }
    return out;
  }

  Json kms_, hsm_;
};

TEST_F(Conformance, StatesAndCodesExistInTheApiModels) {
  const auto cluster_states = enum_values(hsm_, "ClusterState");
  for (auto s : {ClusterState::CREATE_IN_PROGRESS, ClusterState::UNINITIALIZED,
                 ClusterState::INITIALIZE_IN_PROGRESS, ClusterState::INITIALIZED,
                 ClusterState::ACTIVE, ClusterState::UPDATE_IN_PROGRESS, ClusterState::DEGRADED,
                 ClusterState::DELETE_IN_PROGRESS, ClusterState::DELETED}) {
    EXPECT_TRUE(cluster_states.count(to_string(s))) << to_string(s);
  }
  const auto hsm_states = enum_values(hsm_, "HsmState");
  for (auto s : {HsmState::CREATE_IN_PROGRESS, HsmState::ACTIVE, HsmState::DEGRADED,
                 HsmState::DELETE_IN_PROGRESS, HsmState::DELETED}) {
    EXPECT_TRUE(hsm_states.count(to_string(s))) << to_string(s);
  }
  const auto backup_states = enum_values(hsm_, "BackupState");
  for (auto s : {BackupState::CREATE_IN_PROGRESS, BackupState::READY, BackupState::PENDING_DELETION,
                 BackupState::DELETED}) {
    EXPECT_TRUE(backup_states.count(to_string(s))) << to_string(s);
  }
  const auto connection = enum_values(kms_, "ConnectionStateType");
  for (auto s :
       {ConnectionState::CONNECTED, ConnectionState::CONNECTING, ConnectionState::DISCONNECTED,
        ConnectionState::DISCONNECTING, ConnectionState::FAILED}) {
    EXPECT_TRUE(connection.count(to_string(s))) << to_string(s);
  }
  const auto codes = enum_values(kms_, "ConnectionErrorCodeType");
  using E = ConnectionErrorCode;
  for (auto c :
       {E::INVALID_CREDENTIALS, E::CLUSTER_NOT_FOUND, E::NETWORK_ERRORS, E::INTERNAL_ERROR,
        E::INSUFFICIENT_CLOUDHSM_HSMS, E::USER_LOCKED_OUT, E::USER_NOT_FOUND, E::USER_LOGGED_IN,
        E::SUBNET_NOT_FOUND, E::INSUFFICIENT_FREE_ADDRESSES_IN_SUBNET}) {
    EXPECT_TRUE(codes.count(to_string(c))) << to_string(c);
  }
  const auto key_states = enum_values(kms_, "KeyState");
  for (auto s :
       {KeyState::Enabled, KeyState::Disabled, KeyState::PendingDeletion, KeyState::Unavailable}) {
    EXPECT_TRUE(key_states.count(to_string(s))) << to_string(s);
  }
  const auto origins = enum_values(kms_, "OriginType");
  EXPECT_TRUE(origins.count("AWS_CLOUDHSM"));
  EXPECT_TRUE(origins.count("AWS_KMS"));
}

TEST_F(Conformance, EveryCataloguedActionAndParameterExists) {
  for (const ActionInfo& a : all_actions()) {
    if (a.service == "cli") continue;
    const Json& model = a.service == "kms" ? kms_ : hsm_;
    const std::string op(a.name);
    ASSERT_TRUE(model["operations"].contains(op)) << a.service << ":" << op;
    const std::string input = model["operations"][op]["input"]["shape"];
    for (std::string_view p : a.params) {
      EXPECT_TRUE(model["shapes"][input]["members"].contains(std::string(p)))
          << op << " has no parameter " << p;
    }
  }
}

TEST_F(Conformance, EveryKnownExceptionNameExists) {
  const std::set<std::string> exceptions = all_exceptions();
  for (const std::string& name : known_exception_names()) {
    if (kCommonErrors.count(name) || kCliErrors.count(name)) continue;
    EXPECT_TRUE(exceptions.count(name)) << name << " is not an exception of the API models";
  }
}

// Every "...Exception" string literal in the model's sources names a real exception, so a
// misspelt name cannot hide in a rarely taken branch.
TEST_F(Conformance, ExceptionLiteralsInTheModelSourcesExist) {
  const std::set<std::string> exceptions = all_exceptions();
  const std::regex literal("\"([A-Za-z]+Exception)\"");
  std::size_t seen = 0;
  for (const auto& entry :
       fs::recursive_directory_iterator(fs::path(HSMSIM_SOURCE_DIR) / "model")) {
    if (entry.path().extension() != ".cpp" && entry.path().extension() != ".h") continue;
    std::ifstream in(entry.path());
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (std::sregex_iterator it(text.begin(), text.end(), literal), end; it != end; ++it) {
      const std::string name = (*it)[1];
      ++seen;
      EXPECT_TRUE(exceptions.count(name) || kCommonErrors.count(name))
          << entry.path() << " uses unknown exception " << name;
    }
  }
  EXPECT_GT(seen, 30u);
}

// Runs every scenario of the suite and checks each exception an action answered against the
// action's error list in the API model.
TEST_F(Conformance, ExceptionsAnsweredInTheScenarioSuiteAreDocumentedPerAction) {
  std::map<std::string, std::set<std::string>> answered;  // "service:Action" -> exceptions
  std::size_t runs = 0;
  for (const auto& entry :
       fs::directory_iterator(fs::path(HSMSIM_SOURCE_DIR) / "tests" / "scenarios")) {
    if (entry.path().extension() != ".yaml") continue;
    const scenario::Scenario s = scenario::load_scenario_file(entry.path().string());
    const RunOutcome outcome = run_scenario(s, RunSettings{});
    ++runs;
    for (std::size_t i = 0; i < s.steps.size(); ++i) {
      if (s.steps[i].kind != scenario::StepKind::Call) continue;
      const std::string outcome_name = outcome.summary["steps"][i]["outcome"];
      if (outcome_name == "ok" || outcome_name == "not reached") continue;
      const ActionInfo* a = find_action(s.steps[i].call.service, s.steps[i].call.action);
      ASSERT_NE(a, nullptr);
      answered[std::string(a->service) + ":" + std::string(a->name)].insert(outcome_name);
    }
  }
  ASSERT_GT(runs, 0u);
  std::size_t checked = 0;
  for (const auto& [action, exceptions] : answered) {
    const std::string service = action.substr(0, action.find(':'));
    const std::string op = action.substr(action.find(':') + 1);
    const std::set<std::string> documented =
        service == "cli" ? kCliErrors : operation_errors(service, op);
    for (const std::string& e : exceptions) {
      ++checked;
      EXPECT_TRUE(documented.count(e) || kCommonErrors.count(e))
          << action << " answered " << e << ", which its API model does not list";
    }
  }
  EXPECT_GT(checked, 0u);
}

}  // namespace
}  // namespace hsmsim::model
