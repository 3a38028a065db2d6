// no_plaintext_key_export: backing-key bytes never leave an HSM. No 32-byte key material of the
// vault appears in any answer (a data-plane answer's ciphertext blob, plaintext or message; a
// control-plane response or message) nor in any trace record: not raw, not as lowercase or
// uppercase hex, not as base64 at any of the three byte alignments a key can have inside a
// longer base64 text.
//
// Each key gives six needles: raw (32 bytes), two hex forms (64 characters) and, per alignment,
// the base64 characters that depend on key bytes only (the 10 whole 3-byte groups the key
// covers: 40 characters). Every needle is at least 32 bytes long, so any occurrence holds a
// whole 8-byte window starting at one of every kStride = 32 - 8 + 1 positions: a text is
// scanned once, looking only at the windows at those positions. Each window is checked against a
// bit filter of every 8-byte window of every needle, then a binary search of those windows, then a
// full comparison of the needle it came from. The index is rebuilt only when the vault has grown.
// The index is a secret: it is wiped before it is dropped, and a violation names the KMS key
// and the form, never the bytes.
#include <openssl/crypto.h>

#include <algorithm>
#include <array>
#include <cassert>
#include <cstring>
#include <optional>

#include "model/invariants/catalog.h"
#include "model/world.h"

namespace hsmsim::model {
namespace {

constexpr std::size_t kKeyBytes = 32;
constexpr std::size_t kBase64GroupsPerKey = 10;  // whole groups at any alignment: (32 - s) / 3
constexpr std::size_t kBase64NeedleChars = 4 * kBase64GroupsPerKey;
constexpr std::size_t kArenaBytesPerKey = kKeyBytes + 2 * 2 * kKeyBytes + 3 * kBase64NeedleChars;
constexpr std::size_t kNeedleMinBytes = kKeyBytes;  // the shortest needle: raw bytes
static_assert(kBase64NeedleChars >= kNeedleMinBytes);

enum class Form : uint8_t { Raw, LowerHex, UpperHex, Base64 };

const char* to_string(Form f) {
  switch (f) {
    case Form::Raw:
      return "raw bytes";
    case Form::LowerHex:
      return "lowercase hex";
    case Form::UpperHex:
      return "uppercase hex";
    case Form::Base64:
      return "base64";
  }
  return "?";
}

uint64_t load_window(const uint8_t* p) {
  uint64_t v = 0;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// The bit of a window in a filter of 2^bits bits (Fibonacci hashing).
std::size_t filter_bit(uint64_t window, unsigned bits) {
  return static_cast<std::size_t>((window * 0x9E3779B97F4A7C15ull) >> (64 - bits));
}

// The key bytes of the vault in every printable form, indexed for one-pass scans.
class KeyNeedles {
 public:
  struct Hit {
    uint64_t material = 0;
    Form form = Form::Raw;
    std::size_t offset = 0;
  };

  KeyNeedles() = default;
  KeyNeedles(const KeyNeedles&) = delete;
  KeyNeedles& operator=(const KeyNeedles&) = delete;
  ~KeyNeedles() { wipe(); }

  // Re-reads the vault when it holds more keys than were indexed (it never loses one).
  void refresh(const KeyVault& vault) {
    const auto& keys = vault.keys();
    if (keys.size() == indexed_) return;
    wipe();
    // Reserved up front so the secret buffers never move (a moved-from copy is not wiped).
    arena_.reserve(keys.size() * kArenaBytesPerKey);
    needles_.reserve(keys.size() * kNeedlesPerKey);
    windows_.reserve(keys.size() * kArenaBytesPerKey);
    for (const auto& [material, key] : keys)
      add_key(material, key.material().bytes());
    std::sort(windows_.begin(), windows_.end(),
              [](const Window& a, const Window& b) { return a.value < b.value; });
    // About 16 filter bits per window, at least 2^16.
    filter_bits_ = 16;
    while ((std::size_t{1} << filter_bits_) < windows_.size() * 16)
      ++filter_bits_;
    filter_.assign((std::size_t{1} << filter_bits_) / 64, 0);
    for (const Window& w : windows_) {
      const std::size_t bit = filter_bit(w.value, filter_bits_);
      filter_[bit / 64] |= uint64_t{1} << (bit % 64);
    }
    indexed_ = keys.size();
  }

  bool empty() const { return needles_.empty(); }

  // A needle found in `text` (the one whose sampled window comes first).
  std::optional<Hit> find(std::span<const uint8_t> text) const {
    if (text.size() < kNeedleMinBytes || needles_.empty()) return std::nullopt;
    for (std::size_t at = kStride - 1; at + kWindowBytes <= text.size(); at += kStride) {
      const uint64_t value = load_window(text.data() + at);
      const std::size_t bit = filter_bit(value, filter_bits_);
      if (((filter_[bit / 64] >> (bit % 64)) & 1) == 0) continue;
      if (std::optional<Hit> hit = verify(text, at, value)) return hit;
    }
    return std::nullopt;
  }

 private:
  static constexpr std::size_t kWindowBytes = 8;
  static constexpr std::size_t kStride = kNeedleMinBytes - kWindowBytes + 1;
  static constexpr std::size_t kNeedlesPerKey = 6;

  struct Needle {
    uint32_t begin = 0;  // in arena_
    uint32_t size = 0;
    uint64_t material = 0;
    Form form = Form::Raw;
  };
  struct Window {
    uint64_t value = 0;   // 8 bytes of a needle
    uint32_t needle = 0;  // index in needles_
    uint32_t offset = 0;  // where in the needle
  };

  // Whether the window `value` at `at` of `text` lies inside a whole needle.
  std::optional<Hit> verify(std::span<const uint8_t> text, std::size_t at, uint64_t value) const {
    auto it = std::lower_bound(windows_.begin(), windows_.end(), value,
                               [](const Window& w, uint64_t v) { return w.value < v; });
    for (; it != windows_.end() && it->value == value; ++it) {
      const Needle& n = needles_[it->needle];
      if (it->offset > at || at - it->offset + n.size > text.size()) continue;
      const std::size_t start = at - it->offset;
      if (std::memcmp(text.data() + start, arena_.data() + n.begin, n.size) == 0) {
        return Hit{n.material, n.form, start};
      }
    }
    return std::nullopt;
  }

  void add_key(uint64_t material, std::span<const uint8_t, kKeyBytes> key) {
    static constexpr char kLower[] = "0123456789abcdef";
    static constexpr char kUpper[] = "0123456789ABCDEF";
    static constexpr char kBase64[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const std::size_t raw = arena_.size();
    arena_.insert(arena_.end(), key.begin(), key.end());
    finish(raw, material, Form::Raw);
    for (const char* digits : {kLower, kUpper}) {
      const std::size_t hex = arena_.size();
      for (uint8_t b : key) {
        arena_.push_back(static_cast<uint8_t>(digits[b >> 4]));
        arena_.push_back(static_cast<uint8_t>(digits[b & 15]));
      }
      finish(hex, material, digits == kLower ? Form::LowerHex : Form::UpperHex);
    }
    // Skipping s = 0, 1, 2 leading bytes puts the key at each alignment in a base64 stream.
    for (std::size_t skip = 0; skip < 3; ++skip) {
      const std::size_t b64 = arena_.size();
      for (std::size_t g = 0; g < kBase64GroupsPerKey; ++g) {
        const uint8_t* p = key.data() + skip + 3 * g;
        const uint32_t v = (uint32_t{p[0]} << 16) | (uint32_t{p[1]} << 8) | p[2];
        for (int shift = 18; shift >= 0; shift -= 6) {
          arena_.push_back(static_cast<uint8_t>(kBase64[(v >> shift) & 63]));
        }
      }
      finish(b64, material, Form::Base64);
    }
  }

  // Records the needle written at arena_[start..] and every 8-byte window of it.
  void finish(std::size_t start, uint64_t material, Form form) {
    const auto size = static_cast<uint32_t>(arena_.size() - start);
    assert(size >= kNeedleMinBytes);
    const auto index = static_cast<uint32_t>(needles_.size());
    needles_.push_back(Needle{static_cast<uint32_t>(start), size, material, form});
    for (uint32_t offset = 0; offset + kWindowBytes <= size; ++offset) {
      windows_.push_back(Window{load_window(arena_.data() + start + offset), index, offset});
    }
  }

  void wipe() {
    auto cleanse = [](auto& v) {
      if (!v.empty()) OPENSSL_cleanse(v.data(), v.size() * sizeof(v[0]));
      v.clear();
      v.shrink_to_fit();
    };
    cleanse(arena_);
    cleanse(needles_);
    cleanse(windows_);
    cleanse(filter_);
    indexed_ = 0;
  }

  std::vector<uint8_t> arena_;   // the needles' bytes
  std::vector<Needle> needles_;  // into arena_
  std::vector<Window> windows_;  // sorted by value
  std::vector<uint64_t> filter_;
  unsigned filter_bits_ = 16;
  std::size_t indexed_ = 0;  // vault keys indexed
};

std::span<const uint8_t> bytes_of(std::string_view text) {
  return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

class NoPlaintextKeyExport final : public Monitor {
 public:
  std::string_view name() const override { return "no_plaintext_key_export"; }

  std::string after_call(const World& world, const ActionInfo& action, const Json&,
                         const ApiResult& result) override {
    if (!ready(world)) return "";
    const std::string response =
        result.response.dump(-1, ' ', false, Json::error_handler_t::replace);
    std::string message = scan(world, bytes_of(response), "the ", action.name, " response");
    if (message.empty()) {
      message = scan(world, bytes_of(result.message), "the ", action.name, " response's message");
    }
    return message;
  }

  // The hot path of a workload: nothing is allocated unless a key is found.
  std::string on_crypto(const World& world, const CryptoAnswer& a) override {
    if (!ready(world)) return "";
    const std::string_view op = to_string(a.op);
    std::string message = scan(world, a.blob, "the ", op, " answer's ciphertext blob");
    if (message.empty()) message = scan(world, a.plaintext, "the ", op, " answer's plaintext");
    if (message.empty())
      message = scan(world, bytes_of(a.message), "the ", op, " answer's message");
    return message;
  }

  std::string on_trace_line(const World& world, std::string_view line) override {
    if (!ready(world)) return "";
    return scan(world, bytes_of(line), "the trace record", "", "");
  }

 private:
  bool ready(const World& world) {
    needles_.refresh(world.vault());
    return !needles_.empty();
  }

  // "" or what holds which key's bytes; `where` is the concatenation of the three parts.
  std::string scan(const World& world, std::span<const uint8_t> text, std::string_view where1,
                   std::string_view where2, std::string_view where3) {
    const std::optional<KeyNeedles::Hit> hit = needles_.find(text);
    if (!hit) return "";
    return std::string(where1) + std::string(where2) + std::string(where3) +
           " holds the backing-key material of " + owner(world, hit->material) + " as " +
           to_string(hit->form) + " (at byte " + std::to_string(hit->offset) + ")";
  }

  // The KMS keys whose backing key is this material (by a scan: only on a violation).
  static std::string owner(const World& world, uint64_t material) {
    std::string arns;
    for (const auto& k : world.kms().keys()) {
      if (k->material != material) continue;
      arns += (arns.empty() ? "" : ", ") + k->arn;
    }
    return arns.empty() ? "no KMS key (an unowned material)" : arns;
  }

  KeyNeedles needles_;
};

}  // namespace

std::unique_ptr<Monitor> make_no_plaintext_key_export() {
  return std::make_unique<NoPlaintextKeyExport>();
}

}  // namespace hsmsim::model
