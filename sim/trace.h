// The trace: a stream of structured records (time, actor, event, fields).
//
// Every record is serialised once, canonically (compact JSON, fields in the order given),
// and that text feeds the run's SHA-256 fingerprint and every sink. Sinks: JSON Lines file,
// Chrome/Perfetto trace-event JSON (actors as tracks), and memory (for tests).
// Secrets never reach the trace: the model passes only redacted values.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sim/time.h"

namespace hsmsim::sim {

struct TraceRecord {
  Time time;
  std::string actor;  // e.g. "cluster/c1", "key_store/ks1"
  std::string event;  // e.g. "state", "call", "fault"
  nlohmann::ordered_json fields = nlohmann::ordered_json::object();
};

// Canonical one-line JSON text of a record: {"t":NS,"actor":..,"event":..,"fields":{..}}.
std::string canonical_json(const TraceRecord& record);

class TraceSink {
 public:
  virtual ~TraceSink() = default;
  virtual void write(const TraceRecord& record, std::string_view canonical_line) = 0;
  // Completes the output (closing brackets, flushing, atomic rename).
  virtual void finish() {}
};

// Keeps every record (tests).
class MemoryTraceSink final : public TraceSink {
 public:
  void write(const TraceRecord& record, std::string_view canonical_line) override;
  const std::vector<TraceRecord>& records() const { return records_; }
  const std::vector<std::string>& lines() const { return lines_; }

 private:
  std::vector<TraceRecord> records_;
  std::vector<std::string> lines_;
};

// JSON Lines file: one canonical record per line. Written to PATH.tmp, renamed on finish().
std::unique_ptr<TraceSink> make_jsonl_sink(const std::string& path);
// Chrome trace-event JSON (loadable in Perfetto / chrome://tracing): one track per actor.
std::unique_ptr<TraceSink> make_perfetto_sink(const std::string& path);

class Sha256;  // incremental hash, defined in trace.cpp over OpenSSL EVP

// Lowercase hex SHA-256 of some bytes (digests of ciphertexts in the trace).
std::string sha256_hex(std::span<const uint8_t> bytes);

class Trace {
 public:
  Trace();
  ~Trace();
  Trace(const Trace&) = delete;
  Trace& operator=(const Trace&) = delete;

  void add_sink(std::unique_ptr<TraceSink> sink);
  void add_sink(TraceSink* sink);  // not owned (tests)

  void emit(TraceRecord record);
  void emit(Time time, std::string_view actor, std::string_view event,
            nlohmann::ordered_json fields = nlohmann::ordered_json::object());

  uint64_t records() const { return count_; }
  // Lowercase hex SHA-256 over every canonical line (each followed by '\n') so far.
  std::string fingerprint() const;
  // Calls finish() on every sink.
  void finish();

 private:
  std::unique_ptr<Sha256> hash_;
  std::vector<std::unique_ptr<TraceSink>> owned_;
  std::vector<TraceSink*> sinks_;
  uint64_t count_ = 0;
};

}  // namespace hsmsim::sim
