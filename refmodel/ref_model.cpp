// RefModel: the world at t=0, time, and the step interface over Rules.
#include "refmodel/ref_model.h"

#include <algorithm>
#include <stdexcept>

#include "refmodel/rules.h"

namespace hsmsim::refmodel {
namespace {

bool data_plane(const std::string& action) {
  return action == "Encrypt" || action == "Decrypt" || action == "ReEncrypt" ||
         action == "GenerateDataKey" || action == "GenerateDataKeyWithoutPlaintext" ||
         action == "GenerateRandom";
}

bool read_only(const std::string& action) {
  return action.rfind("Describe", 0) == 0 || action.rfind("List", 0) == 0 ||
         action.rfind("Get", 0) == 0 || action == "cli:ListKeys" || data_plane(action);
}

// "250ms", "30s", "20m", "4h", "7d" (what the campaign writes) in nanoseconds.
int64_t parse_duration_ns(const std::string& text) {
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9')
    ++digits;
  if (digits == 0) throw std::invalid_argument("bad duration " + text);
  const int64_t n = std::stoll(text.substr(0, digits));
  const std::string unit = text.substr(digits);
  if (unit == "ms") return n * 1'000'000;
  if (unit == "s") return n * kNsPerSecond;
  if (unit == "m") return n * kNsPerMinute;
  if (unit == "h") return n * kNsPerHour;
  if (unit == "d") return n * kNsPerDay;
  throw std::invalid_argument("bad duration unit " + text);
}

}  // namespace

RefModel::RefModel(const WorldSpec& world) : s_(std::make_unique<State>()) {
  State& s = *s_;
  for (const ClusterSpec& spec : world.clusters) {
    Cluster c;
    c.name = spec.name;
    c.azs = spec.azs;
    c.state = spec.state;
    c.world = true;
    c.lineage = s.next_lineage++;
    if (spec.state == "ACTIVE") c.trust_anchor = spec.trust_anchor;
    std::map<std::string, User> users;
    for (const UserSpec& u : spec.users)
      users[u.name] = User{u.role, u.password, 0, false};
    if (spec.state == "UNINITIALIZED" && !users.count("admin")) {
      users["admin"] = User{"PRECO", "password", 0, false};
    }
    for (const std::string& az : spec.hsm_azs)
      c.hsms.push_back(Hsm{"", az, HsmState::Active});
    if (c.hsms.empty()) {
      c.seed_users = users;  // the world's users wait for the cluster's first HSM
    } else {
      c.users = users;
      c.ever_had_data = true;
    }
    s.bindings[c.name] = Bound::Yes;
    s.clusters[c.name] = std::move(c);
  }
  Rules rules(s);
  for (const StoreSpec& spec : world.stores) {
    Store st;
    st.id = spec.name;
    st.name = spec.name;
    st.cluster = spec.cluster;
    st.password = spec.password;
    if (spec.connected) {
      // As if it had connected just before t=0: logged in, password rotated, session held.
      Cluster& c = s.clusters.at(spec.cluster);
      st.password = rules.fresh_secret();
      c.users.at("kmsuser").password = st.password;
      c.sessions["kmsuser"] = "kms:" + spec.name;  // the store's id
      st.holds_session = true;
      st.states = kConnected;
    }
    s.bindings[spec.name] = Bound::Yes;
    s.stores[spec.name] = st;
  }
  for (const KeySpec& spec : world.keys) {
    Key k;
    k.name = spec.name;
    k.store = spec.store;
    k.world = true;
    k.home_cluster = s.stores.at(spec.store).cluster;
    s.clusters.at(k.home_cluster).material[k.name] = Material{};
    if (spec.alias) s.aliases[*spec.alias] = k.name;
    s.bindings[spec.name] = Bound::Yes;
    s.keys[spec.name] = k;
  }
  // Each ACTIVE cluster with an HSM has one READY backup taken at t=0.
  for (const auto& [name, c] : s.clusters) {
    if (c.state != "ACTIVE" || c.hsms.empty()) continue;
    const std::string id = "backup-of:" + name;
    s.backups[id] = Backup{name, c.users, c.material, "READY", true};
    s.bindings[id] = Bound::Yes;
  }
}

RefModel::~RefModel() = default;

void RefModel::advance(int64_t ns) {
  s_->lo += ns;
  s_->hi += ns;
}

Prediction RefModel::call(const std::string& written, const Json& params,
                          const std::optional<std::string>& as) {
  State& s = *s_;
  std::string action = written;
  for (const char* prefix : {"kms:", "cloudhsmv2:"}) {
    if (action.rfind(prefix, 0) == 0) action = action.substr(std::string(prefix).size());
  }
  if (action.rfind("cli:", 0) == 0 && action != "cli:ListKeys") action = action.substr(4);
  const bool dp = data_plane(action);
  Rules rules(s);
  rules.resolve(s.hi + (dp ? s.data_plane_bound_ns : kApiRttNs));
  const Prediction p = rules.call(action, params, as);
  if (p.is_unknown() && !read_only(action)) {
    rules.poison_everything_named_in(params);
    if (action == "CreateCustomKeyStore") {
      s.maybe_store_names.insert(str_param(params, "CustomKeyStoreName").value_or(""));
      ++s.maybe_stores;
      for (const auto& [name, c] : s.clusters)
        s.maybe_lineages.insert(c.lineage);
    }
    // A key that may exist may also be deleted: orphans are no longer countable.
    if (action == "ScheduleKeyDeletion") s.orphans_known = false;
    if (action == "CreateKey") {
      if (auto store = str_param(params, "CustomKeyStoreId")) s.maybe_key_stores.insert(*store);
    }
  }
  if (as) {
    if (p.is_unknown()) {
      s.bindings[*as] = Bound::Maybe;
    } else if (!p.is_ok()) {
      s.bindings[*as] = Bound::No;
    } else if (!s.bindings.count(*as)) {
      s.bindings[*as] = Bound::Yes;
    }
  }
  // A control-plane answer takes api_rtt; a crypto answer some bounded time.
  s.lo += dp ? 0 : kApiRttNs;
  s.hi += dp ? s.data_plane_bound_ns : kApiRttNs;
  return p;
}

bool RefModel::fault_applies(const std::string& kind, const Json& params) {
  Rules rules(*s_);
  rules.resolve(s_->hi);
  return rules.fault_applies(kind, params);
}

void RefModel::fault(const std::string& kind, const Json& params) {
  Rules rules(*s_);
  rules.resolve(s_->hi);
  Json p = params;
  if (auto d = params.find("duration"); d != params.end() && d->is_string()) {
    p["duration_ns"] = parse_duration_ns(d->get<std::string>());
  }
  rules.fault(kind, p);
}

Json RefModel::observable() {
  Rules rules(*s_);
  rules.resolve(s_->hi);
  return rules.observable();
}

Bound RefModel::bound(const std::string& name) const {
  auto it = s_->bindings.find(name);
  return it == s_->bindings.end() ? Bound::No : it->second;
}

std::optional<std::string> RefModel::first_backup_of(const std::string& describe_name) const {
  auto it = s_->describe_backups.find(describe_name);
  return it == s_->describe_backups.end() ? std::nullopt : it->second;
}

int64_t RefModel::now_hi() const {
  return s_->hi;
}

}  // namespace hsmsim::refmodel
