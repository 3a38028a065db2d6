// Invariant monitors (SPEC §6): each checks one safety rule of the model after every event
// and around every call, written independently of the code that enforces the rule, so a bug
// in one is caught by the other.
#pragma once

#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "model/api_catalog.h"
#include "model/common.h"
#include "model/dataplane/data_plane.h"
#include "model/scenario/scenario.h"
#include "sim/trace.h"

namespace hsmsim::model {

class World;

struct Violation {
  std::string invariant;
  sim::Time time;
  std::string message;
  std::vector<std::string> recent_events;  // canonical trace lines leading to it
};

class Monitor {
 public:
  virtual ~Monitor() = default;
  virtual std::string_view name() const = 0;
  // Before a call is handled (to remember the state it was accepted in).
  virtual void before_call(const World&, const ActionInfo&, const Json& /*request*/) {}
  // After a call was handled; return a message to report a violation, "" otherwise.
  virtual std::string after_call(const World&, const ActionInfo&, const Json& /*request*/,
                                 const ApiResult&) {
    return "";
  }
  // After every engine event; return a message to report a violation, "" otherwise.
  virtual std::string after_event(const World&) { return ""; }
  // Every answer of the crypto data plane (after its client saw it); a violation message or "".
  // The answer's plaintexts are secret: a message never quotes them.
  virtual std::string on_crypto(const World&, const CryptoAnswer&) { return ""; }
  // Every trace record, as its canonical JSON line; a violation message or "". A line a monitor
  // flags here is not repeated in violation reports (it may hold what must not be printed).
  virtual std::string on_trace_line(const World&, std::string_view /*canonical_line*/) {
    return "";
  }
};

// Every monitor the model has, by SPEC §6 name.
std::vector<std::unique_ptr<Monitor>> make_all_monitors();
// The names of SPEC §6 that have a monitor.
std::vector<std::string> monitor_names();

// The enabled monitors of a run, the recent trace (for violation reports) and what they found.
// It is a sink of the run's trace and an observer of the world's data plane (it registers
// itself on construction, so it must live as long as the data plane may answer).
class Monitors final : public sim::TraceSink, public CryptoObserver {
 public:
  Monitors(World& world, const scenario::InvariantSelection& selection);

  void before_call(const ActionInfo& action, const Json& request);
  void after_call(const ActionInfo& action, const Json& request, const ApiResult& result);
  void after_event();

  // TraceSink: shows each record to the monitors and keeps the last few for violation reports.
  void write(const sim::TraceRecord& record, std::string_view canonical_line) override;
  // CryptoObserver: shows each data-plane answer to the monitors.
  void on_crypto(const CryptoAnswer& answer) override;

  const std::vector<Violation>& violations() const { return violations_; }
  std::vector<std::string> enabled() const;
  Json to_json() const;

 private:
  void report(const Monitor& m, std::string message);

  static constexpr std::size_t kRecentEvents = 16;
  // A rule broken once is reported once per monitor, not after every later event.
  static constexpr std::size_t kMaxViolationsPerMonitor = 10;

  const World& world_;
  std::vector<std::unique_ptr<Monitor>> monitors_;
  std::vector<std::size_t> reported_;  // per monitor
  std::deque<std::string> recent_;
  std::vector<Violation> violations_;
  sim::Time now_;
};

}  // namespace hsmsim::model
