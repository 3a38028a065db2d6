// orphan_accounting: every key object on an HSM or in a backup that is not DELETED is labelled
// with the ARN of a KMS key; when that key is deleted the object is orphaned material, and
// find_findings lists the key among its orphans; and every orphan find_findings lists is a
// deleted KMS key whose material some HSM or backup still holds (SPEC §4.3, §6).
//
// The full check walks every HSM and backup, so it runs only after something it depends on
// may have changed. Round-robin sweeps look at a few keys, HSMs and backups per event and
// notice a KMS key deleted, an HSM or backup DELETED (or restored), or a key count changed;
// new objects are noticed at once. A check is further held back until the events since the
// last one pay for it at kWorkPerEvent units each, so after_event stays O(1) amortised on
// runs of millions of events; in small worlds (what the sweeps cover in one event, a check
// costing under kWorkPerEvent) every change is checked in the event that made it.
#include <cstdint>
#include <limits>
#include <unordered_map>

#include "model/findings.h"
#include "model/invariants/catalog.h"
#include "model/invariants/lookup.h"

namespace hsmsim::model {
namespace {

constexpr std::size_t kKeysPerEvent = 4;
constexpr std::size_t kHoldersPerEvent = 2;
constexpr std::size_t kWorkPerEvent = 64;

// What the sweeps compare of an HSM or a backup.
struct HolderView {
  bool deleted = false;
  std::size_t keys = 0;
  bool operator==(const HolderView&) const = default;
};

HolderView view_of(const Hsm& h) {
  return {h.state == HsmState::DELETED, h.data.keys.size()};
}
HolderView view_of(const Backup& b) {
  return {b.state == BackupState::DELETED, b.data.keys.size()};
}

// An HSM (index ≥ 0) or a backup (index -1 - holder), or nobody.
using Holder = int64_t;
constexpr Holder kNobody = std::numeric_limits<Holder>::max();

std::string holder_name(const World& world, Holder h) {
  if (h >= 0) return "HSM " + world.cloudhsm().hsms()[static_cast<std::size_t>(h)]->id;
  return "backup " + world.cloudhsm().backups()[static_cast<std::size_t>(-1 - h)]->id;
}

class OrphanAccounting final : public Monitor {
 public:
  std::string_view name() const override { return "orphan_accounting"; }

  std::string after_event(const World& world) override {
    ++events_since_check_;
    if (sweep(world)) dirty_ = true;
    if (!dirty_ || events_since_check_ * kWorkPerEvent < last_cost_) return "";
    dirty_ = false;
    events_since_check_ = 0;
    return check(world);
  }

 private:
  // Whether a sweep noticed a change; the full check resets what the sweeps compare against.
  bool sweep(const World& world) {
    bool changed = false;
    const auto& keys = world.kms().keys();
    const auto& hsms = world.cloudhsm().hsms();
    const auto& backups = world.cloudhsm().backups();
    if (keys.size() != key_deleted_.size() || hsms.size() != hsm_views_.size() ||
        backups.size() != backup_views_.size()) {
      return true;  // new objects: the check will take them in
    }
    key_sweep_.run(keys.size(), [&](std::size_t i) {
      changed = changed || key_deleted_[i] != (keys[i]->deleted ? 1 : 0);
    });
    hsm_sweep_.run(hsms.size(), [&](std::size_t i) {
      changed = changed || !(hsm_views_[i] == view_of(*hsms[i]));
    });
    backup_sweep_.run(backups.size(), [&](std::size_t i) {
      changed = changed || !(backup_views_[i] == view_of(*backups[i]));
    });
    return changed;
  }

  void remember(const World& world) {
    const auto& keys = world.kms().keys();
    key_deleted_.resize(keys.size());
    for (std::size_t i = 0; i < keys.size(); ++i) {
      key_deleted_[i] = keys[i]->deleted ? 1 : 0;
    }
    hsm_views_.clear();
    for (const auto& h : world.cloudhsm().hsms()) {
      hsm_views_.push_back(view_of(*h));
    }
    backup_views_.clear();
    for (const auto& b : world.cloudhsm().backups()) {
      backup_views_.push_back(view_of(*b));
    }
  }

  // Marks each held label's KMS key in held_by_ (its first holder); a label that is no KMS
  // key's ARN is a violation.
  std::string take_holdings(Holder holder, const HsmData& data, const World& world) {
    for (const auto& [handle, key] : data.keys) {
      ++cost_;
      const std::optional<uint32_t> k = arns_.find(world, key.label);
      if (!k) {
        return holder_name(world, holder) + " holds key object " + std::to_string(handle) +
               " labelled '" + key.label + "', which is the ARN of no KMS key";
      }
      if (held_by_[*k] == kNobody) held_by_[*k] = holder;
    }
    return "";
  }

  std::string check(const World& world) {
    remember(world);
    const auto& keys = world.kms().keys();
    const auto& hsms = world.cloudhsm().hsms();
    const auto& backups = world.cloudhsm().backups();
    cost_ = keys.size();
    held_by_.assign(keys.size(), kNobody);
    for (std::size_t i = 0; i < hsms.size(); ++i) {
      if (hsms[i]->state == HsmState::DELETED) continue;
      std::string m = take_holdings(static_cast<Holder>(i), hsms[i]->data, world);
      if (!m.empty()) return finish(std::move(m));
    }
    for (std::size_t i = 0; i < backups.size(); ++i) {
      if (backups[i]->state == BackupState::DELETED) continue;
      std::string m = take_holdings(-static_cast<Holder>(i) - 1, backups[i]->data, world);
      if (!m.empty()) return finish(std::move(m));
    }
    return finish(compare_with_findings(world));
  }

  std::string compare_with_findings(const World& world) {
    const auto& keys = world.kms().keys();
    const Findings findings = find_findings(world);
    std::unordered_map<std::string_view, const Orphan*> listed;
    for (const Orphan& o : findings.orphans) {
      listed.emplace(o.key_arn, &o);
      const std::optional<uint32_t> k = arns_.find(world, o.key_arn);
      if (!k) return "find_findings lists orphan " + o.key_arn + ", which is no KMS key's ARN";
      if (!keys[*k]->deleted) {
        return "find_findings lists KMS key " + o.key_arn + " as an orphan, but it is not deleted";
      }
      if (held_by_[*k] == kNobody || (o.hsms.empty() && o.backups.empty())) {
        return "find_findings lists orphan " + o.key_arn +
               ", but no HSM or backup that is not DELETED holds it";
      }
    }
    for (std::size_t i = 0; i < keys.size(); ++i) {
      if (!keys[i]->deleted || held_by_[i] == kNobody || listed.count(keys[i]->arn)) continue;
      return "KMS key " + keys[i]->arn + " was deleted at " +
             sim::format_time(keys[i]->deleted_at) + " and " + holder_name(world, held_by_[i]) +
             " still holds its material, but find_findings does not list it as an orphan";
    }
    cost_ += cost_;  // find_findings walks the same objects again
    return "";
  }

  std::string finish(std::string message) {
    last_cost_ = cost_;
    held_by_.clear();
    return message;
  }

  invariants::KeyArnIndex arns_;
  invariants::Sweep key_sweep_{kKeysPerEvent};
  invariants::Sweep hsm_sweep_{kHoldersPerEvent};
  invariants::Sweep backup_sweep_{kHoldersPerEvent};
  std::vector<char> key_deleted_;
  std::vector<HolderView> hsm_views_;
  std::vector<HolderView> backup_views_;
  std::vector<Holder> held_by_;  // during a check: per KMS key, its first holder
  bool dirty_ = true;            // the first event always checks
  std::size_t events_since_check_ = 0;
  std::size_t cost_ = 0;
  std::size_t last_cost_ = 0;
};

}  // namespace

std::unique_ptr<Monitor> make_orphan_accounting() {
  return std::make_unique<OrphanAccounting>();
}

}  // namespace hsmsim::model
