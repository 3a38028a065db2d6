// Users on the HSMs of a cluster: logins with per-HSM failure counts and lockout, one session
// holder per user, and the officer commands of the CloudHSM CLI.
#include <algorithm>

#include "model/cloudhsm/cloudhsm.h"
#include "model/params.h"

namespace hsmsim::model {
namespace {

constexpr const char* kOperator = "operator";  // sessions opened by scenario steps

std::optional<UserRole> parse_role(const std::string& role) {
  if (role == "CO" || role == "admin") return UserRole::CO;
  if (role == "CU" || role == "crypto-user") return UserRole::CU;
  return std::nullopt;
}

}  // namespace

LoginOutcome CloudHsm::login(Cluster& c, const std::string& user, const std::string& password,
                             const std::string& holder) {
  const std::vector<Hsm*> active = serving_hsms(c);
  if (active.empty()) return LoginOutcome::NoActiveHsm;
  for (Hsm* h : active) {
    if (!h->data.users.count(user)) return LoginOutcome::UserNotFound;
  }
  if (c.sessions.count(user)) return LoginOutcome::AlreadyLoggedIn;
  for (Hsm* h : active) {
    if (h->data.users.at(user).locked) return LoginOutcome::LockedOut;
  }
  // A login goes to every active HSM and a failure counts on each; the 6th consecutive
  // failure locks the user there.
  bool all_ok = true;
  for (Hsm* h : active) {
    HsmUser& u = h->data.users.at(user);
    if (u.password == password) {
      u.failed_logins = 0;
      continue;
    }
    all_ok = false;
    ++u.failed_logins;
    if (u.failed_logins > kMaxFailedLogins && !u.locked) {
      u.locked = true;
      trace("hsm/" + h->id, "user_locked", Json{{"user", user}});
    }
  }
  if (!all_ok) {
    trace(cluster_actor_name(c), "login_failed", Json{{"user", user}, {"by", holder}});
    return LoginOutcome::WrongPassword;
  }
  c.sessions[user] = holder;
  trace(cluster_actor_name(c), "login", Json{{"user", user}, {"by", holder}});
  return LoginOutcome::Ok;
}

void CloudHsm::logout(Cluster& c, const std::string& user, const std::string& holder) {
  auto it = c.sessions.find(user);
  if (it == c.sessions.end() || it->second != holder) return;
  c.sessions.erase(it);
  trace(cluster_actor_name(c), "logout", Json{{"user", user}, {"by", holder}});
}

void CloudHsm::set_password(Cluster& c, const std::string& user, const std::string& password) {
  for (uint32_t i : c.hsms) {
    Hsm& h = *hsms_[i];
    if (!h.is_active_and_serving()) continue;
    auto it = h.data.users.find(user);
    if (it == h.data.users.end()) continue;
    it->second.password = password;
    it->second.failed_logins = 0;
    it->second.locked = false;
  }
  trace(cluster_actor_name(c), "password_changed", Json{{"user", user}});
}

std::string CloudHsm::cluster_actor_name(const Cluster& c) {
  return "cluster/" + c.id;
}

// --- cli ------------------------------------------------------------------------------------

ApiResult CloudHsm::CliLogin(const Json& p) {
  ApiResult error;
  Cluster* c = cluster_param(p, error);
  if (!c) return error;
  Params in(p);
  const std::string user = in.required_str("Username");
  const std::string password = in.required_str("Password");
  in.str("Role");
  if (!in.ok()) return in.error();
  switch (login(*c, user, password, kOperator)) {
    case LoginOutcome::Ok:
      return ApiResult::success(Json{{"Username", user}});
    case LoginOutcome::NoActiveHsm:
      return ApiResult::failure("HsmLoginFailed", "No active HSM in cluster " + c->id + ".");
    case LoginOutcome::UserNotFound:
      return ApiResult::failure("HsmUserNotFound", "User " + user + " does not exist.");
    case LoginOutcome::AlreadyLoggedIn:
      return ApiResult::failure("HsmUserAlreadyLoggedIn", "User " + user + " is logged in.");
    case LoginOutcome::LockedOut:
      return ApiResult::failure("HsmUserLockedOut", "User " + user + " is locked out.");
    case LoginOutcome::WrongPassword:
      return ApiResult::failure("HsmLoginFailed", "Login failed for user " + user + ".");
  }
  return ApiResult::failure("HsmLoginFailed", "Login failed.");
}

ApiResult CloudHsm::CliLogout(const Json& p) {
  ApiResult error;
  Cluster* c = cluster_param(p, error);
  if (!c) return error;
  Params in(p);
  const std::string user = in.required_str("Username");
  if (!in.ok()) return in.error();
  auto it = c->sessions.find(user);
  if (it == c->sessions.end() || it->second != kOperator) {
    return ApiResult::failure("HsmNotLoggedIn", "User " + user + " is not logged in.");
  }
  logout(*c, user, kOperator);
  return ApiResult::success();
}

ApiResult CloudHsm::CliCreateUser(const Json& p) {
  ApiResult error;
  Cluster* c = cluster_param(p, error);
  if (!c) return error;
  Params in(p);
  const std::string user = in.required_str("Username");
  const std::string role_name = in.required_str("Role");
  const std::string password = in.required_str("Password");
  in.check_length("Username", user, 1, 31);
  in.check_length("Password", password, 7, 32);
  if (!in.ok()) return in.error();
  const std::optional<UserRole> role = parse_role(role_name);
  if (!role) return ApiResult::failure("ValidationException", "Role must be CO or CU.");
  const std::vector<Hsm*> active = serving_hsms(*c);
  if (active.empty()) {
    return ApiResult::failure("CloudHsmInvalidRequestException",
                              "No active HSM in cluster " + c->id + ".");
  }
  for (Hsm* h : active) {
    if (h->data.users.count(user)) {
      return ApiResult::failure("CloudHsmInvalidRequestException",
                                "User " + user + " already exists.");
    }
    if (h->data.users.size() >= 1024) {
      return ApiResult::failure("CloudHsmInvalidRequestException",
                                "Cluster " + c->id + " already has 1024 users.");
    }
  }
  for (Hsm* h : active)
    h->data.users[user] = HsmUser{*role, password};
  trace(cluster_actor_name(*c), "user_created", Json{{"user", user}, {"role", role_name}});
  return ApiResult::success(Json{{"Username", user}});
}

ApiResult CloudHsm::CliDeleteUser(const Json& p) {
  ApiResult error;
  Cluster* c = cluster_param(p, error);
  if (!c) return error;
  Params in(p);
  const std::string user = in.required_str("Username");
  if (!in.ok()) return in.error();
  bool found = false;
  for (uint32_t i : c->hsms) {
    Hsm& h = *hsms_[i];
    if (h.is_active_and_serving() && h.data.users.count(user)) found = true;
  }
  if (!found) return ApiResult::failure("HsmUserNotFound", "User " + user + " does not exist.");
  if (c->sessions.count(user)) {
    return ApiResult::failure("HsmPermissionDenied", "User " + user + " is logged in.");
  }
  for (uint32_t i : c->hsms) {
    Hsm& h = *hsms_[i];
    if (h.is_active_and_serving()) h.data.users.erase(user);
  }
  trace(cluster_actor_name(*c), "user_deleted", Json{{"user", user}});
  return ApiResult::success();
}

ApiResult CloudHsm::CliChangePassword(const Json& p) {
  ApiResult error;
  Cluster* c = cluster_param(p, error);
  if (!c) return error;
  Params in(p);
  const std::string user = in.required_str("Username");
  const std::string password = in.required_str("NewPassword");
  in.check_length("NewPassword", password, 7, 32);
  if (!in.ok()) return in.error();
  bool found = false;
  for (uint32_t i : c->hsms) {
    const Hsm& h = *hsms_[i];
    if (h.is_active_and_serving() && h.data.users.count(user)) found = true;
  }
  if (!found) return ApiResult::failure("HsmUserNotFound", "User " + user + " does not exist.");
  // While KMS holds kmsuser's session nobody else may change its password.
  auto session = c->sessions.find(user);
  if (session != c->sessions.end() && session->second != kOperator) {
    return ApiResult::failure("HsmPermissionDenied",
                              "User " + user + " is logged in by " + session->second + ".");
  }
  set_password(*c, user, password);
  return ApiResult::success();
}

ApiResult CloudHsm::CliActivateCluster(const Json& p) {
  ApiResult error;
  Cluster* c = cluster_param(p, error);
  if (!c) return error;
  Params in(p);
  const std::string password = in.required_str("NewPassword");
  in.check_length("NewPassword", password, 7, 32);
  if (!in.ok()) return in.error();
  if (c->state != ClusterState::INITIALIZED) {
    return ApiResult::failure("CloudHsmInvalidRequestException",
                              "Cluster " + c->id + " is in state " + to_string(c->state) +
                                  "; only an INITIALIZED cluster can be activated.");
  }
  // Changing the PRECO password turns it into a crypto officer and activates the cluster.
  for (uint32_t i : c->hsms) {
    Hsm& h = *hsms_[i];
    if (!h.is_active_and_serving()) continue;
    HsmUser& admin = h.data.users["admin"];
    admin.role = UserRole::CO;
    admin.password = password;
  }
  set_cluster_state(*c, ClusterState::ACTIVE);
  take_backup(*c, "activation");
  schedule_periodic_backup(*c, cluster_index(*c));
  return ApiResult::success(Json{{"State", to_string(c->state)}});
}

}  // namespace hsmsim::model
