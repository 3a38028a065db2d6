#include "model/findings.h"

#include <algorithm>
#include <map>

namespace hsmsim::model {
namespace {

// Where each label (KMS key ARN) is held, over HSMs and backups that are not DELETED.
struct Holdings {
  std::map<std::string, std::vector<std::string>> hsms;
  std::map<std::string, std::vector<std::string>> backups;
};

Holdings holdings(const CloudHsm& cloudhsm) {
  Holdings h;
  for (const auto& hsm : cloudhsm.hsms()) {
    if (hsm->state == HsmState::DELETED) continue;
    for (const auto& [handle, key] : hsm->data.keys)
      h.hsms[key.label].push_back(hsm->id);
  }
  for (const auto& b : cloudhsm.backups()) {
    if (b->state == BackupState::DELETED) continue;
    for (const auto& [handle, key] : b->data.keys)
      h.backups[key.label].push_back(b->id);
  }
  return h;
}

}  // namespace

std::size_t Findings::orphans_in_clusters() const {
  return static_cast<std::size_t>(
      std::count_if(orphans.begin(), orphans.end(), [](auto& o) { return !o.hsms.empty(); }));
}

std::size_t Findings::orphans_in_backups() const {
  return static_cast<std::size_t>(
      std::count_if(orphans.begin(), orphans.end(), [](auto& o) { return !o.backups.empty(); }));
}

Findings find_findings(const World& world) {
  Findings f;
  const Holdings held = holdings(world.cloudhsm());
  for (const auto& k : world.kms().keys()) {
    if (!k->store) continue;  // AWS_KMS keys have no backing key in a cluster
    auto h = held.hsms.find(k->arn);
    auto b = held.backups.find(k->arn);
    const bool anywhere = h != held.hsms.end() || b != held.backups.end();
    if (k->deleted && anywhere && !k->orphan_forgotten) {
      Orphan o{k->arn, k->deleted_at, {}, {}};
      if (h != held.hsms.end()) o.hsms = h->second;
      if (b != held.backups.end()) o.backups = b->second;
      f.orphans.push_back(std::move(o));
    } else if (!k->deleted && !anywhere) {
      f.lost_keys.push_back(LostKey{k->arn});
    }
  }
  for (const auto& hsm : world.cloudhsm().hsms()) {
    if (hsm->state == HsmState::DELETED) continue;
    for (const auto& [name, user] : hsm->data.users) {
      if (user.locked) {
        f.locked_users.push_back(world.cloudhsm().clusters()[hsm->cluster]->id + "/" + hsm->id +
                                 "/" + name);
      }
    }
  }
  return f;
}

void DurabilityTracker::observe(const World& world) {
  const CloudHsm& hsm = world.cloudhsm();
  std::size_t signature = hsm.backups().size() * 1'000'003;
  for (const auto& h : hsm.hsms()) {
    if (h->state != HsmState::DELETED) signature += h->data.keys.size() + (h->serving ? 7 : 0);
  }
  if (signature == signature_) return;
  signature_ = signature;
  // Copies per label on HSMs that are not DELETED, and labels in backups that are not.
  std::map<std::string, std::vector<std::string>> on_hsms;
  for (const auto& h : hsm.hsms()) {
    if (h->state == HsmState::DELETED) continue;
    for (const auto& [handle, key] : h->data.keys)
      on_hsms[key.label].push_back(h->id);
  }
  std::map<std::string, bool> in_backup;
  for (const auto& b : hsm.backups()) {
    if (b->state == BackupState::DELETED || b->state == BackupState::CREATE_IN_PROGRESS) continue;
    for (const auto& [handle, key] : b->data.keys)
      in_backup[key.label] = true;
  }
  const sim::Time now = world.now();
  for (auto it = open_.begin(); it != open_.end();) {
    auto copies = on_hsms.find(it->first);
    const bool still =
        copies != on_hsms.end() && copies->second.size() == 1 && !in_backup.count(it->first);
    if (still) {
      ++it;
      continue;
    }
    it->second.end = now;
    closed_.push_back(it->second);
    it = open_.erase(it);
  }
  for (const auto& [label, hsms] : on_hsms) {
    if (hsms.size() == 1 && !in_backup.count(label) && !open_.count(label)) {
      open_[label] = DurabilityWindow{label, hsms.front(), now, std::nullopt};
    }
  }
}

std::vector<DurabilityWindow> DurabilityTracker::windows() const {
  std::vector<DurabilityWindow> all = closed_;
  for (const auto& [label, w] : open_)
    all.push_back(w);
  return all;
}

Json Findings::to_json() const {
  Json orphan_list = Json::array();
  for (const Orphan& o : orphans) {
    orphan_list.push_back(Json{{"key_arn", o.key_arn},
                               {"since_ns", o.since.ns()},
                               {"since", sim::format_time(o.since)},
                               {"hsms", o.hsms},
                               {"backups", o.backups}});
  }
  auto windows_json = [this] {
    Json list = Json::array();
    for (const DurabilityWindow& w : durability_windows) {
      Json item{{"key_arn", w.key_arn},
                {"hsm", w.hsm},
                {"since_ns", w.start.ns()},
                {"since", sim::format_time(w.start)}};
      if (w.end) {
        item["until_ns"] = w.end->ns();
        item["duration"] = sim::format_duration(*w.end - w.start);
      } else {
        item["until_ns"] = nullptr;
      }
      list.push_back(std::move(item));
    }
    return list;
  };
  Json lost = Json::array();
  for (const LostKey& k : lost_keys)
    lost.push_back(Json{{"key_arn", k.key_arn}});
  return Json{{"orphans", orphan_list},
              {"lost_keys", lost},
              {"durability_windows", windows_json()},
              {"lockouts", locked_users}};
}

}  // namespace hsmsim::model
