// Rendering a program as a scenario: the reference model runs alongside, command by command,
// and its answers become the steps' `expect`s and `check`s.
#include <algorithm>
#include <cctype>
#include <sstream>

#include "campaign/program.h"

namespace hsmsim::campaign {
namespace {

using refmodel::Bound;
using refmodel::Prediction;
using refmodel::RefModel;

// IDs that name nothing, one per kind of object, in each kind's ID shape.
std::string nonexistent(ObjKind kind) {
  switch (kind) {
    case ObjKind::Cluster:
      return "cluster-doesnotexist";
    case ObjKind::Store:
      return "cks-doesnotexist0";
    case ObjKind::Key:
      return "1234abcd-0000-4000-8000-000000000000";
    case ObjKind::Hsm:
      return "hsm-doesnotexist0";
    case ObjKind::Blob:
      return "AAAA";  // a few bytes that are no ciphertext blob
  }
  return "doesnotexist";
}

bool plain_safe(const std::string& s) {
  if (s.empty() || s == "true" || s == "false" || s == "null" || s == "yes" || s == "no" ||
      s == "on" || s == "off" || s == "y" || s == "n") {
    return false;
  }
  if (!(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '/' ||
           c == '.';
  });
}

// A JSON value as flow-style YAML: simple strings plain (so names stay names in matchers),
// everything else double-quoted with JSON escapes (valid YAML).
std::string yaml(const Json& v) {
  if (v.is_string()) {
    const std::string s = v.get<std::string>();
    return plain_safe(s) ? s : Json(s).dump();
  }
  if (v.is_object()) {
    std::string out = "{";
    bool first = true;
    for (const auto& [k, item] : v.items()) {
      out += (first ? "" : ", ") + (plain_safe(k) ? k : Json(k).dump()) + ": " + yaml(item);
      first = false;
    }
    return out + "}";
  }
  if (v.is_array()) {
    std::string out = "[";
    for (std::size_t i = 0; i < v.size(); ++i)
      out += (i ? ", " : "") + yaml(v[i]);
    return out + "]";
  }
  if (v.is_null()) return "null";
  return v.dump();
}

std::string duration_text(int64_t ns) {
  using namespace refmodel;
  if (ns % kNsPerDay == 0) return std::to_string(ns / kNsPerDay) + "d";
  if (ns % kNsPerHour == 0) return std::to_string(ns / kNsPerHour) + "h";
  if (ns % kNsPerMinute == 0) return std::to_string(ns / kNsPerMinute) + "m";
  if (ns % kNsPerSecond == 0) return std::to_string(ns / kNsPerSecond) + "s";
  return std::to_string(ns / 1'000'000) + "ms";
}

void render_world(const refmodel::WorldSpec& w, std::ostringstream& out) {
  out << "world:\n  clusters:\n";
  for (const refmodel::ClusterSpec& c : w.clusters) {
    out << "    - name: " << c.name << "\n";
    out << "      azs: " << yaml(Json(c.azs)) << "\n";
    out << "      state: " << c.state << "\n";
    out << "      hsms: " << yaml(Json(c.hsm_azs)) << "\n";
    Json users = Json::array();
    for (const refmodel::UserSpec& u : c.users) {
      users.push_back(Json{{"name", u.name}, {"role", u.role}, {"password", u.password}});
    }
    out << "      users: " << yaml(users) << "\n";
    out << "      trust_anchor: " << Json(c.trust_anchor).dump() << "\n";
  }
  if (!w.stores.empty()) {
    out << "  key_stores:\n";
    for (const refmodel::StoreSpec& s : w.stores) {
      out << "    - {name: " << s.name << ", cluster: " << s.cluster
          << ", password: " << yaml(Json(s.password))
          << ", state: " << (s.connected ? "CONNECTED" : "DISCONNECTED") << "}\n";
    }
  }
  if (!w.keys.empty()) {
    out << "  keys:\n";
    for (const refmodel::KeySpec& k : w.keys) {
      out << "    - {name: " << k.name << ", key_store: " << k.store;
      if (k.alias) out << ", alias: " << *k.alias;
      out << "}\n";
    }
  }
}

std::string expect_text(const Prediction& p) {
  if (p.is_ok()) {
    if (p.fields.empty()) return "ok";
    return "{ok: " + yaml(p.fields) + "}";
  }
  return "{error: " + p.error + "}";
}

void render_check(RefModel& ref, std::ostringstream& out, int64_t after_ns) {
  Json checks = ref.observable();
  checks["invariants"] = Json{{"violations", 0}};
  out << "  - ";
  if (after_ns > 0) out << "after: " << duration_text(after_ns) << "\n    ";
  out << "check:\n";
  for (const auto& [subject, fields] : checks.items()) {
    out << "      " << subject << ": " << yaml(fields) << "\n";
  }
}

}  // namespace

std::string to_scenario_yaml(const Program& p, const RenderOptions& options, RenderStats& stats) {
  std::ostringstream out;
  if (!options.comment.empty()) {
    std::istringstream lines(options.comment);
    for (std::string line; std::getline(lines, line);)
      out << "# " << line << "\n";
  }
  out << "version: 1\nname: " << Json(options.name).dump() << "\nseed: " << options.seed << "\n";
  // Programs span weeks of virtual time: a metrics row a day keeps the sampler's events few.
  out << "outputs: {metrics_interval: 1d}\n";
  render_world(p.world, out);
  out << "steps:\n";
  RefModel ref(p.world);
  std::set<std::string> describes;  // DescribeBackups `as:` names rendered so far
  bool deletion_scheduled = false;
  for (const Command& c : p.commands) {
    ref.advance(c.after_ns);
    const std::string after =
        c.after_ns > 0 ? "    after: " + duration_text(c.after_ns) + "\n" : std::string();
    if (c.kind == Command::Kind::Fault) {
      if (ref.fault_applies(c.fault, c.fault_params)) {
        ref.fault(c.fault, c.fault_params);
        ++stats.faults_kept;
        out << "  - fault: {" << c.fault << ": " << yaml(c.fault_params) << "}\n" << after;
      } else {
        // The model cannot vouch that the fault finds its target: a no-op step instead, so
        // the program keeps its shape.
        ++stats.faults_dropped;
        out << "  # fault " << c.fault << " " << yaml(c.fault_params)
            << " left out: its target may be gone\n";
        out << "  - check: {invariants: {violations: 0}}\n" << after;
      }
    } else {
      Json with = Json::object();   // as written in the scenario
      Json model = Json::object();  // as the reference model reads it
      for (const auto& [param, arg] : c.params) {
        switch (arg.kind) {
          case Arg::Kind::Literal:
            with[param] = arg.literal;
            model[param] = arg.literal;
            break;
          case Arg::Kind::Ref:
            if (ref.bound(arg.name) == Bound::No) {
              with[param] = nonexistent(arg.obj);
              model[param] = nonexistent(arg.obj);
            } else {
              with[param] = arg.name;
              model[param] = arg.name;
            }
            break;
          case Arg::Kind::FirstBackupOf: {
            const std::optional<std::string> backup =
                describes.count(arg.name) ? ref.first_backup_of(arg.name) : std::nullopt;
            if (backup) {
              with[param] = "$" + arg.name + ".Backups[0].BackupId";
              model[param] = *backup;
            } else {
              with[param] = "backup-doesnotexist";
              model[param] = "backup-doesnotexist";
            }
            break;
          }
        }
      }
      const Prediction prediction = ref.call(c.action, model, c.as);
      ++stats.calls;
      if (c.action == "DescribeBackups" && c.as) describes.insert(*c.as);
      if (c.action == "ScheduleKeyDeletion") deletion_scheduled = true;
      out << "  - call: " << c.action << "\n" << after;
      if (!with.empty()) {
        out << "    with:\n";
        for (const auto& [param, value] : with.items())
          out << "      " << param << ": " << yaml(value) << "\n";
      }
      if (c.as) out << "    as: " << *c.as << "\n";
      if (!prediction.is_unknown()) {
        ++stats.expectations;
        out << "    expect: " << expect_text(prediction) << "\n";
      }
    }
    if (options.check_every_step) render_check(ref, out, 0);
  }
  if (!options.check_every_step) {
    // One final check once every pending change has settled (deletions included).
    const int64_t settle = deletion_scheduled ? kLongSettleNs : kSettleNs;
    ref.advance(settle);
    render_check(ref, out, settle);
  }
  return out.str();
}

std::string to_scenario_yaml(const Program& p, const RenderOptions& options) {
  RenderStats stats;
  return to_scenario_yaml(p, options, stats);
}

Program without(const Program& p, std::size_t begin, std::size_t end) {
  Program out;
  out.world = p.world;
  end = std::min(end, p.commands.size());
  for (std::size_t i = 0; i < p.commands.size(); ++i) {
    if (i < begin || i >= end) out.commands.push_back(p.commands[i]);
  }
  return out;
}

}  // namespace hsmsim::campaign
