// `workloads:` — client populations that send data-plane requests.
#include <fmt/format.h>

#include <limits>
#include <map>

#include "model/scenario/fields.h"
#include "model/scenario/scenario.h"
#include "model/scenario/sections.h"

namespace hsmsim::scenario::sections {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr uint64_t kMaxAttempts = 100;
constexpr double kMaxPeakToTrough = 1'000;

Arrivals read_closed(const Value& v, const std::string& path) {
  Arrivals a;
  a.kind = Arrivals::Kind::Closed;
  const fields::MapReader m(v, path, {"clients", "think"});
  const Value& clients = m.require("clients");
  a.clients = fields::integer(clients, m.path("clients"), 1, std::numeric_limits<uint64_t>::max());
  if (a.clients > Limits::kClients) {
    fields::fail(clients.loc, fmt::format("field '{}': {} closed-loop clients exceed the limit of "
                                          "{}",
                                          m.path("clients"), a.clients, Limits::kClients));
  }
  if (const Value* think = m.get("think")) {
    a.think = parse_distribution_value(*think, m.path("think"));
  }
  return a;
}

Arrivals read_diurnal(const Value& v, const std::string& path) {
  Arrivals a;
  a.kind = Arrivals::Kind::Diurnal;
  const fields::MapReader m(v, path, {"mean", "peak_to_trough", "period"});
  a.rate_per_s = fields::rate_per_s(m.require("mean"), m.path("mean"));
  a.peak_to_trough =
      fields::number(m.require("peak_to_trough"), m.path("peak_to_trough"), 1, kMaxPeakToTrough);
  if (const Value* period = m.get("period")) {
    a.period = parse_duration_value(*period, m.path("period"));
    if (a.period == sim::Duration::zero()) {
      fields::fail(period->loc,
                   fmt::format("field '{}': a period must be positive", m.path("period")));
    }
  }
  return a;
}

Arrivals read_arrivals(const Value& v, const std::string& path) {
  const fields::MapReader m(v, path, {"poisson", "constant", "closed", "diurnal"});
  if (v.entries.size() != 1) {
    fields::fail(v.loc, fmt::format("field '{}': arrivals are exactly one of poisson, constant, "
                                    "closed, diurnal",
                                    path));
  }
  const auto& [kind, params] = v.entries.front();
  const std::string params_path = m.path(kind);
  if (kind == "closed") return read_closed(params, params_path);
  if (kind == "diurnal") return read_diurnal(params, params_path);
  Arrivals a;
  a.kind = kind == "poisson" ? Arrivals::Kind::Poisson : Arrivals::Kind::Constant;
  a.rate_per_s = fields::rate_per_s(params, params_path);
  return a;
}

Retry read_retry(const Value& v, const std::string& path) {
  Retry retry;
  const fields::MapReader m(v, path, {"max_attempts", "backoff"});
  if (const Value* attempts = m.get("max_attempts")) {
    retry.max_attempts =
        static_cast<int>(fields::integer(*attempts, m.path("max_attempts"), 1, kMaxAttempts));
  }
  if (const Value* backoff = m.get("backoff")) {
    retry.backoff = parse_distribution_value(*backoff, m.path("backoff"));
  }
  return retry;
}

void read_mix(const Value& v, const std::string& path, WorkloadSpec& w) {
  const fields::MapReader m(v, path, workload_actions());
  if (v.entries.empty()) {
    fields::fail(v.loc, fmt::format("field '{}': names no operation", path));
  }
  for (const auto& [action, weight] : v.entries) {
    w.mix.emplace_back(action, fields::number(weight, m.path(action), 0, kInf, true));
  }
}

WorkloadSpec read_workload(const Value& v, const std::string& path) {
  const fields::MapReader m(v, path,
                            {"name", "start", "stop", "arrivals", "keys", "mix", "plaintext_bytes",
                             "encryption_context", "retry"});
  WorkloadSpec w;
  w.loc = v.loc;
  w.name = fields::name(m.require("name"), m.path("name"));
  if (const Value* start = m.get("start")) w.start = parse_duration_value(*start, m.path("start"));
  if (const Value* stop = m.get("stop")) {
    w.stop = parse_duration_value(*stop, m.path("stop"));
    if (*w.stop <= w.start) {
      fields::fail(stop->loc,
                   fmt::format("field '{}': stop must come after start", m.path("stop")));
    }
  }
  w.arrivals = read_arrivals(m.require("arrivals"), m.path("arrivals"));
  const auto& keys = fields::sequence(m.require("keys"), m.path("keys"));
  if (keys.empty()) fields::fail(v.loc, fmt::format("field '{}': names no key", m.path("keys")));
  for (std::size_t i = 0; i < keys.size(); ++i) {
    w.keys.push_back(fields::name(keys[i], fields::index(m.path("keys"), i)));
  }
  read_mix(m.require("mix"), m.path("mix"), w);
  if (const Value* bytes = m.get("plaintext_bytes")) {
    w.plaintext_bytes =
        static_cast<uint32_t>(fields::integer(*bytes, m.path("plaintext_bytes"), 1, 4096));
  }
  if (const Value* context = m.get("encryption_context")) {
    const std::string context_path = m.path("encryption_context");
    for (const auto& [key, value] : fields::mapping(*context, context_path).entries) {
      w.encryption_context.emplace_back(key,
                                        fields::string(value, fields::join(context_path, key)));
    }
  }
  if (const Value* retry = m.get("retry")) w.retry = read_retry(*retry, m.path("retry"));
  return w;
}

}  // namespace

std::vector<WorkloadSpec> read_workloads(const Value& v) {
  const auto& items =
      fields::sequence(v, "workloads", Limits::kWorkloads, "the number of workloads");
  std::vector<WorkloadSpec> workloads;
  std::map<std::string, int> lines;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const std::string path = fields::index("workloads", i);
    workloads.push_back(read_workload(items[i], path));
    const auto [it, inserted] = lines.emplace(workloads.back().name, items[i].loc.line);
    if (!inserted) {
      fields::fail(items[i].find("name")->loc,
                   fmt::format("field '{}.name': duplicate workload name '{}' (first at line {})",
                               path, it->first, it->second));
    }
  }
  return workloads;
}

}  // namespace hsmsim::scenario::sections
