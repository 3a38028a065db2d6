// Keys on HSMs: generation on one HSM, sync to the others after `key_sync`, deletion, the
// CLI's key commands, and the faults that take HSMs out of service.
#include <algorithm>

#include "model/cloudhsm/cloudhsm.h"
#include "model/params.h"

namespace hsmsim::model {

std::optional<uint64_t> CloudHsm::generate_key(Cluster& c, const std::string& owner,
                                               const std::string& label, uint64_t material) {
  std::vector<uint32_t> serving;
  for (uint32_t i : c.hsms) {
    if (hsms_[i]->is_active_and_serving()) serving.push_back(i);
  }
  if (serving.empty()) return std::nullopt;
  // The client creates the key on one HSM; which one is a draw from the cluster's stream.
  const uint32_t first = serving[rng_.next_below(serving.size())];
  const uint64_t handle = next_key_handle_++;
  hsms_[first]->data.keys[handle] = HsmKey{handle, label, owner, material, engine_.now()};
  trace("hsm/" + hsms_[first]->id, "key_created", Json{{"handle", handle}, {"label", label}});
  for (uint32_t target : c.hsms) {
    const HsmState s = hsms_[target]->state;
    if (target == first || (s != HsmState::ACTIVE && s != HsmState::CREATE_IN_PROGRESS)) {
      continue;
    }
    const auto sync = static_cast<uint64_t>(syncs_.size());
    syncs_.push_back(KeySync{target, handle});
    engine_.schedule_after(timing_.sample(TimingKey::key_sync, rng_),
                           [this, sync] { on_key_sync(sync); });
  }
  return handle;
}

void CloudHsm::on_key_sync(uint64_t sync) {
  const KeySync& s = syncs_[sync];
  Hsm& target = *hsms_[s.target_hsm];
  if (!target.is_active_and_serving() || target.data.keys.count(s.handle)) return;
  // Copied from any serving HSM of the cluster that holds it; a failed HSM is never a source.
  const Cluster& c = *clusters_[target.cluster];
  for (uint32_t i : c.hsms) {
    const Hsm& source = *hsms_[i];
    if (!source.is_active_and_serving()) continue;
    auto it = source.data.keys.find(s.handle);
    if (it == source.data.keys.end()) continue;
    target.data.keys[s.handle] = it->second;
    trace("hsm/" + target.id, "key_synced", Json{{"handle", s.handle}});
    return;
  }
}

bool CloudHsm::delete_key(Cluster& c, uint64_t handle) {
  bool held = false;
  for (uint32_t i : c.hsms) {
    Hsm& h = *hsms_[i];
    if (h.is_active_and_serving() && h.data.keys.erase(handle) > 0) held = true;
  }
  if (held) trace(cluster_actor_name(c), "key_deleted", Json{{"handle", handle}});
  return held;
}

void CloudHsm::copy_key_everywhere(Cluster& c, uint64_t handle) {
  const HsmKey* key = nullptr;
  for (uint32_t i : c.hsms) {
    auto it = hsms_[i]->data.keys.find(handle);
    if (it != hsms_[i]->data.keys.end()) key = &it->second;
  }
  if (!key) return;
  const HsmKey copy = *key;
  for (uint32_t i : c.hsms) {
    if (hsms_[i]->state == HsmState::ACTIVE) hsms_[i]->data.keys[handle] = copy;
  }
}

bool CloudHsm::key_available(const Cluster& c, uint64_t handle) const {
  return std::any_of(c.hsms.begin(), c.hsms.end(), [&](uint32_t i) {
    return hsms_[i]->is_active_and_serving() && hsms_[i]->data.keys.count(handle);
  });
}

ApiResult CloudHsm::CliListKeys(const Json& p) const {
  ApiResult error;
  const Cluster* c = const_cast<CloudHsm*>(this)->cluster_param(p, error);
  if (!c) return error;
  Params in(p);
  const std::optional<std::string> owner = in.str("Owner");
  if (!in.ok()) return in.error();
  std::map<uint64_t, const HsmKey*> keys;  // union over the serving HSMs, by handle
  for (uint32_t i : c->hsms) {
    const Hsm& h = *hsms_[i];
    if (!h.is_active_and_serving()) continue;
    for (const auto& [handle, key] : h.data.keys) {
      if (!owner || key.owner == *owner) keys.emplace(handle, &key);
    }
  }
  Json list = Json::array();
  for (const auto& [handle, key] : keys) {
    list.push_back(Json{{"KeyHandle", handle}, {"Label", key->label}, {"Owner", key->owner}});
  }
  return ApiResult::success(Json{{"Keys", list}});
}

ApiResult CloudHsm::CliDeleteKey(const Json& p) {
  ApiResult error;
  Cluster* c = cluster_param(p, error);
  if (!c) return error;
  Params in(p);
  const std::optional<int64_t> handle = in.integer("KeyHandle");
  if (!in.ok()) return in.error();
  if (!handle) return ApiResult::failure("ValidationException", "KeyHandle is required.");
  const HsmKey* key = nullptr;
  for (uint32_t i : c->hsms) {
    const Hsm& h = *hsms_[i];
    if (!h.is_active_and_serving()) continue;
    auto it = h.data.keys.find(static_cast<uint64_t>(*handle));
    if (it != h.data.keys.end()) key = &it->second;
  }
  if (!key) {
    return ApiResult::failure("HsmKeyNotFound",
                              "Key handle " + std::to_string(*handle) + " not found.");
  }
  // Only the owning crypto user, logged in, can delete a key.
  auto session = c->sessions.find(key->owner);
  if (session == c->sessions.end() || session->second != "operator") {
    return ApiResult::failure("HsmPermissionDenied",
                              "Log in as " + key->owner + ", the key's owner, to delete it.");
  }
  delete_key(*c, static_cast<uint64_t>(*handle));
  return ApiResult::success();
}

// --- faults ---------------------------------------------------------------------------------

ApiResult CloudHsm::fail_hsm(const std::string& cluster_id, const std::optional<std::string>& az,
                             const std::optional<std::string>& hsm_id, bool replace) {
  Cluster* c = find_cluster(cluster_id);
  if (!c) return ApiResult::failure("CloudHsmResourceNotFoundException", "no such cluster");
  Hsm* victim = nullptr;
  for (uint32_t i : c->hsms) {
    Hsm& h = *hsms_[i];
    if (hsm_id ? h.id == *hsm_id : (h.az == *az && h.is_active_and_serving())) {
      victim = &h;  // the oldest active one in the AZ: HSMs are kept in creation order
      break;
    }
  }
  if (!victim || !victim->is_active_and_serving()) {
    return ApiResult::failure("CloudHsmResourceNotFoundException",
                              "no active HSM to fail in cluster " + c->id);
  }
  victim->serving = false;
  victim->replace_after_failure = replace;
  trace("hsm/" + victim->id, "fault", Json{{"fault", "hsm_failure"}, {"replace", replace}});
  const uint32_t index = hsm_by_id_.at(victim->id);
  engine_.cancel(victim->pending);
  victim->pending = engine_.schedule_after(timing_.sample(TimingKey::failure_detection, rng_),
                                           [this, index] { on_hsm_failure_detected(index); });
  return ApiResult::success(Json{{"HsmId", victim->id}});
}

void CloudHsm::on_hsm_failure_detected(uint32_t index) {
  Hsm& h = *hsms_[index];
  if (h.state != HsmState::ACTIVE) return;
  set_hsm_state(h, HsmState::DEGRADED);
  if (!h.replace_after_failure) return;
  Cluster& c = *clusters_[h.cluster];
  // The failed HSM is removed (a remove backup comes from another serving HSM, if any) and
  // a replacement is created in its AZ, filled as any new HSM is.
  if (c.state == ClusterState::ACTIVE || c.state == ClusterState::DEGRADED) {
    take_backup(c, "hsm_remove");
  }
  set_hsm_state(h, HsmState::DELETE_IN_PROGRESS);
  h.pending = engine_.schedule_after(timing_.sample(TimingKey::DeleteHsm, rng_),
                                     [this, index] { on_hsm_deleted(index); });
  const uint32_t replacement = new_hsm(c, h.az);
  Hsm& r = *hsms_[replacement];
  set_hsm_state(r, HsmState::CREATE_IN_PROGRESS);
  r.pending = engine_.schedule_after(timing_.sample(TimingKey::CreateHsm, rng_),
                                     [this, replacement] { on_hsm_created(replacement); });
}

bool CloudHsm::set_subnet_flag(const std::string& cluster_id, const std::string& az, bool deleted,
                               bool full) {
  Cluster* c = find_cluster(cluster_id);
  if (!c) return false;
  for (Subnet& s : c->subnets) {
    if (s.az != az) continue;
    s.deleted = s.deleted || deleted;
    s.full = s.full || full;
    trace(cluster_actor_name(*c), "fault",
          Json{{"fault", deleted ? "subnet_deleted" : "subnet_full"}, {"az", az}});
    return true;
  }
  return false;
}

bool CloudHsm::set_slowdown(const std::string& cluster_id, double factor, sim::Time until) {
  Cluster* c = find_cluster(cluster_id);
  if (!c) return false;
  c->slowdown_factor = factor;
  c->slowdown_until = until;
  trace(cluster_actor_name(*c), "fault",
        Json{{"fault", "hsm_slowdown"}, {"factor", factor}, {"until_ns", until.ns()}});
  return true;
}

void CloudHsm::set_az_outage(const std::string& az, bool down) {
  auto it = std::find(az_outages_.begin(), az_outages_.end(), az);
  if (down && it == az_outages_.end()) az_outages_.push_back(az);
  if (!down && it != az_outages_.end()) az_outages_.erase(it);
  for (auto& h : hsms_) {
    if (h->az == az) h->az_down = down;
  }
  trace("az/" + az, "fault", Json{{"fault", "az_outage"}, {"down", down}});
}

}  // namespace hsmsim::model
