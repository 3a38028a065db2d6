// The crypto invariant monitors (SPEC §6): crypto_roundtrip and no_plaintext_key_export stay
// quiet on a run full of Encrypt, Decrypt, GenerateDataKey, ReEncrypt and GenerateRandom calls,
// and fire when shown what the data plane would never produce: a ciphertext that does not open
// to its plaintext under its key, an answer or a trace record that holds a backing key's bytes.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <string>
#include <vector>

#include "crypto/base64.h"
#include "crypto/ciphertext_blob.h"
#include "crypto/hex.h"
#include "crypto/random_source.h"
#include "crypto/seal.h"
#include "model/invariants/catalog.h"
#include "model/invariants/monitor.h"
#include "model/runner/runner.h"
#include "model/scenario/scenario.h"
#include "model/world.h"

namespace hsmsim::model {
namespace {

::testing::AssertionResult contains(const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "'" << text << "' does not contain '" << part << "'";
}

std::vector<uint8_t> bytes(std::string_view text) {
  return {text.begin(), text.end()};
}

// One CONNECTED store on a two-HSM cluster, with keys k1 (alias/app) and k2.
constexpr const char* kWorldYaml = R"(version: 1
name: crypto-invariants
seed: 7
world:
  clusters:
    - name: c1
      azs: [us-east-1a, us-east-1b]
      state: ACTIVE
      hsms: [us-east-1a, us-east-1b]
      users: [{name: kmsuser, role: CU, password: kmsPassw0rd}]
  key_stores:
    - {name: ks1, cluster: c1, password: kmsPassw0rd, state: CONNECTED}
  keys:
    - {name: k1, key_store: ks1, alias: alias/app}
    - {name: k2, key_store: ks1}
)";

// The world of kWorldYaml, with helpers to make genuine and forged data-plane answers.
class CryptoWorld {
 public:
  CryptoWorld()
      : scenario_(scenario::load_scenario_text(kWorldYaml, "crypto_invariants.yaml")),
        world_(engine_, trace_, scenario_, scenario_.seed) {}

  World& world() { return world_; }
  uint64_t seed() const { return scenario_.seed; }

  uint32_t index(const std::string& name) const {
    const std::string& id = world_.names().at(name).id;
    const auto& keys = world_.kms().keys();
    for (uint32_t i = 0; i < keys.size(); ++i) {
      if (keys[i]->id == id) return i;
    }
    throw std::logic_error("no key " + name);
  }
  const KmsKey& key(const std::string& name) const { return *world_.kms().keys()[index(name)]; }
  // The key's backing bytes, put into the vault if they were not yet.
  std::span<const uint8_t, 32> key_bytes(const std::string& name) {
    return world_.vault().key(key(name).material).material().bytes();
  }
  std::vector<uint8_t> aad(const std::string& name, const crypto::EncryptionContext& context) {
    return *crypto::blob_aad(key(name).arn, context);
  }
  // A blob the data plane's own sealing makes for the key.
  std::vector<uint8_t> seal(const std::string& name, std::span<const uint8_t> aad,
                            std::span<const uint8_t> plaintext) {
    return world_.data_plane().seal_outside(index(name), aad, plaintext);
  }

 private:
  sim::Engine engine_;
  sim::Trace trace_;
  scenario::Scenario scenario_;
  World world_;
};

// An ok answer of `op` for `key` whose spans point at the caller's buffers.
CryptoAnswer sealed_answer(CryptoOp op, const KmsKey& key, uint32_t index,
                           const std::vector<uint8_t>& blob, const std::vector<uint8_t>& plaintext,
                           const std::vector<uint8_t>& aad) {
  CryptoAnswer a;
  a.op = op;
  a.ok = true;
  a.key = index;
  a.material = key.material;
  a.blob = blob;
  a.sealed_plaintext = plaintext;
  a.aad = aad;
  if (op == CryptoOp::GenerateDataKey) a.plaintext = plaintext;
  return a;
}

const crypto::EncryptionContext kContext = {{"app", "web"}};

// --- crypto_roundtrip ------------------------------------------------------------------------

TEST(CryptoRoundtrip, QuietOnABlobTheDataPlaneSealed) {
  CryptoWorld t;
  auto m = make_crypto_roundtrip();
  const std::vector<uint8_t> plaintext = bytes("attack at dawn");
  const std::vector<uint8_t> aad = t.aad("k1", kContext);
  const std::vector<uint8_t> blob = t.seal("k1", aad, plaintext);
  const CryptoAnswer a =
      sealed_answer(CryptoOp::Encrypt, t.key("k1"), t.index("k1"), blob, plaintext, aad);
  EXPECT_EQ(m->on_crypto(t.world(), a), "");
}

TEST(CryptoRoundtrip, QuietOnRefusedAnswers) {
  CryptoWorld t;
  auto m = make_crypto_roundtrip();
  CryptoAnswer a;
  a.op = CryptoOp::Encrypt;
  a.ok = false;
  a.exception = "KMSInvalidStateException";
  a.key = t.index("k1");
  a.blob = std::span<const uint8_t>();  // nothing produced
  EXPECT_EQ(m->on_crypto(t.world(), a), "");
}

TEST(CryptoRoundtrip, FiresWhenTheCiphertextDoesNotOpen) {
  CryptoWorld t;
  auto m = make_crypto_roundtrip();
  const std::vector<uint8_t> plaintext = bytes("attack at dawn");
  const std::vector<uint8_t> aad = t.aad("k1", kContext);
  std::vector<uint8_t> blob = t.seal("k1", aad, plaintext);
  blob[blob.size() - crypto::kGcmTagBytes - 1] ^= 0x01;  // the last ciphertext byte
  const CryptoAnswer a =
      sealed_answer(CryptoOp::Encrypt, t.key("k1"), t.index("k1"), blob, plaintext, aad);
  const std::string message = m->on_crypto(t.world(), a);
  EXPECT_TRUE(contains(message, "Encrypt answer for " + t.key("k1").arn));
  EXPECT_TRUE(contains(message, "does not open"));
}

TEST(CryptoRoundtrip, FiresWhenTheAnswerGivesAnotherEncryptionContext) {
  CryptoWorld t;
  auto m = make_crypto_roundtrip();
  const std::vector<uint8_t> plaintext = bytes("attack at dawn");
  const std::vector<uint8_t> blob = t.seal("k1", t.aad("k1", kContext), plaintext);
  const std::vector<uint8_t> other = t.aad("k1", {{"app", "Web"}});
  const CryptoAnswer a =
      sealed_answer(CryptoOp::Encrypt, t.key("k1"), t.index("k1"), blob, plaintext, other);
  EXPECT_TRUE(contains(m->on_crypto(t.world(), a), "does not open"));
}

TEST(CryptoRoundtrip, FiresWhenTheCiphertextOpensToAnotherPlaintext) {
  CryptoWorld t;
  auto m = make_crypto_roundtrip();
  const std::vector<uint8_t> aad = t.aad("k1", kContext);
  const std::vector<uint8_t> blob = t.seal("k1", aad, bytes("attack at dawn"));
  const std::vector<uint8_t> claimed = bytes("attack at dusk");
  const CryptoAnswer a =
      sealed_answer(CryptoOp::Encrypt, t.key("k1"), t.index("k1"), blob, claimed, aad);
  EXPECT_TRUE(contains(m->on_crypto(t.world(), a), "opens to another plaintext"));
}

TEST(CryptoRoundtrip, FiresWhenABlobLabelledForTheKeyWasSealedWithAnotherKeysBytes) {
  CryptoWorld t;
  auto m = make_crypto_roundtrip();
  const std::vector<uint8_t> plaintext = bytes("attack at dawn");
  const std::vector<uint8_t> aad = t.aad("k1", kContext);
  // k1's ARN and AAD, k2's bytes: what a data plane that picked the wrong HSM key would make.
  t.key_bytes("k1");
  crypto::DeterministicDrbg ivs(1, "test-ivs");
  std::vector<uint8_t> blob;
  crypto::seal_serialized_into(t.world().vault().key(t.key("k2").material), t.key("k1").arn, aad,
                               plaintext, ivs, blob);
  const CryptoAnswer a =
      sealed_answer(CryptoOp::Encrypt, t.key("k1"), t.index("k1"), blob, plaintext, aad);
  EXPECT_TRUE(contains(m->on_crypto(t.world(), a), "does not open under the key's material"));
}

TEST(CryptoRoundtrip, FiresWhenTheBlobNamesAnotherKey) {
  CryptoWorld t;
  auto m = make_crypto_roundtrip();
  const std::vector<uint8_t> plaintext = bytes("attack at dawn");
  const std::vector<uint8_t> blob = t.seal("k2", t.aad("k2", kContext), plaintext);
  const std::vector<uint8_t> aad = t.aad("k1", kContext);
  const CryptoAnswer a =
      sealed_answer(CryptoOp::Encrypt, t.key("k1"), t.index("k1"), blob, plaintext, aad);
  const std::string message = m->on_crypto(t.world(), a);
  EXPECT_TRUE(contains(message, "names " + t.key("k2").arn + " instead of the key's ARN"));
}

TEST(CryptoRoundtrip, FiresWhenTheAnswerReportsAnotherKeysMaterial) {
  CryptoWorld t;
  auto m = make_crypto_roundtrip();
  const std::vector<uint8_t> plaintext = bytes("attack at dawn");
  const std::vector<uint8_t> aad = t.aad("k1", kContext);
  const std::vector<uint8_t> blob = t.seal("k1", aad, plaintext);
  CryptoAnswer a =
      sealed_answer(CryptoOp::Encrypt, t.key("k1"), t.index("k1"), blob, plaintext, aad);
  a.material = t.key("k2").material;
  EXPECT_TRUE(contains(m->on_crypto(t.world(), a), "which is not the key's"));
}

TEST(CryptoRoundtrip, FiresOnAMalformedBlob) {
  CryptoWorld t;
  auto m = make_crypto_roundtrip();
  const std::vector<uint8_t> plaintext = bytes("attack at dawn");
  const std::vector<uint8_t> aad = t.aad("k1", kContext);
  std::vector<uint8_t> blob = t.seal("k1", aad, plaintext);
  blob.pop_back();  // a tag byte short
  const CryptoAnswer a =
      sealed_answer(CryptoOp::ReEncrypt, t.key("k1"), t.index("k1"), blob, plaintext, aad);
  CryptoAnswer re = a;
  re.source_key = t.index("k2");
  EXPECT_TRUE(contains(m->on_crypto(t.world(), re), "ciphertext blob is malformed"));
}

TEST(CryptoRoundtrip, FiresWhenGenerateDataKeyReturnsAnotherDataKeyThanItSealed) {
  CryptoWorld t;
  auto m = make_crypto_roundtrip();
  const std::vector<uint8_t> data_key(32, 0x5a);
  const std::vector<uint8_t> aad = t.aad("k1", {});
  const std::vector<uint8_t> blob = t.seal("k1", aad, data_key);
  CryptoAnswer a =
      sealed_answer(CryptoOp::GenerateDataKey, t.key("k1"), t.index("k1"), blob, data_key, aad);
  EXPECT_EQ(m->on_crypto(t.world(), a), "");
  const std::vector<uint8_t> returned(32, 0xa5);
  a.plaintext = returned;
  EXPECT_TRUE(contains(m->on_crypto(t.world(), a), "not the data key in the blob"));
}

TEST(CryptoRoundtrip, FiresWhenDecryptIsAnsweredWithAnotherKeysMaterial) {
  CryptoWorld t;
  auto m = make_crypto_roundtrip();
  const std::vector<uint8_t> plaintext = bytes("attack at dawn");
  CryptoAnswer a;
  a.op = CryptoOp::Decrypt;
  a.ok = true;
  a.key = t.index("k1");
  a.material = t.key("k1").material;
  a.plaintext = plaintext;
  EXPECT_EQ(m->on_crypto(t.world(), a), "");
  a.material = t.key("k2").material;
  const std::string message = m->on_crypto(t.world(), a);
  EXPECT_TRUE(contains(message, "Decrypt answer for " + t.key("k1").arn));
  EXPECT_TRUE(contains(message, "not the key's"));
}

TEST(CryptoRoundtrip, IsReportedThroughMonitorsWithItsTime) {
  CryptoWorld t;
  scenario::InvariantSelection only;
  only.mode = scenario::InvariantSelection::Mode::Only;
  only.names = {"crypto_roundtrip"};
  Monitors monitors(t.world(), only);
  const std::vector<uint8_t> plaintext = bytes("attack at dawn");
  const std::vector<uint8_t> aad = t.aad("k1", kContext);
  std::vector<uint8_t> blob = t.seal("k1", aad, plaintext);
  monitors.on_crypto(
      sealed_answer(CryptoOp::Encrypt, t.key("k1"), t.index("k1"), blob, plaintext, aad));
  EXPECT_TRUE(monitors.violations().empty());
  blob.back() ^= 0x80;  // the tag
  monitors.on_crypto(
      sealed_answer(CryptoOp::Encrypt, t.key("k1"), t.index("k1"), blob, plaintext, aad));
  ASSERT_EQ(monitors.violations().size(), 1u);
  EXPECT_EQ(monitors.violations()[0].invariant, "crypto_roundtrip");
  EXPECT_EQ(monitors.violations()[0].time, t.world().now());
  EXPECT_TRUE(contains(monitors.violations()[0].message, "does not open"));
}

// --- no_plaintext_key_export -----------------------------------------------------------------

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::toupper(c); });
  return s;
}

// `before` bytes, the key, 5 bytes after: the key at every position modulo 3 of a base64 text.
std::string base64_around(std::span<const uint8_t, 32> key, std::size_t before) {
  std::vector<uint8_t> stream(before, 0x42);
  stream.insert(stream.end(), key.begin(), key.end());
  stream.insert(stream.end(), 5, 0x17);
  return crypto::base64_encode(stream);
}

std::string line_with(const std::string& value) {
  sim::TraceRecord r;
  r.actor = "runner";
  r.event = "leak";
  r.fields = {{"value", value}};
  return sim::canonical_json(r);
}

TEST(NoPlaintextKeyExport, QuietOnNearMissesAndUnrelatedBytes) {
  CryptoWorld t;
  auto m = make_no_plaintext_key_export();
  const std::span<const uint8_t, 32> key = t.key_bytes("k1");
  const std::string hex = crypto::hex_encode(key);
  EXPECT_EQ(m->on_trace_line(t.world(), line_with(hex.substr(0, 62))), "");  // 31 bytes
  EXPECT_EQ(m->on_trace_line(t.world(), line_with(hex.substr(2))), "");
  EXPECT_EQ(m->on_trace_line(t.world(), line_with(crypto::base64_encode(key.first(24)))), "");
  const std::vector<uint8_t> random(256, 0x33);
  CryptoAnswer a;
  a.op = CryptoOp::GenerateRandom;
  a.ok = true;
  a.plaintext = random;
  EXPECT_EQ(m->on_crypto(t.world(), a), "");
  std::vector<uint8_t> almost(key.begin(), key.end());
  almost[31] ^= 1;
  a.plaintext = almost;
  EXPECT_EQ(m->on_crypto(t.world(), a), "");
}

TEST(NoPlaintextKeyExport, FiresOnAPlaintextHoldingAKeysBytes) {
  CryptoWorld t;
  auto m = make_no_plaintext_key_export();
  const std::span<const uint8_t, 32> key = t.key_bytes("k1");
  std::vector<uint8_t> plaintext = {1, 2, 3};
  plaintext.insert(plaintext.end(), key.begin(), key.end());
  plaintext.push_back(9);
  CryptoAnswer a;
  a.op = CryptoOp::GenerateRandom;
  a.ok = true;
  a.plaintext = plaintext;
  const std::string message = m->on_crypto(t.world(), a);
  EXPECT_TRUE(contains(message, "GenerateRandom answer's plaintext"));
  EXPECT_TRUE(contains(message, t.key("k1").arn));
  EXPECT_TRUE(contains(message, "as raw bytes (at byte 3)"));
}

TEST(NoPlaintextKeyExport, FiresOnABlobHoldingAKeysBytes) {
  CryptoWorld t;
  auto m = make_no_plaintext_key_export();
  t.key_bytes("k1");
  const std::span<const uint8_t, 32> key = t.key_bytes("k2");
  // An "Encrypt" that sealed the key itself in the clear.
  const std::vector<uint8_t> aad = t.aad("k2", {});
  std::vector<uint8_t> blob = t.seal("k2", aad, std::vector<uint8_t>(32, 0));
  std::copy(key.begin(), key.end(), blob.end() - crypto::kGcmTagBytes - 32);
  const std::vector<uint8_t> none;
  CryptoAnswer a = sealed_answer(CryptoOp::Encrypt, t.key("k2"), t.index("k2"), blob, none, aad);
  const std::string message = m->on_crypto(t.world(), a);
  EXPECT_TRUE(contains(message, "Encrypt answer's ciphertext blob"));
  EXPECT_TRUE(contains(message, t.key("k2").arn));
}

TEST(NoPlaintextKeyExport, FiresOnATraceRecordHoldingAKeyInHexOfEitherCase) {
  CryptoWorld t;
  auto m = make_no_plaintext_key_export();
  const std::string hex = crypto::hex_encode(t.key_bytes("k1"));
  std::string message = m->on_trace_line(t.world(), line_with("key=" + hex));
  EXPECT_TRUE(contains(message, "the trace record holds"));
  EXPECT_TRUE(contains(message, t.key("k1").arn));
  EXPECT_TRUE(contains(message, "as lowercase hex"));
  message = m->on_trace_line(t.world(), line_with(upper(hex)));
  EXPECT_TRUE(contains(message, "as uppercase hex"));
}

TEST(NoPlaintextKeyExport, FiresOnATraceRecordHoldingAKeyInBase64AtEachAlignment) {
  CryptoWorld t;
  auto m = make_no_plaintext_key_export();
  const std::span<const uint8_t, 32> key = t.key_bytes("k2");
  for (std::size_t before = 0; before < 6; ++before) {
    const std::string message = m->on_trace_line(t.world(), line_with(base64_around(key, before)));
    EXPECT_TRUE(contains(message, "as base64")) << before << " bytes before the key";
    EXPECT_TRUE(contains(message, t.key("k2").arn));
  }
}

TEST(NoPlaintextKeyExport, FiresOnAControlPlaneResponseHoldingAKey) {
  CryptoWorld t;
  auto m = make_no_plaintext_key_export();
  const std::string b64 = crypto::base64_encode(t.key_bytes("k1"));
  const ActionInfo* describe = find_action("kms", "DescribeKey");
  ASSERT_NE(describe, nullptr);
  EXPECT_EQ(m->after_call(t.world(), *describe, Json::object(),
                          ApiResult::success(Json{{"KeyMetadata", {{"KeyId", "k"}}}})),
            "");
  const std::string message =
      m->after_call(t.world(), *describe, Json::object(),
                    ApiResult::success(Json{{"KeyMetadata", {{"Material", b64}}}}));
  EXPECT_TRUE(contains(message, "the DescribeKey response holds"));
  EXPECT_TRUE(contains(message, "as base64"));
}

TEST(NoPlaintextKeyExport, SeesKeysTheVaultGainsLater) {
  CryptoWorld t;
  auto m = make_no_plaintext_key_export();
  t.key_bytes("k1");
  // k2's bytes as the vault will derive them, before it has: nothing to find yet.
  std::array<uint8_t, 32> k2{};
  crypto::DeterministicDrbg(t.seed(), fmt::format("key-material/{:016x}", t.key("k2").material))
      .fill(k2);
  const std::string line = line_with(crypto::hex_encode(k2));
  EXPECT_EQ(m->on_trace_line(t.world(), line), "");
  ASSERT_TRUE(std::equal(k2.begin(), k2.end(), t.key_bytes("k2").begin()));
  EXPECT_TRUE(contains(m->on_trace_line(t.world(), line), t.key("k2").arn));
}

TEST(NoPlaintextKeyExport, ReportsThroughMonitorsWithoutRepeatingTheRecord) {
  CryptoWorld t;
  scenario::InvariantSelection only;
  only.mode = scenario::InvariantSelection::Mode::Only;
  only.names = {"no_plaintext_key_export"};
  Monitors monitors(t.world(), only);
  const std::string hex = crypto::hex_encode(t.key_bytes("k1"));
  sim::TraceRecord quiet;
  quiet.actor = "runner";
  quiet.event = "step_begin";
  monitors.write(quiet, sim::canonical_json(quiet));
  EXPECT_TRUE(monitors.violations().empty());
  sim::TraceRecord leak;
  leak.actor = "key_store/ks1";
  leak.event = "state";
  leak.fields = {{"debug", hex}};
  monitors.write(leak, sim::canonical_json(leak));
  monitors.write(quiet, sim::canonical_json(quiet));
  monitors.write(leak, sim::canonical_json(leak));
  ASSERT_EQ(monitors.violations().size(), 2u);
  EXPECT_EQ(monitors.violations()[0].invariant, "no_plaintext_key_export");
  EXPECT_TRUE(contains(monitors.violations()[0].message, t.key("k1").arn));
  EXPECT_TRUE(contains(monitors.violations()[1].recent_events.at(1), "<withheld"));
  const std::string report = monitors.to_json().dump();
  EXPECT_EQ(report.find(hex), std::string::npos) << report;
}

// --- a normal run full of crypto calls -------------------------------------------------------

constexpr const char* kCryptoStepsYaml = R"(
steps:
  - call: Encrypt
    with: {KeyId: alias/app, Plaintext: "attack at dawn", EncryptionContext: {app: web}}
    as: ct
    expect: {ok: {KeyId: k1}}
  - call: Decrypt
    with: {CiphertextBlob: ct, EncryptionContext: {app: web}}
    expect: {ok: {Plaintext: "attack at dawn", KeyId: k1}}
  - call: Decrypt
    with: {CiphertextBlob: ct, EncryptionContext: {app: Web}}
    expect: {error: InvalidCiphertextException}
  - call: GenerateDataKey
    with: {KeyId: k1, KeySpec: AES_256, EncryptionContext: {purpose: data}}
    as: dk
    expect: {ok: {Plaintext: {length: 32}}}
  - call: Decrypt
    with: {CiphertextBlob: dk, EncryptionContext: {purpose: data}}
    expect: {ok: {Plaintext: {length: 32}, KeyId: k1}}
  - call: GenerateDataKeyWithoutPlaintext
    with: {KeyId: k2, NumberOfBytes: 64}
    as: dk2
    expect: ok
  - call: Decrypt
    with: {CiphertextBlob: dk2}
    expect: {ok: {Plaintext: {length: 64}, KeyId: k2}}
  - call: ReEncrypt
    with: {CiphertextBlob: ct, SourceEncryptionContext: {app: web}, DestinationKeyId: k2,
           DestinationEncryptionContext: {app: moved}}
    as: ct2
    expect: {ok: {KeyId: k2}}
  - call: Decrypt
    with: {CiphertextBlob: ct2, EncryptionContext: {app: moved}}
    expect: {ok: {Plaintext: "attack at dawn", KeyId: k2}}
  - call: GenerateRandom
    with: {NumberOfBytes: 32, CustomKeyStoreId: ks1}
    expect: {ok: {Plaintext: {length: 32}}}
  - call: GenerateRandom
    with: {NumberOfBytes: 1024}
    expect: {ok: {Plaintext: {length: 1024}}}
  - check:
      invariants: {violations: 0}
)";

class CryptoRun : public ::testing::TestWithParam<std::string> {};

TEST_P(CryptoRun, KeepsTheMonitorQuiet) {
  scenario::Scenario s =
      scenario::load_scenario_text(std::string(kWorldYaml) + kCryptoStepsYaml, "crypto_run.yaml");
  s.invariants.mode = scenario::InvariantSelection::Mode::Only;
  s.invariants.names = {GetParam()};
  check_scenario(s);
  const RunOutcome outcome = run_scenario(s, RunSettings{});
  const Json& invariants = outcome.summary["invariants"];
  EXPECT_EQ(invariants["enabled"], Json::array({GetParam()}));
  EXPECT_TRUE(invariants["violations"].empty()) << invariants["violations"].dump(2);
  EXPECT_TRUE(outcome.passed) << outcome.summary["steps"].dump(2);
  // The monitor had something to look at.
  const Json& ops = outcome.summary["operations"];
  for (const char* op : {"Encrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext",
                         "ReEncrypt", "GenerateRandom"}) {
    EXPECT_GE(ops.at(op).at("ok").get<int>(), 1) << op;
  }
  EXPECT_EQ(ops.at("Decrypt").at("ok").get<int>(), 4);
}

INSTANTIATE_TEST_SUITE_P(CryptoMonitors, CryptoRun,
                         ::testing::Values("crypto_roundtrip", "no_plaintext_key_export"),
                         [](const auto& info) { return info.param; });

TEST(CryptoRunWithAllMonitors, KeepsEveryMonitorQuiet) {
  const scenario::Scenario s =
      scenario::load_scenario_text(std::string(kWorldYaml) + kCryptoStepsYaml, "crypto_run.yaml");
  check_scenario(s);
  const RunOutcome outcome = run_scenario(s, RunSettings{});
  EXPECT_EQ(outcome.summary["invariants"]["enabled"].size(), monitor_names().size());
  EXPECT_TRUE(outcome.passed) << outcome.summary["invariants"].dump(2)
                              << outcome.summary["steps"].dump(2);
}

}  // namespace
}  // namespace hsmsim::model
