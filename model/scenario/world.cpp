// `world:` — the clusters, key stores and keys that exist at t=0, and the rules such a world
// must satisfy because it is built by fiat rather than by calls (SPEC §5, "The world at t=0").
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "model/scenario/fields.h"
#include "model/scenario/scenario.h"
#include "model/scenario/sections.h"

namespace hsmsim::scenario::sections {
namespace {

constexpr std::size_t kPasswordMin = 7;  // CloudHSM user passwords: 7 to 32 characters
constexpr std::size_t kPasswordMax = 32;
constexpr std::size_t kAliasChars = 256;
constexpr std::size_t kDescriptionChars = 8'192;
constexpr std::string_view kKmsUser = "kmsuser";

std::string joined(const std::vector<std::string>& words) {
  std::string out;
  for (const std::string& w : words)
    out += (out.empty() ? "" : ", ") + w;
  return out;
}

// Names are unique within their kind; the second use is the error, pointing at the first.
class NameSet {
 public:
  explicit NameSet(std::string kind) : kind_(std::move(kind)) {}
  void add(const std::string& name, const Value& v, const std::string& path) {
    const auto [it, inserted] = lines_.emplace(name, v.loc.line);
    if (!inserted) {
      fields::fail(v.loc, fmt::format("field '{}': duplicate {} name '{}' (first at line {})", path,
                                      kind_, name, it->second));
    }
  }

 private:
  std::string kind_;
  std::map<std::string, int> lines_;
};

std::string password(const Value& v, const std::string& path) {
  std::string text = fields::string(v, path);
  if (text.size() < kPasswordMin || text.size() > kPasswordMax) {
    fields::fail(v.loc, fmt::format("field '{}': a password has 7 to 32 characters (got {})", path,
                                    text.size()));
  }
  return text;
}

// The name of an object defined earlier in the world, with a suggestion when misspelt.
std::string reference(const Value& v, const std::string& path, std::string_view kind,
                      const std::vector<std::string>& defined) {
  std::string name = fields::string(v, path);
  if (std::find(defined.begin(), defined.end(), name) != defined.end()) return name;
  const std::string suggestion = closest_match(name, defined);
  fields::fail(v.loc,
               fmt::format("field '{}': no world {} named '{}'{}", path, kind, name,
                           suggestion.empty() ? "" : " (did you mean '" + suggestion + "'?)"));
}

std::vector<UserSpec> read_users(const Value& v, const std::string& path) {
  std::vector<UserSpec> users;
  NameSet names("user");
  const auto& items = fields::sequence(v, path, Limits::kUsersPerCluster, "users per cluster");
  for (std::size_t i = 0; i < items.size(); ++i) {
    const std::string user_path = fields::index(path, i);
    const fields::MapReader m(items[i], user_path, {"name", "role", "password"});
    UserSpec user;
    user.loc = items[i].loc;
    user.name = fields::name(m.require("name"), m.path("name"));
    names.add(user.name, m.require("name"), m.path("name"));
    user.role = fields::one_of(m.require("role"), m.path("role"), {"CO", "CU"});
    user.password = password(m.require("password"), m.path("password"));
    users.push_back(std::move(user));
  }
  return users;
}

void read_azs(const fields::MapReader& m, ClusterSpec& c) {
  const std::string path = m.path("azs");
  const auto& azs = fields::sequence(m.require("azs"), path);
  if (azs.empty()) fields::fail(m.require("azs").loc, fmt::format("field '{}': names no AZ", path));
  for (std::size_t i = 0; i < azs.size(); ++i) {
    std::string az = fields::string(azs[i], fields::index(path, i));
    if (std::find(c.azs.begin(), c.azs.end(), az) != c.azs.end()) {
      fields::fail(azs[i].loc, fmt::format("field '{}': AZ '{}' listed twice (one subnet per AZ)",
                                           fields::index(path, i), az));
    }
    c.azs.push_back(std::move(az));
  }
}

void read_hsms(const fields::MapReader& m, ClusterSpec& c) {
  const Value* hsms = m.get("hsms");
  if (hsms == nullptr) return;
  const std::string path = m.path("hsms");
  const auto& items = fields::sequence(*hsms, path, Limits::kHsmsPerCluster, "HSMs per cluster");
  for (std::size_t i = 0; i < items.size(); ++i) {
    const std::string az = fields::string(items[i], fields::index(path, i));
    if (std::find(c.azs.begin(), c.azs.end(), az) == c.azs.end()) {
      fields::fail(items[i].loc, fmt::format("field '{}': AZ '{}' is not one of the cluster's azs "
                                             "({})",
                                             fields::index(path, i), az, joined(c.azs)));
    }
    c.hsms.push_back(az);
  }
}

ClusterSpec read_cluster(const Value& v, const std::string& path) {
  const fields::MapReader m(
      v, path, {"name", "azs", "state", "hsms", "users", "trust_anchor", "backup_retention_days"});
  ClusterSpec c;
  c.loc = v.loc;
  c.name = fields::name(m.require("name"), m.path("name"));
  read_azs(m, c);
  if (const Value* state = m.get("state")) {
    c.state = fields::one_of(*state, m.path("state"), {"UNINITIALIZED", "ACTIVE"});
  }
  read_hsms(m, c);
  if (const Value* users = m.get("users")) c.users = read_users(*users, m.path("users"));
  if (const Value* anchor = m.get("trust_anchor")) {
    c.trust_anchor = fields::string(*anchor, m.path("trust_anchor"));
  }
  if (const Value* days = m.get("backup_retention_days")) {
    c.backup_retention_days =
        static_cast<int>(fields::integer(*days, m.path("backup_retention_days"), 7, 379));
  }
  return c;
}

KeyStoreSpec read_key_store(const Value& v, const std::string& path,
                            const std::vector<std::string>& clusters) {
  const fields::MapReader m(v, path, {"name", "cluster", "password", "state"});
  KeyStoreSpec s;
  s.loc = v.loc;
  s.name = fields::name(m.require("name"), m.path("name"));
  s.cluster = reference(m.require("cluster"), m.path("cluster"), "cluster", clusters);
  s.password = password(m.require("password"), m.path("password"));
  if (const Value* state = m.get("state")) {
    s.state = fields::one_of(*state, m.path("state"), {"DISCONNECTED", "CONNECTED"});
  }
  return s;
}

std::string alias(const Value& v, const std::string& path) {
  std::string text = fields::string(v, path);
  const bool chars_ok = std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '/' ||
           c == '_' || c == '-';
  });
  if (!text.starts_with("alias/") || text.size() == 6 || text.size() > kAliasChars || !chars_ok) {
    fields::fail_type(v, path, "an alias name like alias/app (letters, digits, /, _ and -)");
  }
  if (text.starts_with("alias/aws/")) {
    fields::fail(v.loc,
                 fmt::format("field '{}': alias/aws/ is reserved for AWS managed keys", path));
  }
  return text;
}

KeySpec read_key(const Value& v, const std::string& path, const std::vector<std::string>& stores) {
  const fields::MapReader m(v, path, {"name", "key_store", "alias", "description"});
  KeySpec k;
  k.loc = v.loc;
  k.name = fields::name(m.require("name"), m.path("name"));
  k.key_store = reference(m.require("key_store"), m.path("key_store"), "key store", stores);
  if (const Value* a = m.get("alias")) k.alias = alias(*a, m.path("alias"));
  if (const Value* d = m.get("description")) {
    k.description = fields::string(*d, m.path("description"));
    if (k.description->size() > kDescriptionChars) {
      fields::fail(d->loc,
                   fmt::format("field '{}': longer than 8192 characters", m.path("description")));
    }
  }
  return k;
}

std::size_t distinct_azs(const ClusterSpec& c) {
  return std::set<std::string>(c.hsms.begin(), c.hsms.end()).size();
}

// A CONNECTED store at t=0 stands for a connect that succeeded just before: the cluster was
// ACTIVE with an HSM, and kmsuser's password was the one the store holds.
void check_connected_store(const KeyStoreSpec& s, const ClusterSpec& c, const std::string& path) {
  const auto fail = [&](const std::string& why) {
    fields::fail(s.loc,
                 fmt::format("field '{}': key store '{}' is CONNECTED but {}", path, s.name, why));
  };
  if (c.state != "ACTIVE") fail(fmt::format("its cluster '{}' is {}, not ACTIVE", c.name, c.state));
  if (c.hsms.empty()) fail(fmt::format("its cluster '{}' has no HSM", c.name));
  const auto user = std::find_if(c.users.begin(), c.users.end(),
                                 [](const UserSpec& u) { return u.name == kKmsUser; });
  if (user == c.users.end()) fail(fmt::format("cluster '{}' has no user 'kmsuser'", c.name));
  if (user->role != "CU") fail(fmt::format("'kmsuser' on cluster '{}' is not a CU", c.name));
  if (user->password != s.password) {
    fail(fmt::format("its password differs from kmsuser's password on cluster '{}'", c.name));
  }
}

void check_world_key(const KeySpec& k, const KeyStoreSpec& s, const ClusterSpec& c,
                     const std::string& path) {
  if (s.state != "CONNECTED") {
    fields::fail(k.loc, fmt::format("field '{}': world key '{}' needs its key store '{}' "
                                    "CONNECTED (it is {})",
                                    path, k.name, s.name, s.state));
  }
  if (distinct_azs(c) < 2) {
    fields::fail(k.loc, fmt::format("field '{}': world key '{}' needs active HSMs in 2 distinct "
                                    "AZs in cluster '{}' (it has HSMs in {})",
                                    path, k.name, c.name, distinct_azs(c)));
  }
}

const ClusterSpec& cluster_named(const World& w, const std::string& name) {
  return *std::find_if(w.clusters.begin(), w.clusters.end(),
                       [&](const ClusterSpec& c) { return c.name == name; });
}

const KeyStoreSpec& store_named(const World& w, const std::string& name) {
  return *std::find_if(w.key_stores.begin(), w.key_stores.end(),
                       [&](const KeyStoreSpec& s) { return s.name == name; });
}

void read_clusters(const fields::MapReader& m, World& w, std::vector<std::string>& names) {
  const Value* v = m.get("clusters");
  if (v == nullptr) return;
  const auto& items =
      fields::sequence(*v, m.path("clusters"), Limits::kClusters, "the number of clusters");
  NameSet unique("cluster");
  for (std::size_t i = 0; i < items.size(); ++i) {
    const std::string path = fields::index(m.path("clusters"), i);
    w.clusters.push_back(read_cluster(items[i], path));
    unique.add(w.clusters.back().name, *items[i].find("name"), fields::join(path, "name"));
    names.push_back(w.clusters.back().name);
  }
}

void read_key_stores(const fields::MapReader& m, const Quotas& quotas, World& w,
                     const std::vector<std::string>& clusters, std::vector<std::string>& names) {
  const Value* v = m.get("key_stores");
  if (v == nullptr) return;
  const std::size_t limit = std::min<std::size_t>(
      quotas.custom_key_stores.value_or(Limits::kKeyStores), Limits::kKeyStores);
  const auto& items = fields::sequence(*v, m.path("key_stores"), limit,
                                       "the number of key stores (quotas.custom_key_stores)");
  NameSet unique("key store");
  std::map<std::string, std::string> store_of_cluster;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const std::string path = fields::index(m.path("key_stores"), i);
    KeyStoreSpec s = read_key_store(items[i], path, clusters);
    unique.add(s.name, *items[i].find("name"), fields::join(path, "name"));
    const auto [it, inserted] = store_of_cluster.emplace(s.cluster, s.name);
    if (!inserted) {
      fields::fail(items[i].find("cluster")->loc,
                   fmt::format("field '{}.cluster': cluster '{}' is already used by key store '{}'",
                               path, s.cluster, it->second));
    }
    if (s.state == "CONNECTED") check_connected_store(s, cluster_named(w, s.cluster), path);
    names.push_back(s.name);
    w.key_stores.push_back(std::move(s));
  }
}

void read_keys(const fields::MapReader& m, World& w, const std::vector<std::string>& stores) {
  const Value* v = m.get("keys");
  if (v == nullptr) return;
  const auto& items = fields::sequence(*v, m.path("keys"), Limits::kKeys, "the number of keys");
  NameSet unique("key");
  std::map<std::string, int> alias_lines;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const std::string path = fields::index(m.path("keys"), i);
    KeySpec k = read_key(items[i], path, stores);
    unique.add(k.name, *items[i].find("name"), fields::join(path, "name"));
    if (k.alias) {
      const auto [it, inserted] = alias_lines.emplace(*k.alias, items[i].loc.line);
      if (!inserted) {
        fields::fail(items[i].find("alias")->loc,
                     fmt::format("field '{}.alias': alias '{}' already names a key (line {})", path,
                                 *k.alias, it->second));
      }
    }
    const KeyStoreSpec& s = store_named(w, k.key_store);
    check_world_key(k, s, cluster_named(w, s.cluster), path);
    w.keys.push_back(std::move(k));
  }
}

}  // namespace

World read_world(const Value& v, const Quotas& quotas) {
  World w;
  if (v.is_null()) return w;
  const fields::MapReader m(v, "world", {"clusters", "key_stores", "keys"});
  std::vector<std::string> clusters;
  std::vector<std::string> stores;
  read_clusters(m, w, clusters);
  read_key_stores(m, quotas, w, clusters, stores);
  read_keys(m, w, stores);
  return w;
}

}  // namespace hsmsim::scenario::sections
