#include "model/runner/values.h"

#include <charconv>
#include <cmath>

#include "crypto/base64.h"
#include "model/api_catalog.h"
#include "model/scenario/scenario.h"

namespace hsmsim::model {

using scenario::Value;

std::string scalar_text(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "null";
  return v.dump();
}

namespace {
// A decimal written in a matcher ("9.5") compared with a number: read as a number.
Json as_number(const Json& v) {
  if (!v.is_string()) return v;
  const std::string& s = v.get_ref<const std::string&>();
  double d = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
  if (ec == std::errc() && end == s.data() + s.size() && !s.empty()) return d;
  return v;
}
}  // namespace

const Binding* Values::binding(const std::string& name) const {
  auto it = bindings_.find(name);
  return it == bindings_.end() ? nullptr : &it->second;
}

const Json* Values::at_path(const Json& document, const std::string& path) {
  const Json* cur = &document;
  std::size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '.') {
      ++i;
      continue;
    }
    if (path[i] == '[') {
      const std::size_t close = path.find(']', i);
      if (close == std::string::npos || !cur->is_array()) return nullptr;
      std::size_t index = 0;
      auto [end, ec] = std::from_chars(path.data() + i + 1, path.data() + close, index);
      if (ec != std::errc() || end != path.data() + close || index >= cur->size()) return nullptr;
      cur = &(*cur)[index];
      i = close + 1;
      continue;
    }
    const std::size_t stop = path.find_first_of(".[", i);
    const std::string key =
        path.substr(i, stop == std::string::npos ? std::string::npos : stop - i);
    if (!cur->is_object()) return nullptr;
    auto it = cur->find(key);
    if (it == cur->end()) return nullptr;
    cur = &*it;
    i = stop == std::string::npos ? path.size() : stop;
  }
  return cur;
}

Json Values::resolve_reference(const std::string& ref) const {
  // "$name.Path" or "$name"
  const std::size_t stop = ref.find_first_of(".[", 1);
  const std::string name = ref.substr(1, stop == std::string::npos ? std::string::npos : stop - 1);
  const Binding* b = binding(name);
  if (!b) throw StepFailure("'$" + name + "' is not bound (its step did not answer)");
  if (stop == std::string::npos) return b->primary;
  const Json* v = at_path(b->response, ref.substr(stop));
  if (!v) throw StepFailure("the response bound as '" + name + "' has no " + ref.substr(stop));
  return *v;
}

std::string Values::subject_id(const std::string& name) const {
  if (!name.empty() && name[0] == '$') {  // `$d.Clusters[0].Hsms[0].HsmId` as a subject
    const Json v = resolve_reference(name);
    return v.is_string() ? v.get<std::string>() : scalar_text(v);
  }
  if (const Binding* b = binding(name); b && b->primary.is_string()) {
    return b->primary.get<std::string>();
  }
  auto it = world_.names().find(name);
  return it == world_.names().end() ? name : it->second.id;
}

Json Values::resolve(const Value& v, bool reference) const {
  switch (v.kind) {
    case Value::Kind::Null:
      return nullptr;
    case Value::Kind::Sequence: {
      Json out = Json::array();
      for (const Value& item : v.items)
        out.push_back(resolve(item, reference));
      return out;
    }
    case Value::Kind::Mapping: {
      Json out = Json::object();
      for (const auto& [k, item] : v.entries)
        out[k] = resolve(item, reference);
      return out;
    }
    case Value::Kind::Scalar:
      break;
  }
  const std::string& s = v.scalar;
  if (!s.empty() && s[0] == '$') return resolve_reference(s);
  if (reference) {
    if (const Binding* b = binding(s)) return b->primary;
    auto it = world_.names().find(s);
    if (it != world_.names().end()) return it->second.id;
  }
  if (v.quoted) return s;
  if (s == "true" || s == "false") return s == "true";
  int64_t i = 0;
  if (auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), i);
      ec == std::errc() && end == s.data() + s.size()) {
    return i;
  }
  return s;
}

Json Values::request(const Value& with) const {
  Json out = Json::object();
  if (!with.is_mapping()) return out;
  for (const auto& [param, v] : with.entries) {
    Json value = resolve(v, is_reference_param(param));
    // A blob written as text stands for its bytes; a bound value is already a blob (base64).
    if (is_blob_field(param) && is_literal_text(v, value)) {
      const std::string& text = value.get_ref<const std::string&>();
      value = crypto::base64_encode(
          std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
    }
    // A cluster's name as TrustAnchorCertificate stands for that cluster's trust anchor.
    if ((param == "TrustAnchorCertificate") && value.is_string()) {
      if (const Cluster* c = world_.cloudhsm().cluster_record(value.get<std::string>())) {
        value = c->trust_anchor;
      }
    }
    out[param] = std::move(value);
  }
  return out;
}

std::vector<std::string> Values::aliases_of(const std::string& name) const {
  std::vector<std::string> out;
  const std::string id = subject_id(name);
  out.push_back(id);
  if (const KmsKey* k = world_.kms().find_key(id)) {
    out.push_back(k->id);
    out.push_back(k->arn);
    for (const auto& [alias, index] : world_.kms().aliases()) {
      if (world_.kms().keys()[index].get() == k) out.push_back(alias);
    }
  }
  return out;
}

bool Values::matches(const Json& actual, const Value& expected, std::string& why) const {
  // {min: x, max: y}: every matcher of the mapping must hold.
  if (expected.entries.size() > 1 && scenario::is_matcher(expected)) {
    for (const auto& entry : expected.entries) {
      Value single = expected;
      single.entries = {entry};
      if (!matches(actual, single, why)) return false;
    }
    return true;
  }
  if (expected.is_mapping() && expected.entries.size() == 1) {
    const auto& [op, arg] = expected.entries.front();
    if (op == "present") {
      const bool want = arg.scalar == "true";
      if (want != !actual.is_null()) {
        why = want ? "is absent" : "is present";
        return false;
      }
      return true;
    }
    if (op == "length") {
      const std::size_t want = std::stoull(arg.scalar);
      std::size_t got = 0;
      if (actual.is_string())
        got = actual.get<std::string>().size();
      else if (actual.is_array() || actual.is_object())
        got = actual.size();
      if (got != want) {
        why = "has length " + std::to_string(got) + ", expected " + std::to_string(want);
        return false;
      }
      return true;
    }
    if (op == "min" || op == "max") {
      const Json bound = as_number(resolve(arg, false));
      if (!actual.is_number() || !bound.is_number()) {
        why = "is " + scalar_text(actual) + ", not a number";
        return false;
      }
      const double a = actual.get<double>(), b = bound.get<double>();
      if (op == "min" ? a < b : a > b) {
        why = "is " + scalar_text(actual) + ", expected " + op + " " + scalar_text(bound);
        return false;
      }
      return true;
    }
    if (op == "one_of") {
      for (const Value& option : arg.items) {
        std::string ignored;
        if (matches(actual, option, ignored)) return true;
      }
      why = "is " + scalar_text(actual) + ", not one of the listed values";
      return false;
    }
  }
  if (expected.is_mapping()) {
    if (!actual.is_object()) {
      why = "is " + scalar_text(actual) + ", expected a mapping";
      return false;
    }
    return matches_fields(actual, expected, why);
  }
  if (expected.is_sequence()) {
    if (!actual.is_array() || actual.size() != expected.items.size()) {
      why =
          "is " + actual.dump() + ", expected " + std::to_string(expected.items.size()) + " items";
      return false;
    }
    for (std::size_t i = 0; i < actual.size(); ++i) {
      if (!matches(actual[i], expected.items[i], why)) return false;
    }
    return true;
  }
  if (expected.is_null()) {
    if (actual.is_null()) return true;
    why = "is " + scalar_text(actual) + ", expected null";
    return false;
  }
  const Json want =
      actual.is_number() ? as_number(resolve(expected, false)) : resolve(expected, false);
  const std::string got = scalar_text(actual);
  if (got == scalar_text(want)) return true;
  if (actual.is_number() && want.is_number() &&
      std::fabs(actual.get<double>() - want.get<double>()) < 1e-9) {
    return true;
  }
  // A name matches a field holding that object's ID or ARN (and a key's alias).
  if (expected.is_scalar() && !expected.quoted) {
    for (const std::string& alias : aliases_of(expected.scalar)) {
      if (alias == got) return true;
    }
  }
  why = "is " + (actual.is_null() ? std::string("absent") : "'" + got + "'") + ", expected '" +
        scalar_text(want) + "'";
  return false;
}

bool Values::is_literal_text(const Value& written, const Json& resolved) const {
  return written.is_scalar() && resolved.is_string() && !written.scalar.empty() &&
         written.scalar[0] != '$' && resolved.get_ref<const std::string&>() == written.scalar &&
         !binding(written.scalar);
}

// A blob field (base64) against text or `{length: N}`: compared as decoded bytes, and a
// mismatch never shows the bytes (they may be a plaintext or a data key).
std::optional<bool> Values::matches_blob(const Json& actual, const Value& expected,
                                         std::string& why) const {
  if (!actual.is_string()) return std::nullopt;
  crypto::Result<std::vector<uint8_t>> bytes =
      crypto::base64_decode(actual.get_ref<const std::string&>());
  if (!bytes) return std::nullopt;
  if (expected.is_mapping() && expected.entries.size() == 1 &&
      expected.entries.front().first == "length") {
    const std::size_t want = std::stoull(expected.entries.front().second.scalar);
    if (bytes->size() == want) return true;
    why = "has " + std::to_string(bytes->size()) + " bytes, expected " + std::to_string(want);
    return false;
  }
  const Json want = resolve(expected, false);
  if (!want.is_string()) return std::nullopt;
  const std::string& text = want.get_ref<const std::string&>();
  if (!is_literal_text(expected, want)) {
    // A bound blob (`$dk.Plaintext`, a name bound by `as:`): base64 on both sides.
    if (text == actual.get_ref<const std::string&>()) return true;
    why = "differs from " + expected.scalar + " (" + std::to_string(bytes->size()) + " bytes)";
    return false;
  }
  if (bytes->size() == text.size() &&
      std::equal(bytes->begin(), bytes->end(), text.begin(),
                 [](uint8_t b, char c) { return b == static_cast<uint8_t>(c); })) {
    return true;
  }
  why = "differs from '" + text + "' (" + std::to_string(bytes->size()) + " bytes)";
  return false;
}

bool Values::matches_fields(const Json& document, const Value& expected, std::string& why) const {
  for (const auto& [field, want] : expected.entries) {
    const Json* got = at_path(document, field);
    const Json actual = got ? *got : Json(nullptr);
    std::string detail;
    const std::size_t dot = field.find_last_of('.');
    if (is_blob_field(dot == std::string::npos ? field : field.substr(dot + 1))) {
      if (const std::optional<bool> blob = matches_blob(actual, want, detail)) {
        if (*blob) continue;
        why = field + " " + detail;
        return false;
      }
    }
    if (!matches(actual, want, detail)) {
      why = field + " " + detail;
      return false;
    }
  }
  return true;
}

}  // namespace hsmsim::model
