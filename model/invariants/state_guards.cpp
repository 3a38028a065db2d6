// state_guards: every call was accepted only in the states that allow it (facts §9.4, §9.8,
// §9.16, §3.3), and every ConnectionState change follows the table of facts §2.1:
//
//   (creation)     -> any (a world store may be built CONNECTED)
//   DISCONNECTED   -> CONNECTING                          ConnectCustomKeyStore
//   CONNECTING     -> CONNECTED | FAILED | DISCONNECTING  connect done / DisconnectCustomKeyStore
//   CONNECTED      -> DISCONNECTING                       DisconnectCustomKeyStore
//   FAILED         -> DISCONNECTING                       only Disconnect leaves FAILED
//   DISCONNECTING  -> DISCONNECTED                        so DISCONNECTED comes only from here
//
// The state an accepted call found is read in before_call; transitions are observed after
// every call and event (O(stores)).
#include <algorithm>
#include <initializer_list>

#include "model/invariants/catalog.h"
#include "model/invariants/lookup.h"

namespace hsmsim::model {
namespace {

using CS = ConnectionState;

bool transition_allowed(CS from, CS to) {
  switch (from) {
    case CS::DISCONNECTED:
      return to == CS::CONNECTING;
    case CS::CONNECTING:
      return to == CS::CONNECTED || to == CS::FAILED || to == CS::DISCONNECTING;
    case CS::CONNECTED:
    case CS::FAILED:  // FAILED is sticky: only Disconnect leaves it
      return to == CS::DISCONNECTING;
    case CS::DISCONNECTING:
      return to == CS::DISCONNECTED;
  }
  return false;
}

template <class T>
bool one_of(T value, std::initializer_list<T> allowed) {
  return std::find(allowed.begin(), allowed.end(), value) != allowed.end();
}

// What the objects a call names looked like just before it was handled.
struct Before {
  std::string store_id;
  std::optional<CS> store;      // CustomKeyStoreId's live store
  std::optional<uint32_t> key;  // KeyId's key
  bool key_pending = false;
  bool key_deleted = false;
  std::string cluster_id;
  std::optional<ClusterState> cluster;  // ClusterId's cluster record
  std::size_t cluster_live_hsms = 0;    // its HSMs that are not DELETED
};

class StateGuards final : public Monitor {
 public:
  std::string_view name() const override { return "state_guards"; }

  void before_call(const World& world, const ActionInfo& action, const Json& request) override {
    before_ = Before{};
    if (auto id = invariants::string_param(request, "CustomKeyStoreId")) {
      before_.store_id = *id;
      if (const CustomKeyStore* s = invariants::live_store(world, *id)) before_.store = s->state;
    }
    const bool key_action = invariants::is_action(action, "kms", "CancelKeyDeletion") ||
                            invariants::is_action(action, "kms", "EnableKey") ||
                            invariants::is_action(action, "kms", "DisableKey");
    if (key_action) {
      if (auto ref = invariants::string_param(request, "KeyId")) {
        before_.key = keys_.find(world, *ref);
        if (before_.key) {
          const KmsKey& k = *world.kms().keys()[*before_.key];
          before_.key_pending = k.pending_deletion;
          before_.key_deleted = k.deleted;
        }
      }
    }
    if (auto id = invariants::string_param(request, "ClusterId")) {
      before_.cluster_id = *id;
      if (const Cluster* c = invariants::cluster_record(world, *id)) {
        before_.cluster = c->state;
        for (const auto& h : world.cloudhsm().hsms()) {
          const bool mine = world.cloudhsm().clusters()[h->cluster].get() == c;
          if (mine && h->state != HsmState::DELETED) ++before_.cluster_live_hsms;
        }
      }
    }
  }

  std::string after_call(const World& world, const ActionInfo& action, const Json& request,
                         const ApiResult& result) override {
    std::string message;
    if (result.ok) {
      message =
          action.service == "kms" ? kms_guard(world, action.name, request) : cluster_guard(action);
    }
    std::string transition = observe(world);
    return message.empty() ? transition : message;
  }

  std::string after_event(const World& world) override { return observe(world); }

 private:
  std::string accepted(std::string_view action, const std::string& what, const char* state) {
    return std::string(action) + " was accepted for " + what + " in state " + state;
  }

  std::string kms_guard(const World& world, std::string_view action, const Json& request) {
    if (action == "CreateKey" && !before_.store_id.empty()) {
      if (!before_.store) {
        return std::string(action) + " was accepted for custom key store " + before_.store_id +
               ", which did not exist";
      }
      if (*before_.store != CS::CONNECTED) return store_accepted(action);
      return "";
    }
    if (action == "ConnectCustomKeyStore" || action == "DisconnectCustomKeyStore" ||
        action == "UpdateCustomKeyStore" || action == "DeleteCustomKeyStore") {
      return store_guard(action, request);
    }
    if (action == "CancelKeyDeletion" || action == "EnableKey" || action == "DisableKey") {
      return key_guard(world, action);
    }
    return "";
  }

  std::string store_accepted(std::string_view action) {
    return accepted(action, "custom key store " + before_.store_id, to_string(*before_.store));
  }

  std::string store_guard(std::string_view action, const Json& request) {
    if (!before_.store) return "";  // the store did not exist: NotFound is not a state guard
    const CS s = *before_.store;
    bool allowed = true;
    if (action == "ConnectCustomKeyStore") {
      allowed = !one_of(s, {CS::DISCONNECTING, CS::FAILED});
    } else if (action == "DisconnectCustomKeyStore") {
      allowed = !one_of(s, {CS::DISCONNECTED, CS::DISCONNECTING});
    } else if (action == "UpdateCustomKeyStore") {
      // Only the name may change while CONNECTED; anything else needs DISCONNECTED.
      const bool name_only =
          !request.contains("KeyStorePassword") && !request.contains("CloudHsmClusterId");
      allowed = s == CS::DISCONNECTED || (s == CS::CONNECTED && name_only);
    } else if (action == "DeleteCustomKeyStore") {
      allowed = s == CS::DISCONNECTED;
    }
    return allowed ? "" : store_accepted(action);
  }

  std::string key_guard(const World& world, std::string_view action) {
    if (!before_.key) return "";
    const std::string what = "KMS key " + world.kms().keys()[*before_.key]->id;
    if (before_.key_deleted) return accepted(action, what, "deleted");
    if (action == "CancelKeyDeletion" && !before_.key_pending) {
      return accepted(action, what, "other than PendingDeletion");
    }
    if (action != "CancelKeyDeletion" && before_.key_pending) {
      return accepted(action, what, "PendingDeletion");
    }
    return "";
  }

  std::string cluster_guard(const ActionInfo& action) {
    if (!before_.cluster) return "";
    using C = ClusterState;
    const C s = *before_.cluster;
    const std::string what = "cluster " + before_.cluster_id;
    if (invariants::is_action(action, "cloudhsmv2", "DeleteCluster")) {
      if (s == C::DELETED) return accepted(action.name, what, to_string(s));
      if (before_.cluster_live_hsms > 0) {
        return std::string(action.name) + " was accepted for " + what + " while it had " +
               std::to_string(before_.cluster_live_hsms) + " HSMs that were not DELETED";
      }
    }
    bool allowed = true;
    if (invariants::is_action(action, "cloudhsmv2", "CreateHsm")) {
      allowed = one_of(s, {C::UNINITIALIZED, C::ACTIVE, C::DEGRADED});
    } else if (invariants::is_action(action, "cloudhsmv2", "InitializeCluster")) {
      allowed = s == C::UNINITIALIZED;
    } else if (invariants::is_action(action, "cli", "ActivateCluster")) {
      allowed = s == C::INITIALIZED;
    }
    return allowed ? "" : accepted(action.name, what, to_string(s));
  }

  // Checks every store's ConnectionState change since the last look against the table.
  std::string observe(const World& world) {
    const auto& stores = world.kms().stores();
    std::string message;
    for (std::size_t i = 0; i < stores.size(); ++i) {
      const CustomKeyStore& s = *stores[i];
      if (i == states_.size()) {
        states_.push_back(s.state);  // creation: any state
        continue;
      }
      const CS from = states_[i];
      if (from == s.state) continue;
      states_[i] = s.state;
      if (message.empty() && !transition_allowed(from, s.state)) {
        message = "custom key store " + s.id + " went from " + to_string(from) + " to " +
                  to_string(s.state);
      }
    }
    return message;
  }

  Before before_;
  invariants::KeyFinder keys_;
  std::vector<CS> states_;  // per store index: its ConnectionState when last seen
};

}  // namespace

std::unique_ptr<Monitor> make_state_guards() {
  return std::make_unique<StateGuards>();
}

}  // namespace hsmsim::model
