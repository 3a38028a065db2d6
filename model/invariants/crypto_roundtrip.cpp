// crypto_roundtrip: every ciphertext the data plane produces (Encrypt, GenerateDataKey,
// GenerateDataKeyWithoutPlaintext, ReEncrypt) opens again, under the backing key of the KMS key
// it was produced for and the AAD it was sealed with, to exactly the plaintext that was sealed;
// and a Decrypt is answered with the material of the key it names.
//
// Written apart from the data plane and crypto/seal: the blob layout (version 1, see
// crypto/ciphertext_blob.h) is read here byte by byte, and the AES-256-GCM opening is raw
// OpenSSL EVP with the key bytes taken from the vault, so a bug in the model's sealing, blob
// code or choice of key shows up as a failed opening or a wrong plaintext. The AAD itself must
// carry the encryption context in its canonical, length-prefixed encoding (read here on its
// own), so an encoding under which two contexts collide is caught at the first Encrypt.
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <unordered_map>
#include <vector>

#include "model/invariants/catalog.h"
#include "model/world.h"

namespace hsmsim::model {
namespace {

constexpr uint8_t kVersion = 1;
constexpr std::size_t kIvBytes = 12;
constexpr std::size_t kTagBytes = 16;
constexpr std::size_t kKeyBytes = 32;
constexpr std::size_t kKeyIdMaxBytes = 2048;
constexpr std::size_t kCiphertextMaxBytes = 4096;

// A blob's fields, pointing into its bytes.
struct Blob {
  std::string_view key_id;
  std::span<const uint8_t> iv;
  std::span<const uint8_t> ciphertext;
  std::span<const uint8_t> tag;
};

// "" and `out` filled, or what is wrong with the layout.
std::string read_blob(std::span<const uint8_t> b, Blob& out) {
  if (b.size() < 3) return "shorter than its header";
  if (b[0] != kVersion) return "of version " + std::to_string(b[0]) + ", not 1";
  const std::size_t key_id_len = (std::size_t{b[1]} << 8) | b[2];
  if (key_id_len == 0 || key_id_len > kKeyIdMaxBytes) {
    return "naming a key ID of " + std::to_string(key_id_len) + " bytes";
  }
  std::size_t at = 3;
  if (b.size() < at + key_id_len + kIvBytes + 4) return "truncated before its ciphertext length";
  out.key_id = std::string_view(reinterpret_cast<const char*>(b.data() + at), key_id_len);
  at += key_id_len;
  out.iv = b.subspan(at, kIvBytes);
  at += kIvBytes;
  const std::size_t ct_len = (std::size_t{b[at]} << 24) | (std::size_t{b[at + 1]} << 16) |
                             (std::size_t{b[at + 2]} << 8) | b[at + 3];
  at += 4;
  if (ct_len > kCiphertextMaxBytes) return "holding " + std::to_string(ct_len) + " bytes";
  if (b.size() != at + ct_len + kTagBytes) {
    return std::to_string(b.size()) + " bytes long where its lengths say " +
           std::to_string(at + ct_len + kTagBytes);
  }
  out.ciphertext = b.subspan(at, ct_len);
  out.tag = b.subspan(at + ct_len, kTagBytes);
  return "";
}

// Whether the AAD after the blob header (`rest`) is an encryption context in the one canonical
// encoding of crypto/encryption_context.h, read here on its own: u32 count, then per entry
// u32 key_len, key, u32 value_len, value, keys strictly increasing bytewise, nothing after.
// Without the lengths two contexts could seal to the same AAD, and a Decrypt under the wrong
// context would open the blob.
bool canonical_context(std::span<const uint8_t> rest) {
  std::size_t at = 0;
  auto u32 = [&](std::size_t& out) {
    if (rest.size() - at < 4) return false;
    out = (std::size_t{rest[at]} << 24) | (std::size_t{rest[at + 1]} << 16) |
          (std::size_t{rest[at + 2]} << 8) | rest[at + 3];
    at += 4;
    return true;
  };
  std::size_t count = 0;
  if (!u32(count)) return false;
  std::string_view previous;
  for (std::size_t i = 0; i < count; ++i) {
    std::size_t key_len = 0, value_len = 0;
    if (!u32(key_len) || rest.size() - at < key_len) return false;
    const std::string_view key(reinterpret_cast<const char*>(rest.data() + at), key_len);
    at += key_len;
    if (i > 0 && !(previous < key)) return false;
    previous = key;
    if (!u32(value_len) || rest.size() - at < value_len) return false;
    at += value_len;
  }
  return at == rest.size();
}

// Whether `aad` starts with the blob header of `arn`: version, u16 length, the ARN.
bool aad_names(std::span<const uint8_t> aad, std::string_view arn) {
  if (aad.size() < 3 + arn.size()) return false;
  if (aad[0] != kVersion || ((std::size_t{aad[1]} << 8) | aad[2]) != arn.size()) return false;
  return std::memcmp(aad.data() + 3, arn.data(), arn.size()) == 0;
}

bool same_bytes(std::span<const uint8_t> x, std::span<const uint8_t> y) {
  return x.size() == y.size() && (x.empty() || std::memcmp(x.data(), y.data(), x.size()) == 0);
}

bool seals_a_blob(CryptoOp op) {
  return op == CryptoOp::Encrypt || op == CryptoOp::GenerateDataKey ||
         op == CryptoOp::GenerateDataKeyWithoutPlaintext || op == CryptoOp::ReEncrypt;
}

class CryptoRoundtrip final : public Monitor {
 public:
  CryptoRoundtrip() = default;
  CryptoRoundtrip(const CryptoRoundtrip&) = delete;
  CryptoRoundtrip& operator=(const CryptoRoundtrip&) = delete;
  ~CryptoRoundtrip() override { wipe(); }

  std::string_view name() const override { return "crypto_roundtrip"; }

  // The hot path of a workload: nothing is allocated unless a rule is broken.
  std::string on_crypto(const World& world, const CryptoAnswer& a) override {
    if (!a.ok || a.op == CryptoOp::GenerateRandom) return "";
    const auto& keys = world.kms().keys();
    if (a.key >= keys.size()) {
      return std::string(to_string(a.op)) + " answer names no KMS key (index " +
             std::to_string(a.key) + ")";
    }
    const KmsKey& key = *keys[a.key];
    auto fail = [&](const std::string& what) {
      return std::string(to_string(a.op)) + " answer for " + key.arn + what;
    };
    if (a.op == CryptoOp::ReEncrypt && a.source_key >= keys.size()) {
      return fail(" names no source key");
    }
    if (a.material != key.material) {
      return fail(" used material " + std::to_string(a.material) + ", which is not the key's (" +
                  std::to_string(key.material) + ")");
    }
    if (!seals_a_blob(a.op)) return "";
    const std::string problem = check_blob(world, a, key);
    return problem.empty() ? "" : fail(": " + problem);
  }

 private:
  // "" or what is wrong with the answer's blob.
  std::string check_blob(const World& world, const CryptoAnswer& a, const KmsKey& key) {
    Blob blob;
    if (const std::string bad = read_blob(a.blob, blob); !bad.empty()) {
      return "the ciphertext blob is malformed (" + bad + ")";
    }
    if (blob.key_id != key.arn) {
      return "the ciphertext blob names " + std::string(blob.key_id) + " instead of the key's ARN";
    }
    if (!aad_names(a.aad, key.arn)) {
      return "the AAD does not start with the blob's version and the key's ARN";
    }
    if (!canonical_context(a.aad.subspan(3 + key.arn.size()))) {
      return "the AAD's encryption context is not in the canonical length-prefixed encoding";
    }
    if (blob.ciphertext.size() != a.sealed_plaintext.size()) {
      return "the ciphertext is " + std::to_string(blob.ciphertext.size()) +
             " bytes for a plaintext of " + std::to_string(a.sealed_plaintext.size());
    }
    const auto& vault = world.vault().keys();
    const auto it = vault.find(key.material);
    if (it == vault.end()) return "the vault holds no material for the key";
    const bool opened = open(key.material, it->second.material().bytes(), blob, a.aad);
    const bool same = opened && same_bytes(plain_, a.sealed_plaintext);
    // GenerateDataKey: the data key the caller receives is the one sealed in the blob.
    const bool caller_copy = a.op != CryptoOp::GenerateDataKey || same_bytes(plain_, a.plaintext);
    wipe();
    if (!opened) {
      return "the ciphertext does not open under the key's material and its encryption context "
             "(authentication failed)";
    }
    if (!same) return "the ciphertext opens to another plaintext than the one sealed";
    if (!caller_copy) return "the returned plaintext is not the data key in the blob";
    return "";
  }

  // AES-256-GCM opening into plain_ with a context keyed once per material (only the IV
  // changes per answer); true when the tag verifies.
  bool open(uint64_t material, std::span<const uint8_t, kKeyBytes> key, const Blob& blob,
            std::span<const uint8_t> aad) {
    EVP_CIPHER_CTX* c = context(material, key);
    if (!c) return false;
    int len = 0;
    plain_.assign(blob.ciphertext.size(), 0);
    if (EVP_DecryptInit_ex(c, nullptr, nullptr, nullptr, blob.iv.data()) != 1) return false;
    if (!aad.empty() &&
        EVP_DecryptUpdate(c, nullptr, &len, aad.data(), static_cast<int>(aad.size())) != 1) {
      return false;
    }
    if (!blob.ciphertext.empty() &&
        EVP_DecryptUpdate(c, plain_.data(), &len, blob.ciphertext.data(),
                          static_cast<int>(blob.ciphertext.size())) != 1) {
      return false;
    }
    std::array<uint8_t, kTagBytes> tag{};
    std::copy(blob.tag.begin(), blob.tag.end(), tag.begin());
    if (EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTagBytes), tag.data()) !=
        1) {
      return false;
    }
    std::array<uint8_t, kTagBytes> tail{};
    return EVP_DecryptFinal_ex(c, tail.data(), &len) == 1;
  }

  EVP_CIPHER_CTX* context(uint64_t material, std::span<const uint8_t, kKeyBytes> key) {
    auto it = contexts_.find(material);
    if (it != contexts_.end()) return it->second.get();
    Ctx c(EVP_CIPHER_CTX_new());
    if (!c) throw std::bad_alloc();
    if (EVP_DecryptInit_ex(c.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
        EVP_CIPHER_CTX_ctrl(c.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(kIvBytes), nullptr) !=
            1 ||
        EVP_DecryptInit_ex(c.get(), nullptr, nullptr, key.data(), nullptr) != 1) {
      return nullptr;
    }
    return contexts_.emplace(material, std::move(c)).first->second.get();
  }

  // The opened plaintext is a secret: cleared as soon as it has been compared.
  void wipe() {
    if (!plain_.empty()) OPENSSL_cleanse(plain_.data(), plain_.size());
    plain_.clear();
  }

  struct CtxFree {
    // EVP_CIPHER_CTX_free wipes the key schedule.
    void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
  };
  using Ctx = std::unique_ptr<EVP_CIPHER_CTX, CtxFree>;
  std::unordered_map<uint64_t, Ctx> contexts_;  // by material, keyed once
  std::vector<uint8_t> plain_;                  // reused between answers
};

}  // namespace

std::unique_ptr<Monitor> make_crypto_roundtrip() {
  return std::make_unique<CryptoRoundtrip>();
}

}  // namespace hsmsim::model
