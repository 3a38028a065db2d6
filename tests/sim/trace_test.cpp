// The trace: canonical records, the run's SHA-256 fingerprint and the file sinks (SPEC §3, §7).
#include "sim/trace.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace hsmsim::sim {
namespace {

using Json = nlohmann::ordered_json;
namespace fs = std::filesystem;

std::vector<TraceRecord> sample_records() {
  return {
      {Time::from_ns(0), "cluster/c1", "state", Json{{"from", "UNINITIALIZED"}, {"to", "ACTIVE"}}},
      {Time::from_ns(1'500), "hsm/h1", "call", Json{{"op", "Encrypt"}, {"bytes", 1024}}},
      {Time::from_ns(2'000'000'123), "cluster/c1", "fault", Json{{"kind", "hsm_failure"}}},
      {Time::from_ns(3'000'000'000), "key_store/ks1", "state", Json::object()},
  };
}

std::string sha256_hex(const std::string& data) {
  unsigned char digest[32];
  unsigned int length = 0;
  EXPECT_EQ(EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr), 1);
  std::string hex;
  for (unsigned char b : digest) {
    static constexpr char kHex[] = "0123456789abcdef";
    hex += kHex[b >> 4];
    hex += kHex[b & 0xF];
  }
  return hex;
}

std::string fingerprint_of(const std::vector<TraceRecord>& records) {
  Trace trace;
  for (const TraceRecord& r : records) {
    trace.emit(r);
  }
  return trace.fingerprint();
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A fresh directory per test, removed afterwards.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "hsmsim_trace_XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      throw std::runtime_error("mkdtemp failed");
    }
    path_ = pattern;
  }
  ~TempDir() { fs::remove_all(path_); }
  fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

TEST(CanonicalJson, IsCompactWithFieldsInInsertionOrder) {
  const TraceRecord record{Time::from_ns(1500), "cluster/c1", "state",
                           Json{{"to", "ACTIVE"}, {"from", "UNINITIALIZED"}, {"n", 3}}};
  EXPECT_EQ(canonical_json(record), R"({"t":1500,"actor":"cluster/c1","event":"state",)"
                                    R"("fields":{"to":"ACTIVE","from":"UNINITIALIZED","n":3}})");
  // The same text as dumping the whole record as one ordered object.
  const Json whole = {
      {"t", 1500}, {"actor", "cluster/c1"}, {"event", "state"}, {"fields", record.fields}};
  EXPECT_EQ(canonical_json(record), whole.dump());
}

TEST(CanonicalJson, EscapesNamesAndStaysOnOneLine) {
  const TraceRecord record{Time::from_ns(1), "actor \"q\"\nx", "ev\\ent",
                           Json{{"text", "line1\nline2"}}};
  const std::string line = canonical_json(record);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  const Json back = Json::parse(line);
  EXPECT_EQ(back["actor"], "actor \"q\"\nx");
  EXPECT_EQ(back["event"], "ev\\ent");
  EXPECT_EQ(back["fields"]["text"], "line1\nline2");
}

TEST(CanonicalJson, ReplacesInvalidUtf8InsteadOfThrowing) {
  const TraceRecord record{Time::from_ns(1), "bad\xff", "e", Json{{"v", "x\xfe"}}};
  const std::string line = canonical_json(record);
  EXPECT_TRUE(Json::accept(line));
  EXPECT_EQ(line, canonical_json(record));  // deterministic
}

TEST(Trace, FingerprintIsSha256OfCanonicalLinesEachWithNewline) {
  std::string text;
  for (const TraceRecord& r : sample_records()) {
    text += canonical_json(r) + "\n";
  }
  EXPECT_EQ(fingerprint_of(sample_records()), sha256_hex(text));
  EXPECT_EQ(Trace().fingerprint(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");  // SHA-256("")
}

TEST(Trace, SameRecordsGiveTheSameFingerprint) {
  EXPECT_EQ(fingerprint_of(sample_records()), fingerprint_of(sample_records()));
  Trace via_overload;
  for (const TraceRecord& r : sample_records()) {
    via_overload.emit(r.time, r.actor, r.event, r.fields);
  }
  EXPECT_EQ(via_overload.fingerprint(), fingerprint_of(sample_records()));
  EXPECT_EQ(via_overload.records(), 4u);
}

TEST(Trace, OneChangedFieldChangesTheFingerprint) {
  std::vector<TraceRecord> changed = sample_records();
  changed[1].fields["bytes"] = 1025;
  EXPECT_NE(fingerprint_of(changed), fingerprint_of(sample_records()));
  std::vector<TraceRecord> reordered = sample_records();
  std::swap(reordered[0], reordered[2]);
  EXPECT_NE(fingerprint_of(reordered), fingerprint_of(sample_records()));
  std::vector<TraceRecord> later = sample_records();
  later[3].time = later[3].time + Duration::nanoseconds(1);
  EXPECT_NE(fingerprint_of(later), fingerprint_of(sample_records()));
}

TEST(Trace, ReadingTheFingerprintDoesNotDisturbTheRunningHash) {
  const std::vector<TraceRecord> records = sample_records();
  Trace trace;
  trace.emit(records[0]);
  trace.emit(records[1]);
  const std::string midway = trace.fingerprint();
  EXPECT_EQ(trace.fingerprint(), midway);
  trace.emit(records[2]);
  trace.emit(records[3]);
  EXPECT_NE(trace.fingerprint(), midway);
  EXPECT_EQ(trace.fingerprint(), fingerprint_of(records));
  EXPECT_EQ(midway, fingerprint_of({records[0], records[1]}));
}

TEST(Trace, MemorySinkKeepsRecordsAndLines) {
  MemoryTraceSink first;
  MemoryTraceSink second;
  Trace trace;
  trace.add_sink(&first);
  trace.add_sink(&second);
  for (const TraceRecord& r : sample_records()) {
    trace.emit(r);
  }
  trace.finish();
  ASSERT_EQ(first.records().size(), 4u);
  ASSERT_EQ(first.lines().size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(first.lines()[i], canonical_json(sample_records()[i]));
    EXPECT_EQ(first.records()[i].actor, sample_records()[i].actor);
    EXPECT_EQ(first.records()[i].fields, sample_records()[i].fields);
  }
  EXPECT_EQ(second.lines(), first.lines());
}

TEST(Trace, JsonlFileHoldsTheCanonicalLinesAndAppearsOnlyWhenFinished) {
  TempDir dir;
  const fs::path path = dir / "trace.jsonl";
  Trace trace;
  trace.add_sink(make_jsonl_sink(path.string()));
  std::string expected;
  for (const TraceRecord& r : sample_records()) {
    trace.emit(r);
    expected += canonical_json(r) + "\n";
  }
  EXPECT_FALSE(fs::exists(path));
  EXPECT_TRUE(fs::exists(path.string() + ".tmp"));
  trace.finish();
  EXPECT_TRUE(fs::exists(path));
  EXPECT_FALSE(fs::exists(path.string() + ".tmp"));
  EXPECT_EQ(read_file(path), expected);
  // The file's own SHA-256 is the fingerprint.
  EXPECT_EQ(sha256_hex(read_file(path)), trace.fingerprint());
}

TEST(Trace, PerfettoFileIsTraceEventJsonWithOneTrackPerActor) {
  TempDir dir;
  const fs::path path = dir / "trace.json";
  Trace trace;
  trace.add_sink(make_perfetto_sink(path.string()));
  for (const TraceRecord& r : sample_records()) {
    trace.emit(r);
  }
  EXPECT_FALSE(fs::exists(path));
  trace.finish();
  ASSERT_TRUE(fs::exists(path));
  EXPECT_FALSE(fs::exists(path.string() + ".tmp"));

  const Json doc = Json::parse(read_file(path));
  ASSERT_TRUE(doc.contains("traceEvents"));
  const Json& events = doc["traceEvents"];
  std::vector<std::pair<int, std::string>> tracks;  // (tid, name) from thread_name metadata
  std::vector<Json> instants;
  for (const Json& e : events) {
    if (e["ph"] == "M" && e["name"] == "thread_name") {
      tracks.emplace_back(e["tid"].get<int>(), e["args"]["name"].get<std::string>());
    } else if (e["ph"] == "i") {
      instants.push_back(e);
    }
  }
  const std::vector<std::pair<int, std::string>> expected_tracks = {
      {1, "cluster/c1"}, {2, "hsm/h1"}, {3, "key_store/ks1"}};
  EXPECT_EQ(tracks, expected_tracks);

  ASSERT_EQ(instants.size(), 4u);
  const std::vector<int> expected_tids = {1, 2, 1, 3};
  const std::vector<double> expected_ts_us = {0, 1.5, 2000000.123, 3000000};
  const std::vector<TraceRecord> records = sample_records();
  for (size_t i = 0; i < 4; ++i) {
    const TraceRecord& r = records[i];
    EXPECT_EQ(instants[i]["name"], r.event);
    EXPECT_EQ(instants[i]["s"], "t");
    EXPECT_EQ(instants[i]["pid"], 1);
    EXPECT_EQ(instants[i]["tid"], expected_tids[i]);
    EXPECT_DOUBLE_EQ(instants[i]["ts"].get<double>(), expected_ts_us[i]);
    EXPECT_EQ(instants[i]["args"], r.fields);
  }
  // Nanosecond precision survives in the text, not just after parsing.
  EXPECT_NE(read_file(path).find(R"("ts":2000000.123,)"), std::string::npos);
}

TEST(Trace, PerfettoFileOfAnEmptyTraceIsValid) {
  TempDir dir;
  const fs::path path = dir / "empty.json";
  auto sink = make_perfetto_sink(path.string());
  sink->finish();
  const Json doc = Json::parse(read_file(path));
  EXPECT_TRUE(doc["traceEvents"].is_array());
}

TEST(Trace, SinksThatCannotOpenTheirFileNameThePath) {
  const std::string path = "/nonexistent-hsmsim-dir/sub/trace.jsonl";
  for (auto make : {&make_jsonl_sink, &make_perfetto_sink}) {
    try {
      make(path);
      ADD_FAILURE() << "opened " << path;
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    }
  }
}

TEST(Trace, AddSinkRejectsNull) {
  Trace trace;
  EXPECT_THROW(trace.add_sink(static_cast<TraceSink*>(nullptr)), std::invalid_argument);
  EXPECT_THROW(trace.add_sink(std::unique_ptr<TraceSink>()), std::invalid_argument);
}

}  // namespace
}  // namespace hsmsim::sim
