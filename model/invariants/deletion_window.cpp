// deletion_window: no KMS key is deleted before its waiting period ends, and never without
// having been PendingDeletion (facts §3.4, §9.8). A deleted key must have been
// PendingDeletion, be deleted no earlier than its DeletionDate, and, when the monitor saw the
// ScheduleKeyDeletion call, no earlier than that call plus the window it asked for (at least
// 7 days, whatever the model recorded).
//
// A round-robin sweep looks at kKeysPerEvent keys per event (O(1)); a key's deletion fields
// persist, so a late look still judges the deletion itself (the message gives its time).
#include <algorithm>
#include <map>

#include "model/invariants/catalog.h"
#include "model/invariants/lookup.h"

namespace hsmsim::model {
namespace {

constexpr std::size_t kKeysPerEvent = 16;
constexpr int64_t kMinWindowDays = 7;
constexpr int64_t kDefaultWindowDays = 30;

// The PendingWindowInDays a request asked for (number or numeric string; default 30).
int64_t requested_window_days(const Json& request) {
  auto it = request.find("PendingWindowInDays");
  if (it == request.end()) return kDefaultWindowDays;
  if (it->is_number_integer()) return it->get<int64_t>();
  if (it->is_string()) {
    try {
      return std::stoll(it->get<std::string>());
    } catch (const std::exception&) {
    }
  }
  return kDefaultWindowDays;
}

class DeletionWindow final : public Monitor {
 public:
  std::string_view name() const override { return "deletion_window"; }

  std::string after_call(const World& world, const ActionInfo& action, const Json& request,
                         const ApiResult& result) override {
    const bool schedule = invariants::is_action(action, "kms", "ScheduleKeyDeletion");
    const bool cancel = invariants::is_action(action, "kms", "CancelKeyDeletion");
    if (!result.ok || (!schedule && !cancel)) return "";
    const std::optional<std::string> ref = invariants::string_param(request, "KeyId");
    const std::optional<uint32_t> key = ref ? keys_.find(world, *ref) : std::nullopt;
    if (!key) return "";
    if (cancel) {
      scheduled_.erase(*key);
    } else {
      scheduled_[*key] = Schedule{world.now(), requested_window_days(request)};
    }
    return "";
  }

  std::string after_event(const World& world) override {
    const auto& keys = world.kms().keys();
    judged_.resize(keys.size());
    std::string message;
    sweep_.run(keys.size(), [&](std::size_t i) {
      if (!message.empty() || judged_[i] || !keys[i]->deleted) return;
      judged_[i] = 1;
      message = judge(*keys[i], static_cast<uint32_t>(i));
    });
    return message;
  }

 private:
  struct Schedule {
    sim::Time at;
    int64_t window_days = kDefaultWindowDays;
  };

  std::string judge(const KmsKey& k, uint32_t index) {
    const std::string head =
        "KMS key " + k.id + " was deleted at " + sim::format_time(k.deleted_at);
    if (!k.pending_deletion) return head + " without having been PendingDeletion";
    if (k.deleted_at < k.deletion_date) {
      return head + ", before its DeletionDate " + sim::format_time(k.deletion_date);
    }
    auto it = scheduled_.find(index);
    if (it == scheduled_.end()) return "";
    const Schedule& s = it->second;
    const int64_t days = std::max(s.window_days, kMinWindowDays);
    if (k.deleted_at < s.at + sim::Duration::days(days)) {
      return head + ", less than " + std::to_string(days) + " days after ScheduleKeyDeletion at " +
             sim::format_time(s.at);
    }
    scheduled_.erase(it);
    return "";
  }

  invariants::KeyFinder keys_;
  invariants::Sweep sweep_{kKeysPerEvent};
  std::vector<char> judged_;                // per key index: its deletion was judged
  std::map<uint32_t, Schedule> scheduled_;  // accepted ScheduleKeyDeletion calls not yet judged
};

}  // namespace

std::unique_ptr<Monitor> make_deletion_window() {
  return std::make_unique<DeletionWindow>();
}

}  // namespace hsmsim::model
