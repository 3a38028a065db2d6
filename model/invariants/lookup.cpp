#include "model/invariants/lookup.h"

namespace hsmsim::model::invariants {

std::optional<std::string> string_param(const Json& request, const char* name) {
  if (!request.is_object()) return std::nullopt;
  auto it = request.find(name);
  if (it == request.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

bool is_action(const ActionInfo& action, std::string_view service, std::string_view name) {
  return action.service == service && action.name == name;
}

const CustomKeyStore* live_store(const World& world, std::string_view id) {
  for (const auto& s : world.kms().stores()) {
    if (!s->deleted && s->id == id) return s.get();
  }
  return nullptr;
}

const Cluster* cluster_record(const World& world, std::string_view id) {
  for (const auto& c : world.cloudhsm().clusters()) {
    if (c->id == id) return c.get();
  }
  return nullptr;
}

ServingHsms serving_hsms(const World& world, const Cluster& cluster) {
  ServingHsms out;
  const auto& hsms = world.cloudhsm().hsms();
  for (const auto& h : hsms) {
    if (world.cloudhsm().clusters()[h->cluster].get() != &cluster) continue;
    if (h->state != HsmState::ACTIVE || !h->serving || h->az_down) continue;
    ++out.count;
    out.azs.insert(h->az);
  }
  return out;
}

std::string ServingHsms::describe() const {
  std::string list;
  for (const std::string& az : azs) {
    list += (list.empty() ? "" : ", ") + az;
  }
  return std::to_string(count) + " in [" + list + "]";
}

std::optional<uint32_t> KeyFinder::find(const World& world, const std::string& ref) {
  const auto& keys = world.kms().keys();
  for (; indexed_ < keys.size(); ++indexed_) {
    by_id_.emplace(keys[indexed_]->id, static_cast<uint32_t>(indexed_));
  }
  // An ARN's resource part follows its last ':' ("key/…" or "alias/…").
  std::string resource = ref.rfind("arn:", 0) == 0 ? ref.substr(ref.rfind(':') + 1) : ref;
  if (resource.rfind("alias/", 0) == 0) {
    auto it = world.kms().aliases().find(resource);
    if (it == world.kms().aliases().end()) return std::nullopt;
    return it->second;
  }
  if (resource.rfind("key/", 0) == 0) resource = resource.substr(4);
  auto it = by_id_.find(resource);
  if (it == by_id_.end()) return std::nullopt;
  return it->second;
}

std::optional<uint32_t> KeyArnIndex::find(const World& world, const std::string& arn) {
  const auto& keys = world.kms().keys();
  for (; indexed_ < keys.size(); ++indexed_) {
    by_arn_.emplace(keys[indexed_]->arn, static_cast<uint32_t>(indexed_));
  }
  auto it = by_arn_.find(arn);
  if (it == by_arn_.end()) return std::nullopt;
  return it->second;
}

}  // namespace hsmsim::model::invariants
