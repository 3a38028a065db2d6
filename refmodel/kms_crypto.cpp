// Crypto calls (facts §3.5): a key must be Enabled, its store CONNECTED, and an active HSM of
// its cluster must hold its backing key; the encryption context must match exactly; the
// ciphertext names its key. Everything else that fails in the cluster answers
// KMSInvalidStateException.
#include <algorithm>
#include <map>

#include "refmodel/rules.h"

namespace hsmsim::refmodel {
namespace {

constexpr const char* kNotFound = "NotFoundException";
constexpr const char* kKeyInvalidState = "KMSInvalidStateException";
constexpr const char* kInvalidCiphertext = "InvalidCiphertextException";
// A literal that stands for a blob that names no key (what a dropped Encrypt renders as).
constexpr const char* kBogusBlob = "AAAA";

Json context_of(const Json& p, const char* name) {
  auto it = p.find(name);
  if (it == p.end() || it->is_null()) return Json::object();
  return *it;
}

// Encryption contexts compare as maps: the order of their pairs does not matter.
std::map<std::string, std::string> context_map(const Json& c) {
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : c.items()) {
    if (v.is_string()) out[k] = v.get<std::string>();
  }
  return out;
}

bool context_ok(const Json& p, const char* name) {
  const Json c = context_of(p, name);
  if (!c.is_object()) return false;
  return std::all_of(c.begin(), c.end(), [](const Json& v) { return v.is_string(); });
}

}  // namespace

// Key state checks of the front end (facts §3.3 key-state table).
std::optional<Prediction> Rules::key_usable(const Key& k, const std::string& /*action*/) {
  if (k.pending_deletion) return Prediction::fail(kKeyInvalidState);
  if (k.store) {
    const Store& st = s_.stores.at(*k.store);
    if (in_flux(*k.store)) return Prediction::unknown();
    if (!(st.states & kConnected)) return Prediction::fail(kKeyInvalidState);  // Unavailable
    if (st.states != kConnected) return Prediction::unknown();
  }
  if (!k.enabled) return Prediction::fail("DisabledException");
  return std::nullopt;
}

std::optional<Prediction> Rules::internal_error_now(const char* exception) {
  double probability = 1;
  const Window now{s_.lo, s_.hi + s_.data_plane_bound_ns};
  switch (timed_fault_active(s_.internal_errors, now, &probability)) {
    case Tri::Yes:
      if (probability >= 1) return Prediction::fail(exception);
      if (probability > 0) return Prediction::unknown();
      return std::nullopt;
    case Tri::Maybe:
      return Prediction::unknown();
    case Tri::No:
      return std::nullopt;
  }
  return std::nullopt;
}

std::optional<Prediction> Rules::partition_now(const std::string& cluster, const char* exception) {
  const Window now{s_.lo, s_.hi + s_.data_plane_bound_ns};
  switch (timed_fault_active(s_.partitions[cluster], now, nullptr)) {
    case Tri::Yes:
      return Prediction::fail(exception);
    case Tri::Maybe:
      return Prediction::unknown();
    case Tri::No:
      return std::nullopt;
  }
  return std::nullopt;
}

// Whether cluster `name` can serve key `key` now ("" for GenerateRandom: any active HSM).
std::optional<Prediction> Rules::cluster_serves(const std::string& name, const std::string& key,
                                                const char* unreachable) {
  auto it = s_.clusters.find(name);
  if (it == s_.clusters.end() || !it->second.state_known || in_flux(name)) {
    return Prediction::unknown();
  }
  const Cluster& c = it->second;
  if (c.state == "DELETED") return Prediction::fail(unreachable);
  if (auto p = partition_now(name, unreachable)) return p;
  if (!c.hsms_known) return Prediction::unknown();
  std::set<std::size_t> active;
  for (std::size_t i = 0; i < c.hsms.size(); ++i) {
    if (c.hsms[i].state == HsmState::Active) active.insert(i);
  }
  if (active.empty()) return Prediction::fail(unreachable);
  if (key.empty()) return std::nullopt;
  if (!c.data_known) return Prediction::unknown();
  auto m = c.material.find(key);
  if (m == c.material.end()) return Prediction::fail(kKeyInvalidState);  // material missing
  if (m->second.everywhere) return std::nullopt;
  const bool all_active = std::all_of(m->second.one_of.begin(), m->second.one_of.end(),
                                      [&](std::size_t i) { return active.count(i) > 0; });
  if (all_active && !m->second.one_of.empty()) return std::nullopt;
  // Some HSM that may hold it is gone: another may have received a copy meanwhile.
  return Prediction::unknown();
}

Prediction Rules::crypto(const std::string& action, const Json& p,
                         const std::optional<std::string>& as) {
  const bool decrypting = action == "Decrypt" || action == "ReEncrypt";
  const bool data_key = action == "GenerateDataKey" || action == "GenerateDataKeyWithoutPlaintext";
  auto result = [&](Prediction pr) {
    if (as) bind(as, pr.is_ok() ? Bound::Yes : pr.is_unknown() ? Bound::Maybe : Bound::No);
    return pr;
  };
  // --- parameter validation (before any lookup) ---
  int data_key_bytes = 0;
  if (data_key) {
    const std::optional<std::string> spec = str_param(p, "KeySpec");
    bool malformed = false;
    const std::optional<int64_t> n = int_param(p, "NumberOfBytes", malformed);
    if (malformed || (n && (*n < 1 || *n > 1024)) || (spec && n) || (!spec && !n)) {
      return result(Prediction::fail(kValidation));
    }
    if (spec) {
      if (*spec != "AES_256" && *spec != "AES_128") return result(Prediction::fail(kValidation));
      data_key_bytes = *spec == "AES_256" ? 32 : 16;
    } else {
      data_key_bytes = static_cast<int>(*n);
    }
  }
  std::optional<std::string> plaintext;
  if (action == "Encrypt") {
    plaintext = str_param(p, "Plaintext");
    if (!plaintext || plaintext->empty() || plaintext->size() > 4096) {
      return result(Prediction::fail(kValidation));
    }
  }
  if (!context_ok(p, decrypting && action == "ReEncrypt" ? "SourceEncryptionContext"
                                                         : "EncryptionContext") ||
      !context_ok(p, "DestinationEncryptionContext")) {
    return result(Prediction::fail(kValidation));
  }
  const Blob* blob = nullptr;
  bool bogus_blob = false;
  if (decrypting) {
    const std::optional<std::string> b = str_param(p, "CiphertextBlob");
    if (!b) return result(Prediction::fail(kValidation));
    if (*b == kBogusBlob) {
      bogus_blob = true;
    } else {
      if (bound(*b) != Bound::Yes || !s_.blobs.count(*b)) return result(Prediction::unknown());
      blob = &s_.blobs.at(*b);
    }
  }
  // --- keys named by the request: NotFound before the ciphertext is read ---
  const char* key_param = action == "ReEncrypt" ? "DestinationKeyId" : "KeyId";
  const std::optional<std::string> key_ref = str_param(p, key_param);
  const std::optional<std::string> source_ref =
      action == "ReEncrypt" ? str_param(p, "SourceKeyId") : std::nullopt;
  if (!decrypting || action == "ReEncrypt") {
    if (!key_ref) return result(Prediction::fail(kValidation));
  }
  Key* named = nullptr;  // KeyId (Decrypt) or DestinationKeyId (ReEncrypt) or the key
  Key* source_named = nullptr;
  bool maybe = false;
  for (auto [ref, out] : {std::pair{source_ref, &source_named}, std::pair{key_ref, &named}}) {
    if (!ref) continue;
    switch (key(*ref, *out)) {
      case Tri::No:
        if (!maybe) return result(Prediction::fail(kNotFound));
        return result(Prediction::unknown());
      case Tri::Maybe:
        maybe = true;
        break;
      case Tri::Yes:
        break;
    }
  }
  if (maybe) return result(Prediction::unknown());
  // --- the ciphertext names its key ---
  Key* owner = nullptr;
  if (decrypting) {
    if (bogus_blob) return result(Prediction::fail(kInvalidCiphertext));
    switch (key(blob->key, owner)) {
      case Tri::No:
        return result(Prediction::fail(kNotFound));
      case Tri::Maybe:
        return result(Prediction::unknown());
      case Tri::Yes:
        break;
    }
    Key* must_match = action == "Decrypt" ? named : source_named;
    if (must_match && must_match != owner) return result(Prediction::fail("IncorrectKeyException"));
  }
  // --- key states, in request order: the key used first, then ReEncrypt's destination ---
  Key* first = decrypting ? owner : named;
  Key* second = action == "ReEncrypt" ? named : nullptr;
  for (Key* k : {first, second}) {
    if (!k) continue;
    if (auto pr = key_usable(*k, action)) return result(*pr);
  }
  if (auto pr = internal_error_now("KMSInternalException")) return result(*pr);
  // --- the cluster of the first key: reachable, an active HSM holding the key ---
  if (first->store) {
    const std::string& cluster = s_.stores.at(*first->store).cluster;
    if (auto pr = partition_now(cluster, kKeyInvalidState)) return result(*pr);
    if (auto pr = cluster_serves(cluster, first->name, kKeyInvalidState)) return result(*pr);
  }
  if (decrypting) {
    const char* context_name =
        action == "Decrypt" ? "EncryptionContext" : "SourceEncryptionContext";
    if (context_map(context_of(p, context_name)) != context_map(blob->context)) {
      return result(Prediction::fail(kInvalidCiphertext));
    }
  }
  if (second && second->store) {
    const std::string& cluster = s_.stores.at(*second->store).cluster;
    if (auto pr = cluster_serves(cluster, second->name, kKeyInvalidState)) return result(*pr);
  }
  // --- ok ---
  Json fields = Json::object();
  Blob out;
  if (action == "Encrypt") {
    out = Blob{named->name, context_of(p, "EncryptionContext"), plaintext, 0};
    fields["KeyId"] = named->name;
  } else if (data_key) {
    out = Blob{named->name, context_of(p, "EncryptionContext"), std::nullopt, data_key_bytes};
    fields["KeyId"] = named->name;
    if (action == "GenerateDataKey") fields["Plaintext"] = Json{{"length", data_key_bytes}};
  } else if (action == "Decrypt") {
    fields["KeyId"] = owner->name;
    if (blob->plaintext) {
      fields["Plaintext"] = *blob->plaintext;
    } else {
      fields["Plaintext"] = Json{{"length", blob->data_key_bytes}};
    }
  } else {  // ReEncrypt
    out = Blob{named->name, context_of(p, "DestinationEncryptionContext"), blob->plaintext,
               blob->data_key_bytes};
    fields["KeyId"] = named->name;
  }
  if (as && action != "Decrypt") s_.blobs[*as] = out;
  return result(Prediction::ok(fields));
}

Prediction Rules::GenerateRandom(const Json& p) {
  bool malformed = false;
  const std::optional<int64_t> n = int_param(p, "NumberOfBytes", malformed);
  if (malformed || !n || *n < 1 || *n > 1024) return Prediction::fail(kValidation);
  const std::optional<std::string> store_ref = str_param(p, "CustomKeyStoreId");
  const Json ok_fields{{"Plaintext", Json{{"length", *n}}}};
  if (!store_ref) {
    if (auto pr = internal_error_now("KMSInternalException")) return *pr;
    return Prediction::ok(ok_fields);
  }
  Store* st = nullptr;
  if (auto early = unless_found(store(*store_ref, st), "CustomKeyStoreNotFoundException"))
    return *early;
  if (!(st->states & kConnected)) return Prediction::fail("CustomKeyStoreInvalidStateException");
  if (st->states != kConnected) return Prediction::unknown();
  if (auto pr = internal_error_now("KMSInternalException")) return *pr;
  // The simulator's choice where the docs are silent (GenerateRandom's error list has no
  // KMSInvalidStateException): an unreachable cluster answers DependencyTimeoutException.
  if (auto pr = cluster_serves(st->cluster, "", "DependencyTimeoutException")) return *pr;
  return Prediction::ok(ok_fields);
}

}  // namespace hsmsim::refmodel
