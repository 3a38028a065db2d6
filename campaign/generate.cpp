// The program generator: a random world that makes interesting states reachable in a few
// commands (a connected store with keys, a store with a wrong password, a one-HSM cluster, an
// unrelated cluster, an uninitialized one), then calls with valid and invalid arguments for
// every action, optional faults, and advances of time that either keep the world in its
// transitional states (the next call at once) or let everything settle.
#include <algorithm>

#include "campaign/program.h"
#include "sim/random.h"

namespace hsmsim::campaign {
namespace {

using refmodel::ClusterSpec;
using refmodel::KeySpec;
using refmodel::StoreSpec;
using refmodel::UserSpec;

constexpr const char* kAzA = "us-east-1a";
constexpr const char* kAzB = "us-east-1b";
constexpr const char* kAzC = "us-east-1c";
constexpr const char* kKmsPassword = "kmsPassw0rd";
constexpr const char* kOtherPassword = "otherPassw0rd";
constexpr const char* kAdminPassword = "adminPassw0rd";
constexpr const char* kAllowAllPolicy =
    R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*",)"
    R"("Action":"kms:*","Resource":"*"}]})";

std::string anchor(const std::string& name) {
  return "-----BEGIN CERTIFICATE-----\nanchor-" + name + "\n-----END CERTIFICATE-----\n";
}

struct BlobInfo {
  std::string name;
  Json context;
};

class Generator {
 public:
  explicit Generator(const GenOptions& o) : options_(o), rng_(o.seed, "campaign-generator") {}

  Program run() {
    make_world();
    const int n = 1 + static_cast<int>(rng_.next_below(std::max(1, options_.max_steps)));
    for (int i = 0; static_cast<int>(program_.commands.size()) < n; ++i) {
      index_ = i;
      // Now and then a short sequence that reaches a documented corner in a few commands.
      if (chance(0.08)) {
        std::vector<Command> story = recipe();
        if (!story.empty() &&
            program_.commands.size() + story.size() <= static_cast<std::size_t>(n)) {
          for (Command& c : story)
            program_.commands.push_back(std::move(c));
          continue;
        }
      }
      Command c = options_.faults && chance(0.1) ? fault() : call();
      c.after_ns = advance();
      program_.commands.push_back(std::move(c));
    }
    return program_;
  }

 private:
  // --- randomness -----------------------------------------------------------------------------
  bool chance(double p) { return rng_.next_double() < p; }
  template <typename T>
  const T& pick(const std::vector<T>& items) {
    return items[rng_.next_below(items.size())];
  }
  std::string fresh(const char* prefix) { return prefix + std::to_string(index_); }

  // --- the world ------------------------------------------------------------------------------
  void make_world() {
    refmodel::WorldSpec& w = program_.world;
    const bool c1_kmsuser = chance(0.9);
    const std::vector<std::vector<std::string>> c1_layouts = {
        {kAzA, kAzB}, {kAzA, kAzB}, {kAzA}, {kAzA, kAzB, kAzC}, {kAzA, kAzA}};
    ClusterSpec c1{"c1", {kAzA, kAzB, kAzC}, "ACTIVE", pick(c1_layouts), {}, anchor("c1")};
    c1.users.push_back(UserSpec{"admin", "CO", kAdminPassword});
    if (c1_kmsuser) c1.users.push_back(UserSpec{"kmsuser", "CU", kKmsPassword});
    w.clusters.push_back(c1);
    const std::vector<std::vector<std::string>> c2_layouts = {{kAzA, kAzB}, {kAzA}, {}};
    ClusterSpec c2{"c2", {kAzA, kAzB}, "ACTIVE", pick(c2_layouts), {}, anchor("c2")};
    c2.users.push_back(UserSpec{"admin", "CO", kAdminPassword});
    c2.users.push_back(UserSpec{"kmsuser", "CU", chance(0.7) ? kKmsPassword : kOtherPassword});
    w.clusters.push_back(c2);
    if (chance(0.5)) {
      ClusterSpec c3{"c3",
                     {kAzA, kAzB},
                     "UNINITIALIZED",
                     chance(0.5) ? std::vector<std::string>{kAzA} : std::vector<std::string>{},
                     {},
                     anchor("c3")};
      w.clusters.push_back(c3);
    }
    // A free cluster nobody uses: for stores created from scratch and unrelated updates.
    const bool c4 = chance(0.6);
    if (c4) {
      ClusterSpec free{
          "c4",
          {kAzA, kAzB},
          "ACTIVE",
          chance(0.8) ? std::vector<std::string>{kAzA, kAzB} : std::vector<std::string>{kAzA},
          {},
          anchor("c4")};
      free.users.push_back(UserSpec{"admin", "CO", kAdminPassword});
      free.users.push_back(UserSpec{"kmsuser", "CU", kKmsPassword});
      w.clusters.push_back(free);
    }
    clusters_ = {};
    for (const ClusterSpec& c : w.clusters)
      clusters_.push_back(c.name);
    world_clusters_ = clusters_;
    // ks1 on c1: connected when it can be (kmsuser exists, an HSM is there).
    const bool ks1_connected = c1_kmsuser && !c1.hsm_azs.empty() && chance(0.75);
    w.stores.push_back(StoreSpec{"ks1", "c1", kKmsPassword, ks1_connected});
    stores_ = {"ks1"};
    if (chance(0.8)) {
      const bool right = chance(0.6);
      const std::string password =
          right ? c2.users.back().password : kOtherPassword + std::string("x");
      const bool connected = right && !c2.hsm_azs.empty() && chance(0.4);
      w.stores.push_back(StoreSpec{"ks2", "c2", password, connected});
      stores_.push_back("ks2");
    }
    auto distinct = [](const std::vector<std::string>& azs) {
      return std::set<std::string>(azs.begin(), azs.end()).size();
    };
    if (ks1_connected && distinct(c1.hsm_azs) >= 2) {
      w.keys.push_back(KeySpec{"k1", "ks1", std::string("alias/k1")});
      keys_.push_back("k1");
      if (chance(0.5)) {
        w.keys.push_back(KeySpec{"k2", "ks1", std::nullopt});
        keys_.push_back("k2");
      }
    }
    if (w.stores.size() > 1 && w.stores[1].connected && distinct(c2.hsm_azs) >= 2) {
      w.keys.push_back(KeySpec{"k3", "ks2", std::nullopt});
      keys_.push_back("k3");
    }
    for (const ClusterSpec& c : w.clusters)
      anchors_[c.name] = c.trust_anchor;
  }

  // --- recipes: documented corners reached in a few commands ---------------------------------
  bool world_has(const std::string& name) const {
    for (const auto& c : program_.world.clusters) {
      if (c.name == name) return true;
    }
    for (const auto& st : program_.world.stores) {
      if (st.name == name) return true;
    }
    for (const auto& k : program_.world.keys) {
      if (k.name == name) return true;
    }
    return false;
  }
  std::string store_of_key(const std::string& key) const {
    for (const auto& k : program_.world.keys) {
      if (k.name == key) return k.store;
    }
    return "";
  }
  std::string cluster_of_store(const std::string& store) const {
    for (const auto& st : program_.world.stores) {
      if (st.name == store) return st.cluster;
    }
    return "";
  }
  Command settled(Command c, int64_t after = kSettleNs) {
    c.after_ns = after;
    return c;
  }
  Arg world_ref(const std::string& name, ObjKind kind) { return Arg::ref(name, kind); }

  std::vector<Command> recipe() {
    const std::string key = program_.world.keys.empty() ? "" : program_.world.keys.front().name;
    const std::string store = key.empty() ? "" : store_of_key(key);
    switch (rng_.next_below(9)) {
      case 0:  // a store still holding a PendingDeletion key cannot be deleted
        if (key.empty()) return {};
        return {make("ScheduleKeyDeletion", {{"KeyId", world_ref(key, ObjKind::Key)},
                                             {"PendingWindowInDays", Arg::lit(7)}}),
                make("DisconnectCustomKeyStore",
                     {{"CustomKeyStoreId", world_ref(store, ObjKind::Store)}}),
                settled(make("DeleteCustomKeyStore",
                             {{"CustomKeyStoreId", world_ref(store, ObjKind::Store)}}))};
      case 1:  // a key deleted while its store is disconnected leaves orphaned material
        if (key.empty()) return {};
        return {make("DisconnectCustomKeyStore",
                     {{"CustomKeyStoreId", world_ref(store, ObjKind::Store)}}),
                settled(make("ScheduleKeyDeletion", {{"KeyId", world_ref(key, ObjKind::Key)},
                                                     {"PendingWindowInDays", Arg::lit(7)}})),
                settled(make("ListKeys", {}), kLongSettleNs)};
      case 2: {  // an encryption context that differs only in where the pairs split
        if (key.empty()) return {};
        const std::string ct = fresh("ctx");
        blobs_.push_back(BlobInfo{ct, Json{{"a", "bc"}}});
        return {make("Encrypt",
                     {{"KeyId", world_ref(key, ObjKind::Key)},
                      {"Plaintext", Arg::lit("hello")},
                      {"EncryptionContext", Arg::lit(Json{{"a", "bc"}})}},
                     ct),
                make("Decrypt", {{"CiphertextBlob", Arg::ref(ct, ObjKind::Blob)},
                                 {"EncryptionContext", Arg::lit(Json{{"ab", "c"}})}})};
      }
      case 3: {  // a cluster restored from a backup shares its source's backup history
        const std::string d = fresh("dx");
        const std::string c = fresh("ncx");
        describes_.push_back(d);
        clusters_.push_back(c);
        anchors_[c] = anchors_["c1"];
        std::vector<Command> out = {
            make("DescribeBackups",
                 {{"Filters", Arg::lit(Json{{"clusterIds", Json::array({"c1"})}})}}, d),
            make("CreateCluster",
                 {{"SubnetIds", Arg::lit(Json::array({kAzA, kAzB}))},
                  {"SourceBackupId", Arg::first_backup_of(d)}},
                 c),
            settled(make("CreateHsm", {{"ClusterId", Arg::ref(c, ObjKind::Cluster)},
                                       {"AvailabilityZone", Arg::lit(kAzA)}})),
            make("CreateHsm", {{"ClusterId", Arg::ref(c, ObjKind::Cluster)},
                               {"AvailabilityZone", Arg::lit(kAzB)}})};
        if (chance(0.5)) {
          out.push_back(settled(make("CreateCustomKeyStore",
                                     {{"CustomKeyStoreName", Arg::lit("store-" + c)},
                                      {"CloudHsmClusterId", Arg::ref(c, ObjKind::Cluster)},
                                      {"TrustAnchorCertificate", Arg::lit(anchors_["c1"])},
                                      {"KeyStorePassword", Arg::lit(kKmsPassword)}},
                                     fresh("nksx"))));
          stores_.push_back(*out.back().as);
        } else {
          out.push_back(make("DisconnectCustomKeyStore",
                             {{"CustomKeyStoreId", world_ref("ks1", ObjKind::Store)}}));
          out.push_back(settled(make("UpdateCustomKeyStore",
                                     {{"CustomKeyStoreId", world_ref("ks1", ObjKind::Store)},
                                      {"CloudHsmClusterId", Arg::ref(c, ObjKind::Cluster)}})));
        }
        return out;
      }
      case 4:  // a store moves only to a cluster that shares its backup history
        if (!world_has("ks2")) return {};
        return {make(
            "UpdateCustomKeyStore",
            {{"CustomKeyStoreId", world_ref("ks2", ObjKind::Store)},
             {"CloudHsmClusterId", world_ref(world_has("c4") ? "c4" : "c1", ObjKind::Cluster)}})};
      case 5:  // only Disconnect leaves FAILED
        if (!world_has("ks2")) return {};
        return {
            make("ConnectCustomKeyStore", {{"CustomKeyStoreId", world_ref("ks2", ObjKind::Store)}}),
            settled(make("ConnectCustomKeyStore",
                         {{"CustomKeyStoreId", world_ref("ks2", ObjKind::Store)}})),
            make("DisconnectCustomKeyStore",
                 {{"CustomKeyStoreId", world_ref("ks2", ObjKind::Store)}})};
      case 6: {  // kmsuser logged in elsewhere; or locked out after failed logins
        if (!world_has("ks2")) return {};
        std::vector<Command> out;
        const bool lockout = chance(0.5);
        const int logins = lockout ? 6 : 1;
        for (int i = 0; i < logins; ++i) {
          out.push_back(
              make("cli:Login", {{"ClusterId", world_ref("c2", ObjKind::Cluster)},
                                 {"Username", Arg::lit("kmsuser")},
                                 {"Password", Arg::lit(lockout ? "wrongPassw0rd" : kKmsPassword)},
                                 {"Role", Arg::lit("CU")}}));
        }
        out.push_back(make("ConnectCustomKeyStore",
                           {{"CustomKeyStoreId", world_ref("ks2", ObjKind::Store)}}));
        out.push_back(settled(make("DescribeCustomKeyStores",
                                   {{"CustomKeyStoreId", world_ref("ks2", ObjKind::Store)}})));
        return out;
      }
      case 8: {  // the only HSM goes away while a connect is under way
        if (!world_has("ks1") || store_of_key(key) != "ks1" || key.empty()) return {};
        const std::string d = fresh("dy");
        const std::string c = fresh("ncy");
        const std::string h = fresh("nhy");
        const std::string h2 = fresh("nhz");
        describes_.push_back(d);
        clusters_.push_back(c);
        hsms_.emplace_back(h, c);
        hsms_.emplace_back(h2, c);
        const Arg ks1 = world_ref("ks1", ObjKind::Store);
        return {make("DescribeBackups",
                     {{"Filters", Arg::lit(Json{{"clusterIds", Json::array({"c1"})}})}}, d),
                make("CreateCluster",
                     {{"SubnetIds", Arg::lit(Json::array({kAzA, kAzB}))},
                      {"SourceBackupId", Arg::first_backup_of(d)}},
                     c),
                settled(make("CreateHsm",
                             {{"ClusterId", Arg::ref(c, ObjKind::Cluster)},
                              {"AvailabilityZone", Arg::lit(kAzA)}},
                             h)),
                make("CreateHsm",
                     {{"ClusterId", Arg::ref(c, ObjKind::Cluster)},
                      {"AvailabilityZone", Arg::lit(kAzB)}},
                     h2),
                make("DisconnectCustomKeyStore", {{"CustomKeyStoreId", ks1}}),
                settled(make("UpdateCustomKeyStore",
                             {{"CustomKeyStoreId", ks1},
                              {"CloudHsmClusterId", Arg::ref(c, ObjKind::Cluster)}})),
                make("ConnectCustomKeyStore", {{"CustomKeyStoreId", ks1}}),
                make("DeleteHsm", {{"ClusterId", Arg::ref(c, ObjKind::Cluster)},
                                   {"HsmId", Arg::ref(h, ObjKind::Hsm)}}),
                make("DeleteHsm", {{"ClusterId", Arg::ref(c, ObjKind::Cluster)},
                                   {"HsmId", Arg::ref(h2, ObjKind::Hsm)}}),
                settled(make("DescribeCustomKeyStores", {{"CustomKeyStoreId", ks1}}))};
      }
      default:  // the cluster of a disconnected store is deleted; connecting finds no cluster
        if (!world_has("ks2")) return {};
        return {make("DeleteCluster", {{"ClusterId", world_ref("c2", ObjKind::Cluster)}}),
                settled(make("ConnectCustomKeyStore",
                             {{"CustomKeyStoreId", world_ref("ks2", ObjKind::Store)}})),
                settled(make("DescribeCustomKeyStores",
                             {{"CustomKeyStoreId", world_ref("ks2", ObjKind::Store)}}))};
    }
  }

  // --- references -----------------------------------------------------------------------------
  Arg cluster_ref() {
    if (chance(0.08)) return Arg::ref("cluster-doesnotexist", ObjKind::Cluster);
    return Arg::ref(pick(clusters_), ObjKind::Cluster);
  }
  Arg store_ref() {
    if (chance(0.08)) return Arg::ref("cks-doesnotexist0", ObjKind::Store);
    return Arg::ref(pick(stores_), ObjKind::Store);
  }
  Arg key_ref() {
    if (keys_.empty() || chance(0.08)) {
      return Arg::ref("1234abcd-0000-4000-8000-000000000000", ObjKind::Key);
    }
    if (chance(0.12)) return Arg::lit(pick(std::vector<std::string>{"alias/k1", "alias/app"}));
    return Arg::ref(pick(keys_), ObjKind::Key);
  }
  Json context() {
    static const std::vector<Json> contexts = {Json::object(), Json{{"app", "web"}},
                                               Json{{"a", "bc"}}, Json{{"ab", "c"}},
                                               Json{{"app", "web"}, {"tier", "db"}}};
    return pick(contexts);
  }
  // A context that differs from `c` but encodes to the same bytes when lengths are left out.
  Json confusable(const Json& c) {
    if (c == Json{{"a", "bc"}}) return Json{{"ab", "c"}};
    if (c == Json{{"ab", "c"}}) return Json{{"a", "bc"}};
    return context();
  }
  std::string cluster_az(const std::string& cluster) {
    for (const ClusterSpec& c : program_.world.clusters) {
      if (c.name == cluster) return pick(c.azs);
    }
    return chance(0.5) ? kAzA : kAzB;
  }

  // --- commands -------------------------------------------------------------------------------
  Command make(const std::string& action, std::vector<std::pair<std::string, Arg>> params,
               std::optional<std::string> as = std::nullopt) {
    Command c;
    c.action = action;
    c.params = std::move(params);
    c.as = std::move(as);
    return c;
  }

  int64_t advance() {
    // Mostly at once (objects certainly still in their transitional states); sometimes a
    // settle longer than every asynchronous duration; after a scheduled deletion sometimes
    // past the longest window.
    if (deletion_pending_ && chance(0.15)) {
      deletion_pending_ = false;
      return kLongSettleNs;
    }
    if (chance(0.25)) return kSettleNs;
    if (chance(0.01)) return kLongSettleNs;
    return 0;
  }

  Command fault() {
    const std::string cluster = pick(world_clusters_);
    const std::string duration = chance(0.5) ? "1m" : "4h";
    Command c;
    c.kind = Command::Kind::Fault;
    switch (rng_.next_below(7)) {
      case 0:
      case 1:
        c.fault = "hsm_failure";
        c.fault_params = Json{{"cluster", cluster}, {"az", cluster_az(cluster)}};
        if (chance(0.4)) c.fault_params["replace"] = false;
        break;
      case 2:
        c.fault = "az_outage";
        c.fault_params = Json{{"az", chance(0.5) ? kAzA : kAzB}, {"duration", duration}};
        break;
      case 3:
        c.fault = "network_partition";
        c.fault_params = Json{{"cluster", cluster}, {"duration", duration}};
        break;
      case 4:
        c.fault = chance(0.5) ? "subnet_deleted" : "subnet_full";
        c.fault_params = Json{{"cluster", cluster}, {"az", cluster_az(cluster)}};
        break;
      case 5:
        c.fault = "hsm_slowdown";
        c.fault_params = Json{{"cluster", cluster}, {"factor", 3}, {"duration", duration}};
        break;
      default:
        c.fault = "kms_internal_error";
        c.fault_params = Json{{"probability", chance(0.5) ? 1.0 : 0.5}, {"duration", duration}};
        break;
    }
    return c;
  }

  Command call() {
    // Weighted towards the store and key state machines and crypto.
    const uint64_t r = rng_.next_below(100);
    if (r < 30) return store_call();
    if (r < 55) return key_call();
    if (r < 72) return crypto_call();
    if (r < 88) return cloudhsm_call();
    return cli_call();
  }

  Command store_call() {
    switch (rng_.next_below(9)) {
      case 0:
      case 1:
        return create_store();
      case 2:
        return make("DescribeCustomKeyStores", describe_store_params());
      case 3:
      case 4:
        return make("ConnectCustomKeyStore", {{"CustomKeyStoreId", store_ref()}});
      case 5:
      case 6:
        return make("DisconnectCustomKeyStore", {{"CustomKeyStoreId", store_ref()}});
      case 7:
        return update_store();
      default:
        return make("DeleteCustomKeyStore", {{"CustomKeyStoreId", store_ref()}});
    }
  }

  std::vector<std::pair<std::string, Arg>> describe_store_params() {
    const uint64_t r = rng_.next_below(10);
    if (r < 6) return {{"CustomKeyStoreId", store_ref()}};
    if (r < 8) return {{"CustomKeyStoreName", Arg::lit(pick(stores_))}};
    if (r < 9) return {};
    return {{"CustomKeyStoreId", store_ref()}, {"CustomKeyStoreName", Arg::lit("ks1")}};
  }

  Command create_store() {
    if (!store_creates_.empty() && chance(0.15)) {
      Command again = pick(store_creates_);  // the idempotent repeat
      again.as = fresh("nks");
      stores_.push_back(*again.as);
      return again;
    }
    Arg cluster = cluster_ref();
    const std::string cluster_name = cluster.name;
    const std::string name = chance(0.75) ? "store-" + std::to_string(index_) : pick(stores_);
    std::string trust = anchors_.count(cluster_name) && chance(0.85)
                            ? anchors_[cluster_name]
                            : "-----BEGIN CERTIFICATE-----\nwrong\n-----END CERTIFICATE-----\n";
    const uint64_t pw = rng_.next_below(10);
    const std::string password = pw < 7 ? kKmsPassword : pw < 9 ? kOtherPassword : "short";
    std::vector<std::pair<std::string, Arg>> params = {{"CustomKeyStoreName", Arg::lit(name)},
                                                       {"CloudHsmClusterId", cluster},
                                                       {"TrustAnchorCertificate", Arg::lit(trust)},
                                                       {"KeyStorePassword", Arg::lit(password)}};
    if (chance(0.05)) params.emplace_back("CustomKeyStoreType", Arg::lit("EXTERNAL_KEY_STORE"));
    Command c = make("CreateCustomKeyStore", params, fresh("nks"));
    stores_.push_back(*c.as);
    store_creates_.push_back(c);
    return c;
  }

  Command update_store() {
    std::vector<std::pair<std::string, Arg>> params = {{"CustomKeyStoreId", store_ref()}};
    if (chance(0.4)) {
      params.emplace_back(
          "NewCustomKeyStoreName",
          Arg::lit(chance(0.7) ? "renamed-" + std::to_string(index_) : pick(stores_)));
    }
    if (chance(0.4)) {
      const uint64_t pw = rng_.next_below(10);
      params.emplace_back("KeyStorePassword", Arg::lit(pw < 6   ? kKmsPassword
                                                       : pw < 9 ? kOtherPassword
                                                                : "short"));
    }
    if (chance(0.5)) params.emplace_back("CloudHsmClusterId", cluster_ref());
    return make("UpdateCustomKeyStore", params);
  }

  Command key_call() {
    switch (rng_.next_below(14)) {
      case 0:
      case 1:
      case 2:
        return create_key();
      case 3:
        return make(pick(std::vector<std::string>{"DescribeKey", "GetKeyPolicy", "ListResourceTags",
                                                  "GetKeyRotationStatus", "ListAliases"}),
                    {{"KeyId", key_ref()}});
      case 4:
      case 5:
        return make(chance(0.5) ? "EnableKey" : "DisableKey", {{"KeyId", key_ref()}});
      case 6:
      case 7: {
        std::vector<std::pair<std::string, Arg>> params = {{"KeyId", key_ref()}};
        const uint64_t r = rng_.next_below(20);
        if (r < 11) {
          params.emplace_back("PendingWindowInDays", Arg::lit(7));
        } else if (r < 14) {
          params.emplace_back("PendingWindowInDays", Arg::lit(30));
        } else if (r < 16) {
          // default 30
        } else {
          params.emplace_back("PendingWindowInDays", Arg::lit(pick(std::vector<int>{6, 31, 0})));
        }
        deletion_pending_ = true;
        return make("ScheduleKeyDeletion", params);
      }
      case 8:
        return make("CancelKeyDeletion", {{"KeyId", key_ref()}});
      case 9: {
        const std::string alias =
            chance(0.85) ? pick(std::vector<std::string>{"alias/app", "alias/k1", "alias/x"})
                         : pick(std::vector<std::string>{"badname", "alias/aws/x"});
        const uint64_t r = rng_.next_below(3);
        if (r == 0)
          return make("CreateAlias", {{"AliasName", Arg::lit(alias)}, {"TargetKeyId", key_ref()}});
        if (r == 1)
          return make("UpdateAlias", {{"AliasName", Arg::lit(alias)}, {"TargetKeyId", key_ref()}});
        return make("DeleteAlias", {{"AliasName", Arg::lit(alias)}});
      }
      case 10: {
        Json tags = chance(0.9) ? Json::array({Json{{"TagKey", "env"}, {"TagValue", "test"}}})
                                : Json::array({Json{{"TagValue", "orphan"}}});
        if (chance(0.5))
          return make("TagResource", {{"KeyId", key_ref()}, {"Tags", Arg::lit(tags)}});
        return make("UntagResource",
                    {{"KeyId", key_ref()}, {"TagKeys", Arg::lit(Json::array({"env"}))}});
      }
      case 11:
        if (chance(0.5)) {
          return make("UpdateKeyDescription",
                      {{"KeyId", key_ref()}, {"Description", Arg::lit("described")}});
        }
        return make("PutKeyPolicy",
                    {{"KeyId", key_ref()},
                     {"PolicyName", Arg::lit("default")},
                     {"Policy", Arg::lit(chance(0.8) ? kAllowAllPolicy : "not a policy")}});
      case 12:
        return make(pick(std::vector<std::string>{"EnableKeyRotation", "DisableKeyRotation",
                                                  "GetParametersForImport", "ImportKeyMaterial"}),
                    {{"KeyId", key_ref()}});
      default:
        return make("ListKeys", {});
    }
  }

  Command create_key() {
    std::vector<std::pair<std::string, Arg>> params;
    const uint64_t r = rng_.next_below(100);
    if (r < 75) {
      params = {{"CustomKeyStoreId", store_ref()}, {"Origin", Arg::lit("AWS_CLOUDHSM")}};
    } else if (r < 84) {
      // A key outside any store, served by KMS itself.
    } else if (r < 88) {
      params = {{"Origin", Arg::lit("AWS_CLOUDHSM")}};
    } else if (r < 92) {
      params = {{"CustomKeyStoreId", store_ref()}};
    } else if (r < 96) {
      params = {{"CustomKeyStoreId", store_ref()},
                {"Origin", Arg::lit("AWS_CLOUDHSM")},
                {"KeySpec", Arg::lit("RSA_2048")}};
    } else {
      params = {{"Origin", Arg::lit("EXTERNAL")}};
    }
    if (chance(0.3)) params.emplace_back("Description", Arg::lit("generated key"));
    Command c = make("CreateKey", params, fresh("nk"));
    keys_.push_back(*c.as);
    return c;
  }

  Command crypto_call() {
    const uint64_t r = rng_.next_below(12);
    if (r < 4 || blobs_.empty()) {
      if (r == 11) return generate_random();
      static const std::vector<std::string> texts = {"hello", "secret data", "x"};
      const Json ctx = context();
      std::vector<std::pair<std::string, Arg>> params = {
          {"KeyId", key_ref()}, {"Plaintext", Arg::lit(chance(0.95) ? pick(texts) : "")}};
      if (!ctx.empty()) params.emplace_back("EncryptionContext", Arg::lit(ctx));
      Command c = make("Encrypt", params, fresh("ct"));
      blobs_.push_back(BlobInfo{*c.as, ctx});
      return c;
    }
    if (r < 7) {
      const BlobInfo& b = pick(blobs_);
      std::vector<std::pair<std::string, Arg>> params = {
          {"CiphertextBlob",
           chance(0.93) ? Arg::ref(b.name, ObjKind::Blob) : Arg::ref("AAAA", ObjKind::Blob)}};
      const Json ctx = chance(0.65) ? b.context : confusable(b.context);
      if (!ctx.empty()) params.emplace_back("EncryptionContext", Arg::lit(ctx));
      if (chance(0.2)) params.emplace_back("KeyId", key_ref());
      return make("Decrypt", params);
    }
    if (r < 8) {
      const BlobInfo& b = pick(blobs_);
      const Json dest = context();
      std::vector<std::pair<std::string, Arg>> params = {
          {"CiphertextBlob", Arg::ref(b.name, ObjKind::Blob)}, {"DestinationKeyId", key_ref()}};
      const Json source = chance(0.8) ? b.context : confusable(b.context);
      if (!source.empty()) params.emplace_back("SourceEncryptionContext", Arg::lit(source));
      if (!dest.empty()) params.emplace_back("DestinationEncryptionContext", Arg::lit(dest));
      Command c = make("ReEncrypt", params, fresh("ct"));
      blobs_.push_back(BlobInfo{*c.as, dest});
      return c;
    }
    if (r < 11) {
      const Json ctx = context();
      std::vector<std::pair<std::string, Arg>> params = {{"KeyId", key_ref()}};
      const uint64_t s = rng_.next_below(10);
      if (s < 4) {
        params.emplace_back("KeySpec", Arg::lit(chance(0.5) ? "AES_256" : "AES_128"));
      } else if (s < 8) {
        params.emplace_back("NumberOfBytes", Arg::lit(static_cast<int>(1 + rng_.next_below(1024))));
      } else if (s < 9) {
        params.emplace_back("NumberOfBytes", Arg::lit(chance(0.5) ? 0 : 1025));
      } else {
        params.emplace_back("KeySpec", Arg::lit("AES_256"));
        params.emplace_back("NumberOfBytes", Arg::lit(32));
      }
      if (!ctx.empty()) params.emplace_back("EncryptionContext", Arg::lit(ctx));
      Command c = make(chance(0.7) ? "GenerateDataKey" : "GenerateDataKeyWithoutPlaintext", params,
                       fresh("ct"));
      blobs_.push_back(BlobInfo{*c.as, ctx});
      return c;
    }
    return generate_random();
  }

  Command generate_random() {
    std::vector<std::pair<std::string, Arg>> params = {
        {"NumberOfBytes",
         Arg::lit(chance(0.95) ? static_cast<int>(1 + rng_.next_below(1024)) : 0)}};
    if (chance(0.6)) params.emplace_back("CustomKeyStoreId", store_ref());
    return make("GenerateRandom", params);
  }

  Command cloudhsm_call() {
    switch (rng_.next_below(12)) {
      case 0:
      case 1:
        return create_cluster();
      case 2: {
        const std::string describe = fresh("d");
        describes_.push_back(describe);
        return make(
            "DescribeBackups",
            {{"Filters", Arg::lit(Json{{"clusterIds", Json::array({pick(world_clusters_)})}})}},
            describe);
      }
      case 3:
        return make("DescribeClusters", {});
      case 4:
        return make("InitializeCluster",
                    {{"ClusterId", cluster_ref()},
                     {"SignedCert",
                      Arg::lit("-----BEGIN CERTIFICATE-----\nsigned\n-----END CERTIFICATE-----\n")},
                     {"TrustAnchor", Arg::lit(anchor("fresh"))}});
      case 5:
        return make("DeleteCluster", {{"ClusterId", cluster_ref()}});
      case 6:
        return make("ModifyCluster",
                    {{"ClusterId", cluster_ref()},
                     {"BackupRetentionPolicy",
                      Arg::lit(Json{{"Type", "DAYS"}, {"Value", chance(0.85) ? 90 : 5}})}});
      case 7:
      case 8: {
        Arg cluster = cluster_ref();
        const std::string az = chance(0.95) ? cluster_az(cluster.name) : "us-east-1f";
        Command c = make("CreateHsm", {{"ClusterId", cluster}, {"AvailabilityZone", Arg::lit(az)}},
                         fresh("nh"));
        hsms_.emplace_back(*c.as, cluster.name);
        return c;
      }
      case 9:
        if (!hsms_.empty()) {
          const auto& [hsm, cluster] = pick(hsms_);
          return make("DeleteHsm", {{"ClusterId", Arg::ref(cluster, ObjKind::Cluster)},
                                    {"HsmId", Arg::ref(hsm, ObjKind::Hsm)}});
        }
        return make("DeleteHsm", {{"ClusterId", cluster_ref()},
                                  {"HsmId", Arg::ref("hsm-doesnotexist0", ObjKind::Hsm)}});
      default:
        return backup_call();
    }
  }

  Arg backup_ref() {
    if (describes_.empty() || chance(0.1)) return Arg::lit("backup-doesnotexist");
    return Arg::first_backup_of(pick(describes_));
  }

  Command backup_call() {
    switch (rng_.next_below(4)) {
      case 0:
        return make("DeleteBackup", {{"BackupId", backup_ref()}});
      case 1:
        return make("RestoreBackup", {{"BackupId", backup_ref()}});
      case 2:
        return make("CopyBackupToRegion",
                    {{"BackupId", backup_ref()},
                     {"DestinationRegion", Arg::lit(chance(0.9) ? "us-west-2" : "us-east-1")}});
      default:
        return make("ModifyBackupAttributes",
                    {{"BackupId", backup_ref()}, {"NeverExpires", Arg::lit(chance(0.5))}});
    }
  }

  Command create_cluster() {
    const uint64_t r = rng_.next_below(100);
    Json azs = Json::array({kAzA, kAzB});
    if (r < 3) {
      azs = Json::array();
    } else if (r < 6) {
      azs = Json::array({kAzA, kAzA});
    }
    std::vector<std::pair<std::string, Arg>> params = {
        {"SubnetIds", Arg::lit(azs)},
        {"HsmType", Arg::lit(chance(0.97) ? "hsm1.medium" : "bad.type")}};
    if (!describes_.empty() && chance(0.6)) {
      params.emplace_back("SourceBackupId", backup_ref());
    }
    if (chance(0.05)) {
      params.emplace_back("BackupRetentionPolicy", Arg::lit(Json{{"Type", "DAYS"}, {"Value", 3}}));
    }
    Command c = make("CreateCluster", params, fresh("nc"));
    clusters_.push_back(*c.as);
    anchors_[*c.as] = anchor("fresh");  // from a backup it is the source's; the model knows
    return c;
  }

  Command cli_call() {
    const Arg cluster = cluster_ref();
    const std::string user =
        chance(0.7) ? "kmsuser" : pick(std::vector<std::string>{"admin", "nobody", "newuser"});
    const std::string password =
        pick(std::vector<std::string>{kKmsPassword, kKmsPassword, kOtherPassword, "short"});
    switch (rng_.next_below(9)) {
      case 0:
      case 1:
        return make("cli:Login", {{"ClusterId", cluster},
                                  {"Username", Arg::lit(user)},
                                  {"Password", Arg::lit(password)},
                                  {"Role", Arg::lit("CU")}});
      case 2:
        return make("cli:Logout", {{"ClusterId", cluster}, {"Username", Arg::lit(user)}});
      case 3:
        return make("cli:CreateUser", {{"ClusterId", cluster},
                                       {"Username", Arg::lit(user)},
                                       {"Role", Arg::lit(chance(0.95) ? "CU" : "XX")},
                                       {"Password", Arg::lit(password)}});
      case 4:
        return make("cli:DeleteUser", {{"ClusterId", cluster}, {"Username", Arg::lit(user)}});
      case 5:
      case 6:
        return make("cli:ChangePassword", {{"ClusterId", cluster},
                                           {"Username", Arg::lit(user)},
                                           {"NewPassword", Arg::lit(password)}});
      case 7:
        if (chance(0.5)) {
          return make("cli:ListKeys", {{"ClusterId", cluster}, {"Owner", Arg::lit("kmsuser")}});
        }
        return make("cli:DeleteKey", {{"ClusterId", cluster}, {"KeyHandle", Arg::lit(999999)}});
      default:
        return make("cli:ActivateCluster",
                    {{"ClusterId", cluster}, {"NewPassword", Arg::lit("officerPassw0rd")}});
    }
  }

  GenOptions options_;
  sim::RandomStream rng_;
  Program program_;
  int index_ = 0;
  bool deletion_pending_ = false;
  std::vector<std::string> clusters_, world_clusters_, stores_, keys_, describes_;
  std::vector<std::pair<std::string, std::string>> hsms_;  // (HSM name, cluster)
  std::vector<BlobInfo> blobs_;
  std::vector<Command> store_creates_;
  std::map<std::string, std::string> anchors_;
};

}  // namespace

Program generate(const GenOptions& options) {
  return Generator(options).run();
}

}  // namespace hsmsim::campaign
