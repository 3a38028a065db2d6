// SPEC §3, §6 (no_plaintext_key_export), §7: no secret ever reaches an output. A scenario with
// known passwords, a kmsuser password rotated at t=0 and again by a step, and every kind of
// crypto call is run twice — in process (memory, JSON Lines and Perfetto sinks, summary,
// console summary) and through the `hsmsim run` binary (trace.jsonl, trace.json,
// summary.json, --summary, the console) — and every byte written is searched for every
// password and every backing key's bytes: raw, as hex of either case, and as base64 at each
// of the three alignments. Data keys and GenerateRandom bytes are handed to the caller by
// design and are not searched for.
//
// The secrets are re-derived, not read from the run: key bytes from the vault's DRBG label,
// rotated passwords from the ID factory's secret stream; a world built here checks both
// derivations, and a planted needle checks that the search finds what it looks for.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "crypto/base64.h"
#include "crypto/hex.h"
#include "crypto/random_source.h"
#include "model/common.h"
#include "model/runner/runner.h"
#include "model/scenario/scenario.h"
#include "model/world.h"
#include "sim/engine.h"
#include "sim/trace.h"

namespace hsmsim {
namespace {

namespace fs = std::filesystem;

// Every cluster names its trust anchor, so the ID factory's secret stream is drawn only for
// kmsuser passwords: the n-th rotation is its n-th 32 characters.
constexpr const char* kScenarioYaml = R"(version: 1
name: no-secrets-in-outputs
seed: 11
world:
  clusters:
    - name: c1
      azs: [us-east-1a, us-east-1b]
      state: ACTIVE
      hsms: [us-east-1a, us-east-1b]
      trust_anchor: "-----BEGIN CERTIFICATE-----\nTESTANCHOR\n-----END CERTIFICATE-----\n"
      users: [{name: admin, role: CO, password: adminS3cretPw1},
              {name: kmsuser, role: CU, password: kmsS3cretPw2}]
  key_stores:
    - {name: ks1, cluster: c1, password: kmsS3cretPw2, state: CONNECTED}
  keys:
    - {name: k1, key_store: ks1, alias: alias/app}
    - {name: k2, key_store: ks1}
steps:
  - call: Encrypt
    with: {KeyId: alias/app, Plaintext: "attack at dawn", EncryptionContext: {app: web}}
    as: ct
    expect: ok
  - call: Decrypt
    with: {CiphertextBlob: ct, EncryptionContext: {app: web}}
    expect: {ok: {Plaintext: "attack at dawn"}}
  - call: GenerateDataKey
    with: {KeyId: k1, KeySpec: AES_256}
    expect: {ok: {Plaintext: {length: 32}}}
  - call: GenerateDataKeyWithoutPlaintext
    with: {KeyId: k2, NumberOfBytes: 32}
    expect: ok
  - call: ReEncrypt
    with: {CiphertextBlob: ct, SourceEncryptionContext: {app: web}, DestinationKeyId: k2}
    as: ct2
    expect: ok
  - call: Decrypt
    with: {CiphertextBlob: ct2}
    expect: {ok: {Plaintext: "attack at dawn", KeyId: k2}}
  - call: GenerateRandom
    with: {NumberOfBytes: 64, CustomKeyStoreId: ks1}
    expect: ok
  - call: GenerateRandom
    with: {NumberOfBytes: 32}
    expect: ok
  - call: cli:Login
    with: {ClusterId: c1, Username: admin, Password: wrongS3cretPw3, Role: CO}
    expect: {error: HsmLoginFailed}
  - call: DisconnectCustomKeyStore
    with: {CustomKeyStoreId: ks1}
    expect: ok
  - wait: {key_store: ks1, ConnectionState: DISCONNECTED}
  - call: cli:ChangePassword
    with: {ClusterId: c1, Username: kmsuser, NewPassword: opsS3cretPw4}
    expect: ok
  - call: UpdateCustomKeyStore
    with: {CustomKeyStoreId: ks1, KeyStorePassword: opsS3cretPw4}
    expect: ok
  - call: ConnectCustomKeyStore
    with: {CustomKeyStoreId: ks1}
    expect: ok
  - wait: {key_store: ks1, ConnectionState: CONNECTED}
    timeout: 1h
  - call: Encrypt
    with: {KeyId: k1, Plaintext: "after the rotation"}
    as: ct3
    expect: ok
  - call: Decrypt
    with: {CiphertextBlob: ct3}
    expect: {ok: {Plaintext: "after the rotation"}}
  - check:
      invariants: {violations: 0}
outputs: {trace: trace.jsonl, perfetto: trace.json, summary: summary.json}
)";

const std::vector<std::string> kScenarioPasswords = {"adminS3cretPw1", "kmsS3cretPw2",
                                                     "wrongS3cretPw3", "opsS3cretPw4"};
constexpr std::size_t kRotations = 8;  // more than the run makes (2)

std::span<const uint8_t> bytes_of(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// One secret in every form it could be written in.
struct Secret {
  std::string label;                                       // what it is, never the secret itself
  std::vector<std::pair<std::string, std::string>> forms;  // form name, text
};

Secret forms_of(std::string label, std::span<const uint8_t> secret) {
  Secret s{std::move(label), {}};
  s.forms.emplace_back("raw", std::string(secret.begin(), secret.end()));
  const std::string hex = crypto::hex_encode(secret);
  std::string upper = hex;
  for (char& c : upper)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  s.forms.emplace_back("lowercase hex", hex);
  s.forms.emplace_back("uppercase hex", upper);
  // The whole 3-byte groups after skipping 0, 1 or 2 bytes: the base64 characters that depend
  // on the secret only, wherever it starts in a longer base64 text.
  for (std::size_t skip = 0; skip < 3 && secret.size() >= skip + 3; ++skip) {
    const std::size_t whole = (secret.size() - skip) / 3 * 3;
    std::string b64 = crypto::base64_encode(secret.subspan(skip, whole));
    s.forms.emplace_back(fmt::format("base64 (alignment {})", skip), b64);
  }
  return s;
}

// "" or "<label> as <form> in <where>" for the first secret found in `text`.
std::string find_secret(const std::vector<Secret>& secrets, std::string_view text,
                        const std::string& where) {
  for (const Secret& s : secrets) {
    for (const auto& [form, needle] : s.forms) {
      if (text.find(needle) != std::string_view::npos) {
        return s.label + " as " + form + " in " + where;
      }
    }
  }
  return "";
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// What the run's secrets are, derived the way the model derives them, and checked against a
// world built here from the same scenario and seed.
class Secrets {
 public:
  explicit Secrets(const scenario::Scenario& s) {
    sim::Engine engine;
    sim::Trace trace;
    model::World world(engine, trace, s, s.seed);
    for (const std::string& p : kScenarioPasswords)
      list_.push_back(forms_of("scenario password #" + std::to_string(list_.size()), bytes_of(p)));
    model::IdFactory ids(s.seed);
    for (std::size_t i = 0; i < kRotations; ++i) {
      rotated_.push_back(ids.secret(32));
      list_.push_back(
          forms_of("rotated kmsuser password #" + std::to_string(i), bytes_of(rotated_.back())));
    }
    // The world's CONNECTED store rotated at t=0: the first one.
    store_password_at_start_ = world.kms().stores().at(0)->password;
    for (const auto& k : world.kms().keys()) {
      std::array<uint8_t, 32> key{};
      crypto::DeterministicDrbg(s.seed, fmt::format("key-material/{:016x}", k->material)).fill(key);
      const auto vault_bytes = world.vault().key(k->material).material().bytes();
      derived_match_vault_ =
          derived_match_vault_ && std::equal(key.begin(), key.end(), vault_bytes.begin());
      list_.push_back(forms_of("backing key of " + k->id, key));
      keys_.push_back(key);
    }
  }

  const std::vector<Secret>& list() const { return list_; }
  const std::vector<std::string>& rotated() const { return rotated_; }
  const std::string& store_password_at_start() const { return store_password_at_start_; }
  bool derived_match_vault() const { return derived_match_vault_; }
  const std::vector<std::array<uint8_t, 32>>& keys() const { return keys_; }

 private:
  std::vector<Secret> list_;
  std::vector<std::string> rotated_;
  std::string store_password_at_start_;
  bool derived_match_vault_ = true;
  std::vector<std::array<uint8_t, 32>> keys_;
};

class NoSecretsInOutputs : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) /
           fmt::format("hsmsim-no-secrets-{}-{}", ::getpid(),
                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  scenario::Scenario scenario() const {
    return scenario::load_scenario_text(kScenarioYaml, "no_secrets_in_outputs.yaml");
  }

  fs::path dir_;
};

TEST_F(NoSecretsInOutputs, TheDerivedSecretsAreTheWorlds) {
  const Secrets secrets(scenario());
  EXPECT_TRUE(secrets.derived_match_vault());
  EXPECT_EQ(secrets.keys().size(), 2u);
  EXPECT_EQ(secrets.store_password_at_start(), secrets.rotated().at(0));
  // A step's reconnect rotates to the next one: replayed here in a world of our own.
  const scenario::Scenario s = scenario();
  sim::Engine engine;
  sim::Trace trace;
  model::World world(engine, trace, s, s.seed);
  const model::Json store{{"CustomKeyStoreId", world.kms().stores().at(0)->id}};
  ASSERT_TRUE(world.call(*model::find_action("kms", "DisconnectCustomKeyStore"), store, "").ok);
  while (engine.run_one(sim::Time::zero() + sim::Duration::hours(1))) {
  }
  ASSERT_TRUE(world.call(*model::find_action("kms", "ConnectCustomKeyStore"), store, "").ok);
  while (engine.run_one(sim::Time::zero() + sim::Duration::hours(2))) {
  }
  EXPECT_EQ(world.kms().stores().at(0)->state, model::ConnectionState::CONNECTED);
  EXPECT_EQ(world.kms().stores().at(0)->password, secrets.rotated().at(1));
}

TEST_F(NoSecretsInOutputs, TheSearchFindsAPlantedSecret) {
  const Secrets secrets(scenario());
  const std::string text = R"({"t":0,"actor":"runner","event":"x","fields":{}})";
  EXPECT_EQ(find_secret(secrets.list(), text, "clean"), "");
  const std::string hex = crypto::hex_encode(secrets.keys().at(1));
  std::string upper = hex;
  for (char& c : upper)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_NE(find_secret(secrets.list(), text + upper, "planted"), "");
  EXPECT_NE(find_secret(secrets.list(), text + secrets.rotated().at(1), "planted"), "");
  // The key inside a longer base64 text, one byte in: alignment 1.
  std::vector<uint8_t> stream = {0xff};
  stream.insert(stream.end(), secrets.keys().at(0).begin(), secrets.keys().at(0).end());
  const std::string found = find_secret(secrets.list(), crypto::base64_encode(stream), "planted");
  EXPECT_NE(found.find("backing key"), std::string::npos) << found;
  EXPECT_NE(found.find("base64"), std::string::npos) << found;
}

TEST_F(NoSecretsInOutputs, ARunInProcessWritesNoSecret) {
  const scenario::Scenario s = scenario();
  model::check_scenario(s);
  const Secrets secrets(s);
  sim::MemoryTraceSink memory;
  std::unique_ptr<sim::TraceSink> jsonl = sim::make_jsonl_sink((dir_ / "trace.jsonl").string());
  std::unique_ptr<sim::TraceSink> perfetto =
      sim::make_perfetto_sink((dir_ / "trace.json").string());
  model::RunSettings settings;
  settings.sinks = {&memory, jsonl.get(), perfetto.get()};
  const model::RunOutcome outcome = model::run_scenario(s, settings);
  ASSERT_TRUE(outcome.passed) << outcome.summary["steps"].dump(2)
                              << outcome.summary["invariants"].dump(2);
  // The run did the crypto work the scan is about.
  std::size_t digests = 0;
  for (const std::string& line : memory.lines()) {
    digests += line.find("ciphertext_sha256") != std::string::npos;
    EXPECT_EQ(find_secret(secrets.list(), line, "the trace"), "");
  }
  EXPECT_GE(digests, 5u);
  EXPECT_EQ(find_secret(secrets.list(), outcome.summary.dump(2), "the summary"), "");
  EXPECT_EQ(find_secret(secrets.list(), model::console_summary(outcome), "the console"), "");
  for (const char* name : {"trace.jsonl", "trace.json"}) {
    const std::string text = read_file(dir_ / name);
    EXPECT_GT(text.size(), 1000u) << name;
    EXPECT_EQ(find_secret(secrets.list(), text, name), "");
  }
}

TEST_F(NoSecretsInOutputs, TheHsmsimRunCommandWritesNoSecret) {
  const scenario::Scenario s = scenario();
  const Secrets secrets(s);
  const fs::path input = dir_ / "scenario.yaml";
  std::ofstream(input) << kScenarioYaml;
  const fs::path out = dir_ / "out";
  const std::string command = fmt::format(
      "'{}' run '{}' --out '{}' --summary '{}' > '{}' 2>&1", HSMSIM_BINARY, input.string(),
      out.string(), (out / "s.json").string(), (dir_ / "console.txt").string());
  const int status = std::system(command.c_str());
  ASSERT_TRUE(WIFEXITED(status)) << command;
  EXPECT_EQ(WEXITSTATUS(status), 0) << read_file(dir_ / "console.txt");
  fs::rename(dir_ / "console.txt", out / "console.txt");

  std::vector<std::string> scanned;
  for (const auto& entry : fs::recursive_directory_iterator(out)) {
    if (!entry.is_regular_file()) continue;
    const std::string text = read_file(entry.path());
    const std::string name = entry.path().filename().string();
    EXPECT_FALSE(text.empty()) << name;
    EXPECT_EQ(find_secret(secrets.list(), text, name), "");
    scanned.push_back(name);
  }
  std::sort(scanned.begin(), scanned.end());
  EXPECT_EQ(scanned, (std::vector<std::string>{"console.txt", "s.json", "summary.json",
                                               "trace.json", "trace.jsonl"}));
  EXPECT_NE(read_file(out / "trace.jsonl").find("ciphertext_sha256"), std::string::npos);
}

}  // namespace
}  // namespace hsmsim
