#include "sim/trace.h"

#include <openssl/evp.h>

#include <cassert>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <unordered_map>

namespace hsmsim::sim {
namespace {

using Json = nlohmann::ordered_json;

// Invalid UTF-8 in an actor name or field must not abort a run at the trace: it is replaced
// (U+FFFD), which is deterministic, so the fingerprint stays reproducible.
std::string dump(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string json_string(std::string_view text) {
  return dump(Json(text));
}

std::string errno_text() {
  return std::strerror(errno);
}

// A buffered file written under PATH.tmp and renamed to PATH by commit(), so a reader never
// sees a half-written trace under the final name. A sink destroyed without commit() (a run
// that threw) closes the file and leaves PATH.tmp behind for inspection.
class AtomicFile {
 public:
  explicit AtomicFile(std::string path)
      : path_(std::move(path)), tmp_path_(path_ + ".tmp"), buffer_(new char[kBufferBytes]) {
    file_ = std::fopen(tmp_path_.c_str(), "wb");
    if (file_ == nullptr) {
      throw std::runtime_error("cannot open trace file '" + tmp_path_ + "' (for '" + path_ +
                               "'): " + errno_text());
    }
    // Large buffer: a trace is written in many small pieces; fewer write(2) calls.
    std::setvbuf(file_, buffer_.get(), _IOFBF, kBufferBytes);
  }
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  ~AtomicFile() {
    if (file_ != nullptr) {
      std::fclose(file_);
    }
  }

  void write(std::string_view text) {
    assert(file_ != nullptr);
    if (std::fwrite(text.data(), 1, text.size(), file_) != text.size()) {
      throw std::runtime_error("writing trace file '" + tmp_path_ + "' failed: " + errno_text());
    }
  }

  // Flushes, closes and renames into place. Later calls do nothing.
  void commit() {
    if (file_ == nullptr) {
      return;
    }
    const bool flushed = std::fflush(file_) == 0 && std::ferror(file_) == 0;
    const int flush_errno = errno;
    const bool closed = std::fclose(file_) == 0;
    file_ = nullptr;
    if (!flushed || !closed) {
      errno = flushed ? errno : flush_errno;
      throw std::runtime_error("writing trace file '" + tmp_path_ + "' failed: " + errno_text());
    }
    if (std::rename(tmp_path_.c_str(), path_.c_str()) != 0) {
      throw std::runtime_error("cannot rename trace file '" + tmp_path_ + "' to '" + path_ +
                               "': " + errno_text());
    }
  }

 private:
  static constexpr size_t kBufferBytes = size_t{1} << 20;
  std::string path_;
  std::string tmp_path_;
  std::unique_ptr<char[]> buffer_;  // outlives file_: closed in the destructor body
  std::FILE* file_ = nullptr;
};

class JsonlSink final : public TraceSink {
 public:
  explicit JsonlSink(const std::string& path) : file_(path) {}
  void write(const TraceRecord&, std::string_view canonical_line) override {
    file_.write(canonical_line);
    file_.write("\n");
  }
  void finish() override { file_.commit(); }

 private:
  AtomicFile file_;
};

// Trace-event timestamps are microseconds; print ns exactly as a decimal ("1234.567").
std::string microseconds_text(int64_t ns) {
  assert(ns >= 0);  // virtual time starts at 0
  std::string text = std::to_string(ns / 1000);
  const int64_t rest = ns % 1000;
  if (rest != 0) {
    const std::string padded = std::to_string(1000 + rest);  // "1xyz": three digits after '1'
    text += '.';
    text.append(padded, 1, padded.find_last_not_of('0'));
  }
  return text;
}

// Chrome trace-event JSON: each record an instant event on its actor's track (a "thread" of
// process 1), tracks named by "M" metadata events and ordered by first appearance.
class PerfettoSink final : public TraceSink {
 public:
  explicit PerfettoSink(const std::string& path) : file_(path) {
    file_.write(R"({"displayTimeUnit":"ns","traceEvents":[)");
    file_.write("\n");
    file_.write(R"({"name":"process_name","ph":"M","pid":1,"tid":0,"args":{"name":"hsmsim"}})");
  }

  void write(const TraceRecord& record, std::string_view) override {
    const uint32_t tid = track(record.actor);
    std::string event = R"(,
{"name":)";
    event += json_string(record.event);
    event += R"(,"ph":"i","s":"t","ts":)";
    event += microseconds_text(record.time.ns());
    event += R"(,"pid":1,"tid":)";
    event += std::to_string(tid);
    event += R"(,"args":)";
    // The format wants an object; a non-object payload is wrapped rather than dropped.
    event += dump(record.fields.is_object() ? record.fields : Json{{"value", record.fields}});
    event += "}";
    file_.write(event);
  }

  void finish() override {
    if (finished_) {
      return;
    }
    finished_ = true;
    file_.write("\n]}\n");
    file_.commit();
  }

 private:
  uint32_t track(const std::string& actor) {
    const auto [it, inserted] = tids_.try_emplace(actor, static_cast<uint32_t>(tids_.size() + 1));
    if (inserted) {
      const std::string tid = std::to_string(it->second);
      file_.write(R"(,
{"name":"thread_name","ph":"M","pid":1,"tid":)" +
                  tid + R"(,"args":{"name":)" + json_string(actor) + "}}");
      file_.write(R"(,
{"name":"thread_sort_index","ph":"M","pid":1,"tid":)" +
                  tid + R"(,"args":{"sort_index":)" + tid + "}}");
    }
    return it->second;
  }

  AtomicFile file_;
  std::unordered_map<std::string, uint32_t> tids_;
  bool finished_ = false;
};

}  // namespace

// Incremental SHA-256 over OpenSSL EVP.
class Sha256 {
 public:
  Sha256() : ctx_(EVP_MD_CTX_new()) {
    if (!ctx_ || EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr) != 1) {
      throw std::runtime_error("trace: cannot initialise SHA-256 in OpenSSL");
    }
  }

  void update(std::string_view data) {
    if (EVP_DigestUpdate(ctx_.get(), data.data(), data.size()) != 1) {
      throw std::runtime_error("trace: SHA-256 update failed in OpenSSL");
    }
  }

  // Finalises a copy, so the running hash can keep absorbing records.
  std::string hex_digest() const {
    const Context copy(EVP_MD_CTX_new());
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (!copy || EVP_MD_CTX_copy_ex(copy.get(), ctx_.get()) != 1 ||
        EVP_DigestFinal_ex(copy.get(), digest, &length) != 1) {
      throw std::runtime_error("trace: SHA-256 finalisation failed in OpenSSL");
    }
    static constexpr char kHex[] = "0123456789abcdef";
    std::string hex;
    hex.reserve(size_t{2} * length);
    for (unsigned int i = 0; i < length; ++i) {
      hex.push_back(kHex[digest[i] >> 4]);
      hex.push_back(kHex[digest[i] & 0xF]);
    }
    return hex;
  }

 private:
  struct Free {
    void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
  };
  using Context = std::unique_ptr<EVP_MD_CTX, Free>;
  Context ctx_;
};

std::string sha256_hex(std::span<const uint8_t> bytes) {
  Sha256 hash;
  hash.update(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  return hash.hex_digest();
}

std::string canonical_json(const TraceRecord& record) {
  // Assembled piecewise rather than by building one object, to avoid deep-copying the fields;
  // the text is identical to dumping {"t":..,"actor":..,"event":..,"fields":..} compactly.
  std::string line = R"({"t":)";
  line += std::to_string(record.time.ns());
  line += R"(,"actor":)";
  line += json_string(record.actor);
  line += R"(,"event":)";
  line += json_string(record.event);
  line += R"(,"fields":)";
  line += dump(record.fields);
  line += "}";
  return line;
}

void MemoryTraceSink::write(const TraceRecord& record, std::string_view canonical_line) {
  records_.push_back(record);
  lines_.emplace_back(canonical_line);
}

std::unique_ptr<TraceSink> make_jsonl_sink(const std::string& path) {
  return std::make_unique<JsonlSink>(path);
}

std::unique_ptr<TraceSink> make_perfetto_sink(const std::string& path) {
  return std::make_unique<PerfettoSink>(path);
}

Trace::Trace() : hash_(std::make_unique<Sha256>()) {}
Trace::~Trace() = default;

void Trace::add_sink(std::unique_ptr<TraceSink> sink) {
  if (!sink) {
    throw std::invalid_argument("Trace::add_sink: null sink");
  }
  sinks_.push_back(sink.get());
  owned_.push_back(std::move(sink));
}

void Trace::add_sink(TraceSink* sink) {
  if (sink == nullptr) {
    throw std::invalid_argument("Trace::add_sink: null sink");
  }
  sinks_.push_back(sink);
}

// By value in the API so callers may move a record in; sinks get it by const reference.
void Trace::emit(TraceRecord record) {  // NOLINT(performance-unnecessary-value-param)
  // One serialisation feeds both the fingerprint (line + '\n') and every sink (line alone).
  std::string line = canonical_json(record);
  line.push_back('\n');
  hash_->update(line);
  const std::string_view without_newline(line.data(), line.size() - 1);
  for (TraceSink* sink : sinks_) {
    sink->write(record, without_newline);
  }
  ++count_;
}

void Trace::emit(Time time, std::string_view actor, std::string_view event,
                 nlohmann::ordered_json fields) {
  emit(TraceRecord{time, std::string(actor), std::string(event), std::move(fields)});
}

std::string Trace::fingerprint() const {
  return hash_->hex_digest();
}

void Trace::finish() {
  for (TraceSink* sink : sinks_) {
    sink->finish();
  }
}

}  // namespace hsmsim::sim
