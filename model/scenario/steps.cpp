// `steps:` — calls, waits, checks and faults, with their timing and expectations.
#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "model/scenario/fields.h"
#include "model/scenario/scenario.h"
#include "model/scenario/sections.h"

namespace hsmsim::scenario::sections {
namespace {

constexpr std::array<std::string_view, 4> kKinds = {"call", "wait", "check", "fault"};
const std::vector<std::string>& services() {
  static const std::vector<std::string> names = {"kms", "cloudhsmv2", "cli"};
  return names;
}
const std::vector<std::string>& wait_subjects() {
  static const std::vector<std::string> keys = {"key_store", "cluster", "key", "hsm", "backup_of"};
  return keys;
}
const std::vector<std::string>& check_subjects() {
  static const std::vector<std::string> kinds = {"key_store", "key", "cluster", "hsm", "backup"};
  return kinds;
}
const std::vector<std::string>& check_topics() {
  static const std::vector<std::string> topics = {"orphans", "lost_keys", "invariants", "metrics"};
  return topics;
}

bool is_identifier(std::string_view s, bool upper_first) {
  if (s.empty()) return false;
  const auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  if (upper_first && !(s[0] >= 'A' && s[0] <= 'Z')) return false;
  return std::all_of(s.begin(), s.end(), alnum);
}

bool contains(const std::vector<std::string>& words, std::string_view w) {
  return std::find(words.begin(), words.end(), w) != words.end();
}

sim::Time read_at(const Value& v, std::string_view path) {
  const sim::Duration d = parse_duration_value(v, path);
  if (d > fields::kHorizon) {
    fields::fail(v.loc, fmt::format("field '{}': exceeds the horizon limit of 100 years", path));
  }
  return sim::Time::zero() + d;
}

CallStep read_call(const fields::MapReader& m) {
  CallStep call;
  const Value& v = m.require("call");
  const std::string path = m.path("call");
  call.written = fields::string(v, path);
  const std::size_t colon = call.written.find(':');
  call.action = call.written.substr(colon == std::string::npos ? 0 : colon + 1);
  if (colon != std::string::npos) {
    call.service = call.written.substr(0, colon);
    if (!contains(services(), call.service)) {
      const std::string suggestion = closest_match(call.service, services());
      fields::fail(v.loc,
                   fmt::format("field '{}': unknown service prefix '{}' ({})", path, call.service,
                               suggestion.empty() ? "expected kms, cloudhsmv2 or cli"
                                                  : "did you mean '" + suggestion + "'?"));
    }
  }
  if (!is_identifier(call.action, true)) {
    fields::fail_type(v, path,
                      "an AWS action name like CreateKey, optionally prefixed kms:, "
                      "cloudhsmv2: or cli:");
  }
  if (const Value* with = m.get("with")) {
    if (!with->is_null()) call.with = fields::mapping(*with, m.path("with"));
  }
  if (const Value* principal = m.get("principal")) {
    call.principal = fields::string(*principal, m.path("principal"));
    if (call.principal->empty()) fields::fail_type(*principal, m.path("principal"), "an ARN");
  }
  return call;
}

Expectation read_expect(const Value& v, const std::string& path) {
  Expectation e;
  e.loc = v.loc;
  if (v.is_scalar() && !v.quoted && v.scalar == "ok") {
    e.kind = Expectation::Kind::Ok;
    return e;
  }
  constexpr std::string_view kWhat =
      "ok, {error: ExceptionName}, {error: any} or {ok: {Field: value}}";
  if (!v.is_mapping()) fields::fail_type(v, path, kWhat);
  const fields::MapReader m(v, path, {"ok", "error"});
  if (v.entries.size() != 1) fields::fail_type(v, path, kWhat);
  if (const Value* error = m.get("error")) {
    const std::string name = fields::string(*error, m.path("error"));
    if (name == "any") {
      e.kind = Expectation::Kind::AnyError;
    } else if (is_identifier(name, true)) {
      e.kind = Expectation::Kind::Error;
      e.error = name;
    } else {
      fields::fail_type(*error, m.path("error"), "an exception name or any");
    }
    return e;
  }
  const Value& ok = m.require("ok");
  if (ok.is_null()) {
    e.kind = Expectation::Kind::Ok;
    return e;
  }
  fields::mapping(ok, m.path("ok"));
  check_values(ok, m.path("ok"));
  e.kind = Expectation::Kind::OkFields;
  e.fields = ok;
  return e;
}

// A wait field is an AWS field name (PascalCase) or `active_hsms`; anything else is most
// likely a misspelt subject or field.
void check_wait_key(const Value& wait, std::size_t i, bool have_subject) {
  const std::string& key = wait.entries[i].first;
  if (contains(wait_subjects(), key) || key == "active_hsms" || is_identifier(key, true)) return;
  std::vector<std::string> known = wait_subjects();
  known.push_back("active_hsms");
  known.push_back("duration");
  if (!closest_match(key, known).empty()) {
    fields::fail(wait.key_locs[i], fields::unknown_key_message(key, known));
  }
  if (!have_subject) return;  // reported as a missing subject
  fields::fail(wait.key_locs[i], fmt::format("unknown key '{}' (a wait field is an AWS field "
                                             "name such as State, or active_hsms)",
                                             key));
}

WaitStep read_wait(const fields::MapReader& m) {
  WaitStep wait;
  const std::string path = m.path("wait");
  const Value& v = fields::mapping(m.require("wait"), path);
  wait.condition = v;
  if (const Value* duration = v.find("duration")) {
    if (v.entries.size() != 1) {
      fields::fail(v.loc, fmt::format("field '{}': {{duration: D}} stands alone", path));
    }
    if (m.has("timeout")) {
      fields::fail(
          m.key_loc("timeout"),
          fmt::format("field '{}': a wait for a duration takes no timeout", m.path("timeout")));
    }
    wait.duration = parse_duration_value(*duration, fields::join(path, "duration"));
    return wait;
  }
  std::vector<std::string> subjects;
  for (const auto& [key, value] : v.entries) {
    if (contains(wait_subjects(), key)) subjects.push_back(key);
  }
  for (std::size_t i = 0; i < v.entries.size(); ++i)
    check_wait_key(v, i, !subjects.empty());
  if (subjects.size() != 1) {
    fields::fail(
        v.loc,
        fmt::format("field '{}': a wait names exactly one of key_store, cluster, "
                    "key, hsm, backup_of{}",
                    path,
                    subjects.empty() ? "" : " (got " + subjects[0] + " and " + subjects[1] + ")"));
  }
  fields::string(*v.find(subjects[0]), fields::join(path, subjects[0]));
  if (v.entries.size() < 2) {
    fields::fail(v.loc,
                 fmt::format("field '{}': names no field to wait for (e.g. State: ACTIVE)", path));
  }
  check_values(v, path);
  if (const Value* timeout = m.get("timeout")) {
    wait.timeout = parse_duration_value(*timeout, m.path("timeout"));
  }
  return wait;
}

void check_check_key(const Value& v, std::size_t i, const std::string& path) {
  const std::string& key = v.entries[i].first;
  const std::size_t space = key.find(' ');
  const std::string head = key.substr(0, space);
  const std::string rest = space == std::string::npos ? "" : key.substr(space + 1);
  const bool named = rest.find_first_not_of(' ') != std::string::npos;
  const std::string key_path = fields::join(path, key);
  if (contains(check_subjects(), head)) {
    if (!named) {
      fields::fail(v.key_locs[i],
                   fmt::format("field '{}': names no object (write '{} NAME')", key_path, head));
    }
    return;
  }
  if (contains(check_topics(), head)) {
    if (space != std::string::npos) {
      fields::fail(v.key_locs[i], fmt::format("field '{}': '{}' takes no name", key_path, head));
    }
    return;
  }
  std::vector<std::string> heads = check_subjects();
  heads.insert(heads.end(), check_topics().begin(), check_topics().end());
  const std::string suggestion = closest_match(head, heads);
  if (!suggestion.empty()) {
    const std::string fixed = suggestion + (space == std::string::npos ? "" : key.substr(space));
    fields::fail(v.key_locs[i], fmt::format("unknown key '{}' (did you mean '{}'?)", key, fixed));
  }
  fields::fail(v.key_locs[i],
               fmt::format("unknown key '{}' (expected one of: key_store NAME, key NAME, cluster "
                           "NAME, hsm NAME, backup NAME, orphans, lost_keys, invariants, "
                           "metrics)",
                           key));
}

CheckStep read_check(const fields::MapReader& m) {
  CheckStep check;
  const std::string path = m.path("check");
  const Value& v = fields::mapping(m.require("check"), path);
  if (v.entries.empty()) fields::fail(v.loc, fmt::format("field '{}': checks nothing", path));
  for (std::size_t i = 0; i < v.entries.size(); ++i) {
    check_check_key(v, i, path);
    const auto& [key, fields_value] = v.entries[i];
    const std::string key_path = fields::join(path, key);
    if (key == "orphans") {
      fields::MapReader(fields_value, key_path, {"count", "in_clusters", "in_backups"});
    } else if (key == "lost_keys") {
      fields::MapReader(fields_value, key_path, {"count"});
    } else if (key == "invariants") {
      fields::MapReader(fields_value, key_path, {"violations"});
    } else {
      fields::mapping(fields_value, key_path);
    }
    check_values(fields_value, key_path);
  }
  check.checks = v;
  return check;
}

Step read_step(const Value& v, std::size_t index) {
  const std::string path = fields::index("steps", index);
  const fields::MapReader m(v, path, step_keys());
  std::vector<std::string_view> kinds;
  for (std::string_view kind : kKinds) {
    if (m.has(kind)) kinds.push_back(kind);
  }
  if (kinds.empty()) {
    fields::fail(v.loc,
                 fmt::format("field '{}': a step needs one of call, wait, check, fault", path));
  }
  if (kinds.size() > 1) {
    fields::fail(m.key_loc(kinds[1]),
                 fmt::format("field '{}': a step is exactly one of call, wait, check, fault "
                             "(got both '{}' and '{}')",
                             path, kinds[0], kinds[1]));
  }
  Step step;
  step.index = static_cast<int>(index);
  step.loc = v.loc;
  const std::string_view kind = kinds[0];
  const auto only_with = [&](std::string_view key, bool allowed, std::string_view who) {
    if (m.has(key) && !allowed) {
      fields::fail(m.key_loc(key),
                   fmt::format("field '{}': only a {} step takes '{}'", m.path(key), who, key));
    }
  };
  only_with("with", kind == "call", "call");
  only_with("expect", kind == "call", "call");
  only_with("principal", kind == "call", "call");
  only_with("as", kind == "call" || kind == "wait", "call or wait");
  only_with("timeout", kind == "wait", "wait");
  if (m.has("at") && m.has("after")) {
    fields::fail(m.key_loc("after"),
                 fmt::format("field '{}': 'at' and 'after' exclude each other", path));
  }
  if (const Value* at = m.get("at")) step.at = read_at(*at, m.path("at"));
  if (const Value* after = m.get("after"))
    step.after = parse_duration_value(*after, m.path("after"));
  if (const Value* as = m.get("as")) step.as = fields::name(*as, m.path("as"));
  if (kind == "call") {
    step.kind = StepKind::Call;
    step.call = read_call(m);
    if (const Value* expect = m.get("expect")) step.expect = read_expect(*expect, m.path("expect"));
  } else if (kind == "wait") {
    step.kind = StepKind::Wait;
    step.wait = read_wait(m);
    if (step.as && !step.wait.condition.find("backup_of")) {
      fields::fail(m.key_loc("as"),
                   fmt::format("field '{}': a wait binds `as` only when it waits for a backup "
                               "(backup_of)",
                               m.path("as")));
    }
  } else if (kind == "check") {
    step.kind = StepKind::Check;
    step.check = read_check(m);
  } else {
    step.kind = StepKind::Fault;
    step.fault = read_fault(m.require("fault"), m.path("fault"));
  }
  return step;
}

}  // namespace

std::vector<Step> read_steps(const Value& v) {
  const auto& items = fields::sequence(v, "steps", Limits::kSteps, "the number of steps");
  std::vector<Step> steps;
  steps.reserve(items.size());
  for (std::size_t i = 0; i < items.size(); ++i)
    steps.push_back(read_step(items[i], i));
  return steps;
}

}  // namespace hsmsim::scenario::sections
