// The set of enabled monitors of a run: dispatch, reporting, and the recent trace that
// explains each violation.
#include <algorithm>

#include "model/invariants/monitor.h"
#include "model/world.h"

namespace hsmsim::model {

Monitors::Monitors(World& world, const scenario::InvariantSelection& selection) : world_(world) {
  using Mode = scenario::InvariantSelection::Mode;
  for (std::unique_ptr<Monitor>& m : make_all_monitors()) {
    const std::string name(m->name());
    const bool listed =
        std::find(selection.names.begin(), selection.names.end(), name) != selection.names.end();
    const bool on = selection.mode == Mode::All || (selection.mode == Mode::Only && listed) ||
                    (selection.mode == Mode::Except && !listed);
    if (on) monitors_.push_back(std::move(m));
  }
  reported_.assign(monitors_.size(), 0);
  // With no monitor enabled (a benchmark, `invariants: []`) answers need not pass by here.
  if (!monitors_.empty()) world.data_plane().add_observer(this);
}

std::vector<std::string> Monitors::enabled() const {
  std::vector<std::string> names;
  for (const auto& m : monitors_)
    names.emplace_back(m->name());
  return names;
}

void Monitors::write(const sim::TraceRecord& record, std::string_view canonical_line) {
  now_ = record.time;
  // A line that breaks a rule about what the trace may hold is reported without itself.
  bool withheld = false;
  for (auto& m : monitors_) {
    std::string message = m->on_trace_line(world_, canonical_line);
    if (message.empty()) continue;
    withheld = true;
    report(*m, std::move(message));
  }
  if (withheld) {
    recent_.emplace_back("<withheld: the record at " + sim::format_time(record.time) +
                         " that an invariant flagged>");
  } else {
    recent_.emplace_back(canonical_line);
  }
  if (recent_.size() > kRecentEvents) recent_.pop_front();
}

void Monitors::on_crypto(const CryptoAnswer& answer) {
  for (auto& m : monitors_) {
    std::string message = m->on_crypto(world_, answer);
    if (!message.empty()) report(*m, std::move(message));
  }
}

void Monitors::report(const Monitor& m, std::string message) {
  const std::size_t index = static_cast<std::size_t>(
      std::find_if(monitors_.begin(), monitors_.end(), [&](auto& p) { return p.get() == &m; }) -
      monitors_.begin());
  if (reported_[index]++ >= kMaxViolationsPerMonitor) return;
  violations_.push_back(Violation{
      std::string(m.name()), world_.now(), std::move(message), {recent_.begin(), recent_.end()}});
}

void Monitors::before_call(const ActionInfo& action, const Json& request) {
  for (auto& m : monitors_)
    m->before_call(world_, action, request);
}

void Monitors::after_call(const ActionInfo& action, const Json& request, const ApiResult& result) {
  for (auto& m : monitors_) {
    std::string message = m->after_call(world_, action, request, result);
    if (!message.empty()) report(*m, std::move(message));
  }
}

void Monitors::after_event() {
  for (auto& m : monitors_) {
    std::string message = m->after_event(world_);
    if (!message.empty()) report(*m, std::move(message));
  }
}

Json Monitors::to_json() const {
  Json list = Json::array();
  for (const Violation& v : violations_) {
    list.push_back(Json{{"invariant", v.invariant},
                        {"at_ns", v.time.ns()},
                        {"at", sim::format_time(v.time)},
                        {"message", v.message},
                        {"recent_events", v.recent_events}});
  }
  return Json{{"enabled", enabled()}, {"violations", list}};
}

}  // namespace hsmsim::model
