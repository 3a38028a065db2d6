// load_scenario: the top level of a scenario file and its run configuration sections.
// World, steps and workloads have their own files (sections.h).
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "model/scenario/fields.h"
#include "model/scenario/scenario.h"
#include "model/scenario/sections.h"
#include "model/timing.h"

namespace hsmsim::scenario {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr std::size_t kScenarioNameChars = 256;
constexpr uint64_t kMaxConcurrency = 1'024;
constexpr uint64_t kMaxQueueLimit = 10'000'000;

Quotas read_quotas(const Value& v) {
  Quotas q;
  const fields::MapReader m(v, "quotas", {"custom_key_stores", "key_store_rps", "account_rps"});
  if (const Value* stores = m.get("custom_key_stores")) {
    q.custom_key_stores = fields::is_unlimited(*stores)
                              ? std::nullopt
                              : std::optional<uint32_t>(static_cast<uint32_t>(fields::integer(
                                    *stores, m.path("custom_key_stores"), 1, Limits::kKeyStores)));
  }
  const auto rps = [&](const char* key, std::optional<double>& out) {
    const Value* rate = m.get(key);
    if (rate == nullptr) return;
    out = fields::is_unlimited(*rate)
              ? std::nullopt
              : std::optional<double>(fields::number(*rate, m.path(key), 0, kInf, true));
  };
  rps("key_store_rps", q.key_store_rps);
  rps("account_rps", q.account_rps);
  return q;
}

std::vector<std::pair<std::string, sim::Distribution>> read_timing(const Value& v) {
  const fields::MapReader m(v, "timing", timing_keys());
  std::vector<std::pair<std::string, sim::Distribution>> timing;
  for (const auto& [key, value] : v.entries) {
    timing.emplace_back(key, parse_distribution_value(value, m.path(key)));
  }
  return timing;
}

HsmPerformance read_hsm(const Value& v) {
  HsmPerformance hsm;
  const fields::MapReader m(
      v, "hsm",
      {"service_time", "operation_service_time", "concurrency", "routing", "queue_limit"});
  if (const Value* st = m.get("service_time")) {
    hsm.service_time = parse_distribution_value(*st, m.path("service_time"));
  }
  if (const Value* ops = m.get("operation_service_time")) {
    std::vector<std::string> actions = workload_actions();
    actions.push_back("CreateKey");
    const fields::MapReader per_op(*ops, m.path("operation_service_time"), actions);
    for (const auto& [action, dist] : ops->entries) {
      hsm.service_time_by_operation.emplace_back(
          action, parse_distribution_value(dist, per_op.path(action)));
    }
  }
  if (const Value* c = m.get("concurrency")) {
    hsm.concurrency =
        static_cast<uint32_t>(fields::integer(*c, m.path("concurrency"), 1, kMaxConcurrency));
  }
  if (const Value* r = m.get("routing")) {
    const std::string routing = fields::one_of(
        *r, m.path("routing"), {"round_robin", "random", "least_outstanding", "shared_queue"});
    hsm.routing = routing == "round_robin"         ? Routing::RoundRobin
                  : routing == "random"            ? Routing::Random
                  : routing == "least_outstanding" ? Routing::LeastOutstanding
                                                   : Routing::SharedQueue;
  }
  if (const Value* q = m.get("queue_limit")) {
    hsm.queue_limit =
        static_cast<uint32_t>(fields::integer(*q, m.path("queue_limit"), 0, kMaxQueueLimit));
  }
  return hsm;
}

Network read_network(const Value& v) {
  Network network;
  const fields::MapReader m(v, "network", {"rtt"});
  if (const Value* rtt = m.get("rtt")) network.rtt = parse_distribution_value(*rtt, m.path("rtt"));
  return network;
}

std::vector<std::string> invariant_list(const Value& v, const std::string& path) {
  std::vector<std::string> names;
  const auto& items = fields::sequence(v, path);
  for (std::size_t i = 0; i < items.size(); ++i) {
    names.push_back(fields::one_of(items[i], fields::index(path, i), invariant_names()));
  }
  return names;
}

InvariantSelection read_invariants(const Value& v) {
  InvariantSelection s;
  s.loc = v.loc;
  if (v.is_scalar() && !v.quoted && v.scalar == "all") return s;
  if (v.is_sequence()) {
    s.mode = InvariantSelection::Mode::Only;
    s.names = invariant_list(v, "invariants");
    return s;
  }
  if (!v.is_mapping()) {
    fields::fail_type(v, "invariants", "all, a list of invariant names or {except: [names]}");
  }
  const fields::MapReader m(v, "invariants", {"except"});
  s.mode = InvariantSelection::Mode::Except;
  s.names = invariant_list(m.require("except"), m.path("except"));
  return s;
}

// Output paths live under --out: an absolute path or a '..' would write outside it.
std::string output_path(const Value& v, const std::string& path) {
  std::string text = fields::string(v, path);
  bool ok = !text.empty() && text.front() != '/';
  std::istringstream parts(text);
  for (std::string part; ok && std::getline(parts, part, '/');)
    ok = part != "..";
  if (!ok) fields::fail_type(v, path, "a relative path inside --out (no leading '/', no '..')");
  return text;
}

Outputs read_outputs(const Value& v) {
  Outputs out;
  const fields::MapReader m(
      v, "outputs", {"trace", "perfetto", "summary", "metrics", "plots", "metrics_interval"});
  const auto read = [&](const char* key, std::optional<std::string>& field) {
    if (const Value* p = m.get(key)) field = output_path(*p, m.path(key));
  };
  read("trace", out.trace);
  read("perfetto", out.perfetto);
  read("summary", out.summary);
  read("metrics", out.metrics);
  read("plots", out.plots);
  if (const Value* p = m.get("metrics_interval")) {
    out.metrics_interval = parse_duration_value(*p, m.path("metrics_interval"));
    if (out.metrics_interval->ns() < sim::Duration::milliseconds(1).ns()) {
      fields::fail_type(*p, m.path("metrics_interval"), "a duration of at least 1ms");
    }
  }
  return out;
}

// "us-east-1", "ap-southeast-2", "us-gov-west-1": two letters, words, then a number.
bool is_region_name(std::string_view region) {
  if (region.size() > 32) return false;
  std::vector<std::string_view> parts;
  for (std::size_t start = 0;;) {
    const std::size_t dash = region.find('-', start);
    parts.push_back(region.substr(start, dash == std::string_view::npos ? dash : dash - start));
    if (dash == std::string_view::npos) break;
    start = dash + 1;
  }
  const auto all = [](std::string_view w, char lo, char hi) {
    return !w.empty() &&
           std::all_of(w.begin(), w.end(), [&](char c) { return c >= lo && c <= hi; });
  };
  if (parts.size() < 3 || parts.front().size() != 2 || !all(parts.back(), '0', '9')) return false;
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    if (!all(parts[i], 'a', 'z')) return false;
  }
  return true;
}

void read_header(const fields::MapReader& m, Scenario& s) {
  const Value& version = m.require("version");
  if (!version.is_scalar() || version.quoted || version.scalar != "1") {
    if (version.is_scalar() && !version.quoted) {
      fields::fail(version.loc, fmt::format("field 'version': unsupported version {} (this "
                                            "hsmsim reads version 1)",
                                            version.scalar));
    }
    fields::fail_type(version, "version", "the integer 1");
  }
  s.name = std::filesystem::path(s.file).stem().string();
  if (const Value* name = m.get("name")) {
    s.name = fields::string(*name, "name");
    if (s.name.empty() || s.name.size() > kScenarioNameChars) {
      fields::fail_type(*name, "name", "a name of 1 to 256 characters");
    }
  }
  if (const Value* d = m.get("description")) s.description = fields::string(*d, "description");
  if (const Value* seed = m.get("seed")) {
    s.seed = fields::integer(*seed, "seed", 0, std::numeric_limits<uint64_t>::max());
  }
  if (const Value* until = m.get("until")) {
    s.until = parse_duration_value(*until, "until");
    if (*s.until > fields::kHorizon) {
      fields::fail(until->loc, "field 'until': exceeds the horizon limit of 100 years");
    }
  }
  if (const Value* region = m.get("region")) {
    s.region = fields::string(*region, "region");
    if (!is_region_name(s.region))
      fields::fail_type(*region, "region", "a region name like us-east-1");
  }
}

}  // namespace

const std::vector<std::string>& top_level_keys() {
  static const std::vector<std::string> keys = {
      "version", "name",    "description", "seed",  "until",     "region",     "quotas", "timing",
      "hsm",     "network", "world",       "steps", "workloads", "invariants", "outputs"};
  return keys;
}

// One list of timing keys: the model's timing profile (SPEC §4.4) owns it.
const std::vector<std::string>& timing_keys() {
  return model::Timing::names();
}

const std::vector<std::string>& step_keys() {
  static const std::vector<std::string> keys = {"at",      "after",  "call",      "with",
                                                "as",      "expect", "principal", "wait",
                                                "timeout", "check",  "fault"};
  return keys;
}

const std::vector<std::string>& fault_kinds() {
  static const std::vector<std::string> kinds = {
      "hsm_failure", "az_outage",    "network_partition", "subnet_deleted",
      "subnet_full", "hsm_slowdown", "kms_internal_error"};
  return kinds;
}

const std::vector<std::string>& invariant_names() {
  static const std::vector<std::string> names = {
      "two_hsm_creation", "lineage_exclusive",  "lineage_update",          "state_guards",
      "failed_has_code",  "orphan_accounting",  "no_plaintext_key_export", "crypto_roundtrip",
      "deletion_window",  "store_delete_empty", "kmsuser_exclusive"};
  return names;
}

const std::vector<std::string>& workload_actions() {
  static const std::vector<std::string> actions = {
      "Encrypt",       "Decrypt", "ReEncrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext",
      "GenerateRandom"};
  return actions;
}

const std::vector<std::string>& matcher_keys() {
  static const std::vector<std::string> keys = {"length", "min", "max", "one_of", "present"};
  return keys;
}

Scenario load_scenario_text(std::string_view text, const std::string& file) {
  const Value root = parse_yaml(text, file);
  if (!root.is_mapping()) {
    fields::fail(root.loc,
                 "a scenario is a mapping (version: 1, name: ..., world: ..., steps: "
                 "...), got " +
                     root.describe());
  }
  const fields::MapReader m(root, "", top_level_keys());
  Scenario s;
  s.file = file;
  read_header(m, s);
  if (const Value* q = m.get("quotas")) s.quotas = read_quotas(*q);
  if (const Value* t = m.get("timing")) s.timing = read_timing(*t);
  if (const Value* h = m.get("hsm")) s.hsm = read_hsm(*h);
  if (const Value* n = m.get("network")) s.network = read_network(*n);
  if (const Value* w = m.get("world")) s.world = sections::read_world(*w, s.quotas);
  if (const Value* steps = m.get("steps")) s.steps = sections::read_steps(*steps);
  if (const Value* w = m.get("workloads")) s.workloads = sections::read_workloads(*w);
  if (const Value* i = m.get("invariants")) s.invariants = read_invariants(*i);
  if (const Value* o = m.get("outputs")) s.outputs = read_outputs(*o);
  return s;
}

Scenario load_scenario_file(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_directory(path, ec)) fields::fail({path, 0, 0}, "is a directory, not a scenario file");
  const std::uintmax_t size = fs::file_size(path, ec);
  if (ec) fields::fail({path, 0, 0}, "cannot read file (" + ec.message() + ")");
  // Checked before reading, so a huge file is never loaded into memory.
  if (size > Limits::kFileBytes) {
    fields::fail({path, 1, 1}, fmt::format("file exceeds the 4 MiB limit ({} bytes)", size));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) fields::fail({path, 0, 0}, "cannot read file");
  std::string text(static_cast<std::size_t>(size), '\0');
  in.read(text.data(), static_cast<std::streamsize>(size));
  text.resize(static_cast<std::size_t>(in.gcount()));
  return load_scenario_text(text, path);
}

}  // namespace hsmsim::scenario
