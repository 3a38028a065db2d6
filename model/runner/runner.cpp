#include "model/runner/runner.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <map>

#include "model/dataplane/data_plane.h"
#include "model/dataplane/workload.h"
#include "model/findings.h"
#include "model/invariants/monitor.h"
#include "model/kms/policy.h"
#include "model/latency_histogram.h"
#include "model/metrics_series.h"
#include "model/runner/values.h"
#include "model/world.h"

namespace hsmsim::model {
namespace {

using scenario::Step;
using scenario::StepKind;
using scenario::Value;

// What the summary adds, per operation, to the metrics series' totals (counts, errors,
// latency): how long data-plane requests queued at the HSMs.
struct OperationStats {
  LatencyHistogram queue_wait;  // data plane only
};

struct StepRecord {
  std::string name;
  std::optional<sim::Time> at;
  std::optional<sim::Time> end;
  std::string outcome = "not reached";
  std::string expected;
  bool passed = false;
  std::string message;
  ApiResult answer;  // call steps, until the answer arrives
  // Data-plane calls: where the work was done, and how long the request queued.
  std::optional<sim::Duration> queue_wait;
  std::string hsm_id;
  std::string ciphertext_digest;  // SHA-256 of the blob returned, for the trace
};

double ms(uint64_t ns) {
  return static_cast<double>(ns) * 1e-6;
}

// The width of a metrics row: as the scenario says, else a 200th of the run within [1s, 1h].
sim::Duration metrics_interval(const scenario::Scenario& s, std::optional<sim::Duration> until) {
  if (s.outputs.metrics_interval) return *s.outputs.metrics_interval;
  if (!until) {
    for (const auto& w : s.workloads) {
      if (w.stop && (!until || *w.stop > *until)) until = w.stop;
    }
  }
  if (!until) return sim::Duration::minutes(1);
  return std::clamp(sim::Duration::nanoseconds(until->ns() / 200), sim::Duration::seconds(1),
                    sim::Duration::hours(1));
}

std::string describe_expectation(const scenario::Expectation& e) {
  switch (e.kind) {
    case scenario::Expectation::Kind::None:
      return "";
    case scenario::Expectation::Kind::Ok:
      return "ok";
    case scenario::Expectation::Kind::OkFields:
      return "ok with fields";
    case scenario::Expectation::Kind::Error:
      return "error " + e.error;
    case scenario::Expectation::Kind::AnyError:
      return "any error";
  }
  return "";
}

class Runner final : public CryptoClient, public RequestRecorder {
 public:
  Runner(const scenario::Scenario& s, const RunSettings& settings)
      : scenario_(s),
        seed_(settings.seed.value_or(s.seed)),
        until_(settings.until ? settings.until : s.until) {
    for (sim::TraceSink* sink : settings.sinks)
      trace_.add_sink(sink);
    engine_.set_interrupt(settings.interrupt);
    engine_.set_pending_limit(settings.pending_events_limit);
    world_ = std::make_unique<World>(engine_, trace_, s, seed_,
                                     settings.real_entropy ? crypto::EntropyMode::kRealEntropy
                                                           : crypto::EntropyMode::kDeterministic,
                                     settings.bugs);
    world_->data_plane().set_in_flight_limit(settings.requests_in_flight_limit);
    monitors_ = std::make_unique<Monitors>(*world_, s.invariants);
    trace_.add_sink(monitors_.get());
    values_ = std::make_unique<Values>(*world_);
    records_.resize(s.steps.size());
    for (const scenario::WorkloadSpec& spec : s.workloads) {
      workloads_.push_back(std::make_unique<Workload>(
          *world_, spec, seed_, *this,
          [this](const std::string& name) { return values_->subject_id(name); }));
    }
    for (std::size_t i = 0; i < s.steps.size(); ++i) {
      records_[i].name = step_name(s.steps[i]);
      records_[i].expected = describe_expectation(s.steps[i].expect);
    }
  }

  RunOutcome run() {
    const auto wall_start = std::chrono::steady_clock::now();
    engine_.set_observer([](void* self) { static_cast<Runner*>(self)->after_event(); }, this);
    trace_.emit(engine_.now(), "runner", "start",
                Json{{"scenario", scenario_.name}, {"seed", seed_}});
    if (!scenario_.steps.empty()) schedule_step(0, engine_.now());
    for (const auto& w : workloads_)
      w->schedule();
    sim::Time horizon = until_ ? sim::Time::zero() + *until_ : sim::Time::max();
    // Without `until` or steps, the run ends when the last workload stops (check_scenario
    // makes sure each has a stop).
    if (!until_ && scenario_.steps.empty() && !workloads_.empty()) {
      horizon = sim::Time::zero();
      for (const auto& w : workloads_) {
        horizon =
            std::max(horizon, sim::Time::zero() + w->spec().stop.value_or(sim::Duration::zero()));
      }
    }
    horizon_ = horizon;
    engine_.schedule_after(series_.interval(), [this] { sample_metrics(); });
    if (!scenario_.steps.empty() || until_ || !workloads_.empty()) {
      try {
        engine_.run_until(horizon);
      } catch (const sim::CapacityExceeded& e) {
        throw_capacity_error(e);
      }
    }
    series_.sample(engine_.now(), *world_);  // the last, partial interval
    trace_.emit(engine_.now(), "runner", "end", Json{{"events", engine_.events_dispatched()}});
    trace_.finish();
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
    return outcome(wall);
  }

 private:
  // A run that outgrew RunSettings' bounds is bad input: the scenario asks for more than the
  // simulator holds. Workloads are the usual cause, so the error points at the first one.
  [[noreturn]] void throw_capacity_error(const sim::CapacityExceeded& e) const {
    const scenario::SourceLoc where = scenario_.workloads.empty()
                                          ? scenario::SourceLoc{scenario_.file, 1, 1}
                                          : scenario_.workloads.front().loc;
    throw scenario::InputError(
        where,
        fmt::format("the run exceeded a limit at {}: {} (an open workload offering more "
                    "than the HSMs serve grows their queues without bound: set "
                    "hsm.queue_limit, lower the rate or shorten the run)",
                    sim::format_duration_human(engine_.now() - sim::Time::zero()), e.what()));
  }

  static std::string step_name(const Step& step) {
    switch (step.kind) {
      case StepKind::Call:
        return step.call.written;
      case StepKind::Wait:
        return "wait";
      case StepKind::Check:
        return "check";
      case StepKind::Fault:
        return "fault " + step.fault.kind;
    }
    return "";
  }

  void schedule_step(std::size_t index, sim::Time previous_end) {
    const Step& step = scenario_.steps[index];
    sim::Time start = previous_end + step.after;
    if (step.at) {
      if (*step.at < engine_.now()) {
        StepRecord& r = records_[index];
        r.at = r.end = engine_.now();
        fail(index, "outcome",
             "at: " + sim::format_time(*step.at) +
                 " had already passed when the step was reached (" +
                 sim::format_time(engine_.now()) + ")");
        finish_step(index);
        return;
      }
      start = *step.at;
    }
    current_ = index;
    engine_.schedule_at(start, [this, index] { begin_step(index); });
  }

  void fail(std::size_t index, std::string outcome, std::string message) {
    StepRecord& r = records_[index];
    if (outcome != "outcome") r.outcome = std::move(outcome);
    r.passed = false;
    r.message = std::move(message);
  }

  void begin_step(std::size_t index) {
    const Step& step = scenario_.steps[index];
    StepRecord& r = records_[index];
    r.at = engine_.now();
    r.passed = true;
    r.outcome = "ok";
    trace_.emit(engine_.now(), "runner", "step_begin", Json{{"index", index}, {"name", r.name}});
    try {
      switch (step.kind) {
        case StepKind::Call:
          return begin_call(index);
        case StepKind::Wait:
          return begin_wait(index);
        case StepKind::Check:
          run_check(index);
          break;
        case StepKind::Fault:
          run_fault(index);
          break;
      }
    } catch (const StepFailure& e) {
      fail(index, "error", e.what());
    }
    finish_step(index);
  }

  void begin_call(std::size_t index) {
    const Step& step = scenario_.steps[index];
    const ActionInfo* action = find_action(step.call.service, step.call.action);
    const Json request = values_->request(step.call.with);
    StepRecord& r = records_[index];
    if (action->data_plane) {
      // Answered through on_answer after its modelled latency.
      world_->data_plane().submit(*crypto_op_named(action->name), request,
                                  step.call.principal.value_or(account_root_arn()), *this, index);
      return;
    }
    monitors_->before_call(*action, request);
    r.answer = world_->call(*action, request, step.call.principal.value_or(""));
    monitors_->after_call(*action, request, r.answer);
    const sim::Duration rtt = world_->timing().sample(TimingKey::api_rtt, rtt_rng_);
    engine_.schedule_after(rtt, [this, index] { answer_call(index); });
  }

  // A data-plane call's answer is decided; the step ends when it reaches the client.
  void on_answer(uint64_t tag, const CryptoAnswer& a) override {
    const auto index = static_cast<std::size_t>(tag);
    StepRecord& r = records_[index];
    r.answer = a.ok ? ApiResult::success(world_->data_plane().response_json(a))
                    : ApiResult::failure(std::string(a.exception), std::string(a.message));
    r.queue_wait = a.queue_wait;
    r.hsm_id = a.hsm == kNoIndex ? "" : world_->cloudhsm().hsms()[a.hsm]->id;
    r.ciphertext_digest = a.blob.empty() ? "" : sim::sha256_hex(a.blob);
    engine_.schedule_at(a.answered, [this, index] { answer_call(index); });
  }

  void sample_metrics() {
    engine_.skip_observer();
    series_.sample(engine_.now(), *world_);
    if (engine_.now() + series_.interval() <= horizon_) {
      engine_.schedule_after(series_.interval(), [this] { sample_metrics(); });
    }
  }

  // A workload's request is finished.
  void record(CryptoOp op, const CryptoAnswer& a, sim::Duration latency) override {
    OperationStats*& stats = crypto_stats_[static_cast<std::size_t>(op)];
    if (!stats) [[unlikely]] {
      stats = &operations_[to_string(op)];
    }
    MetricsSeries::Counter& counter = crypto_counters_[static_cast<std::size_t>(op)];
    if (!counter) [[unlikely]] {
      counter = series_.counter(crypto_op_names_[static_cast<std::size_t>(op)]);
    }
    series_.record(counter, a.ok, a.exception, latency);
    stats->queue_wait.record(a.queue_wait.ns());
  }

  // Seconds during which some workload was active, up to now (the denominator of ok_per_s).
  double workload_active_seconds() const {
    std::vector<std::pair<int64_t, int64_t>> spans;
    const int64_t now = engine_.now().ns();
    for (const auto& w : workloads_) {
      const int64_t begin = w->spec().start.ns();
      const int64_t end = w->spec().stop ? std::min(now, w->spec().stop->ns()) : now;
      if (end > begin) spans.emplace_back(begin, end);
    }
    std::sort(spans.begin(), spans.end());
    int64_t total = 0, reach = INT64_MIN;
    for (const auto& [b, e] : spans) {
      const int64_t from = std::max(b, reach);
      if (e > from) total += e - from;
      reach = std::max(reach, e);
    }
    return static_cast<double>(total) * 1e-9;
  }

  void answer_call(std::size_t index) {
    const Step& step = scenario_.steps[index];
    StepRecord& r = records_[index];
    const ApiResult& answer = r.answer;
    r.outcome = answer.ok ? "ok" : answer.exception;
    // CLI commands are kept apart from API actions of the same name (cli:ListKeys, ListKeys).
    const ActionInfo* action = find_action(step.call.service, step.call.action);
    const std::string op =
        action->service == "cli" ? "cli:" + std::string(action->name) : std::string(action->name);
    OperationStats& stats = operations_[op];
    series_.record(op, answer.ok, answer.exception, engine_.now() - *r.at);
    if (r.queue_wait) stats.queue_wait.record(r.queue_wait->ns());
    check_expectation(index);
    if (step.as && answer.ok) bind(step, answer.response);
    Json fields{{"index", index}, {"action", r.name}, {"outcome", r.outcome}};
    // Data plane: which HSM did the work and a digest of the ciphertext (never the bytes of a
    // plaintext or a key), so the fingerprint pins the ciphertexts a run produced.
    if (!r.hsm_id.empty()) fields["hsm"] = r.hsm_id;
    if (!r.ciphertext_digest.empty()) fields["ciphertext_sha256"] = r.ciphertext_digest;
    trace_.emit(engine_.now(), "runner", "answer", std::move(fields));
    finish_step(index);
  }

  void bind(const Step& step, const Json& response) {
    const ActionInfo* action = find_action(step.call.service, step.call.action);
    Json primary = response;
    if (!action->primary.empty()) {
      const Json* p = Values::at_path(response, std::string(action->primary));
      if (p) primary = *p;
    }
    values_->bind(*step.as, Binding{primary, response});
  }

  void check_expectation(std::size_t index) {
    const scenario::Expectation& e = scenario_.steps[index].expect;
    StepRecord& r = records_[index];
    const ApiResult& a = r.answer;
    using K = scenario::Expectation::Kind;
    switch (e.kind) {
      case K::None:
        return;
      case K::Ok:
        if (!a.ok) fail(index, r.outcome, "expected ok, got " + a.exception + ": " + a.message);
        return;
      case K::AnyError:
        if (a.ok) fail(index, r.outcome, "expected an error, got ok");
        return;
      case K::Error:
        if (a.ok)
          fail(index, r.outcome, "expected " + e.error + ", got ok");
        else if (a.exception != e.error) {
          fail(index, r.outcome, "expected " + e.error + ", got " + a.exception + ": " + a.message);
        }
        return;
      case K::OkFields: {
        if (!a.ok) {
          fail(index, r.outcome, "expected ok, got " + a.exception + ": " + a.message);
          return;
        }
        std::string why;
        if (!values_->matches_fields(a.response, e.fields, why)) fail(index, r.outcome, why);
        return;
      }
    }
  }

  // --- wait --------------------------------------------------------------------------------

  void begin_wait(std::size_t index) {
    const scenario::WaitStep& w = scenario_.steps[index].wait;
    if (w.duration) {
      engine_.schedule_after(*w.duration, [this, index] { finish_step(index); });
      return;
    }
    waiting_ = true;
    wait_timeout_ = engine_.schedule_after(w.timeout, [this, index] { wait_timed_out(index); });
    after_event();  // the condition may hold already
  }

  void wait_timed_out(std::size_t index) {
    if (!waiting_) return;
    waiting_ = false;
    fail(index, "timeout",
         "the condition did not hold within " +
             sim::format_duration(scenario_.steps[index].wait.timeout));
    finish_step(index);
  }

  // The document a wait or check subject stands for; null when the object does not exist.
  Json subject_document(const std::string& kind, const std::string& name) const {
    const std::string id = values_->subject_id(name);
    if (kind == "key_store") {
      const CustomKeyStore* s = world_->kms().find_store(id);
      return s ? world_->kms().describe_store(*s) : Json(nullptr);
    }
    if (kind == "key") {
      const KmsKey* k = world_->kms().find_key(id);
      return k ? world_->kms().describe_key(*k) : Json(nullptr);
    }
    if (kind == "cluster") {
      const Cluster* c = world_->cloudhsm().cluster_record(id);
      if (!c) return nullptr;
      Json d = world_->cloudhsm().describe_cluster(*c);
      d["active_hsms"] = world_->cloudhsm().active_hsm_count(*c);
      return d;
    }
    if (kind == "hsm") {
      const Hsm* h = world_->cloudhsm().find_hsm(id);
      return h ? world_->cloudhsm().describe_hsm(*h) : Json(nullptr);
    }
    if (kind == "backup") {
      const Backup* b = world_->cloudhsm().find_backup(id);
      return b ? world_->cloudhsm().describe_backup(*b) : Json(nullptr);
    }
    return nullptr;
  }

  // Does the wait condition hold now? On success for `backup_of`, `bound` gets the backup.
  bool wait_holds(const Value& condition, Json& bound) const {
    std::string subject_kind, subject_name;
    Value fields;
    fields.kind = Value::Kind::Mapping;
    for (const auto& [key, v] : condition.entries) {
      if (key == "key_store" || key == "cluster" || key == "key" || key == "hsm" ||
          key == "backup_of") {
        subject_kind = key;
        subject_name = v.scalar;
      } else {
        fields.entries.emplace_back(key, v);
      }
    }
    std::string why;
    if (subject_kind == "backup_of") {
      const std::string cluster_id = values_->subject_id(subject_name);
      for (const auto& b : world_->cloudhsm().backups()) {
        if (!b->cluster || world_->cloudhsm().clusters()[*b->cluster]->id != cluster_id) continue;
        const Json d = world_->cloudhsm().describe_backup(*b);
        if (values_->matches_fields(d, fields, why)) {
          bound = d;
          return true;
        }
      }
      return false;
    }
    const Json d = subject_document(subject_kind, subject_name);
    return !d.is_null() && values_->matches_fields(d, fields, why);
  }

  void after_event() {
    monitors_->after_event();
    durability_.observe(*world_);
    if (!waiting_) return;
    const Step& step = scenario_.steps[current_];
    Json bound;
    try {
      if (!wait_holds(step.wait.condition, bound)) return;
    } catch (const StepFailure& e) {
      fail(current_, "error", e.what());  // the subject names nothing that can hold
    }
    waiting_ = false;
    engine_.cancel(wait_timeout_);
    if (step.as && !bound.is_null()) values_->bind(*step.as, Binding{bound["BackupId"], bound});
    const std::size_t index = current_;
    // End the wait at this moment, after the event that made it hold.
    engine_.schedule_after(sim::Duration::zero(), [this, index] { finish_step(index); });
  }

  // --- check and fault -----------------------------------------------------------------------

  void run_check(std::size_t index) {
    const Value& checks = scenario_.steps[index].check.checks;
    const Findings findings = find_findings(*world_);
    for (const auto& [subject, fields] : checks.entries) {
      std::string why;
      Json document;
      const std::size_t space = subject.find(' ');
      if (space != std::string::npos) {
        document = subject_document(subject.substr(0, space), subject.substr(space + 1));
        if (document.is_null()) {
          fail(index, "failed", subject + " does not exist");
          return;
        }
      } else if (subject == "orphans") {
        document = Json{{"count", findings.orphans.size()},
                        {"in_clusters", findings.orphans_in_clusters()},
                        {"in_backups", findings.orphans_in_backups()}};
      } else if (subject == "lost_keys") {
        document = Json{{"count", findings.lost_keys.size()}};
      } else if (subject == "invariants") {
        document = Json{{"violations", monitors_->violations().size()}};
      }
      if (subject == "metrics") {
        const auto [doc, paths] = metrics_document(fields);
        if (!values_->matches_fields(doc, paths, why)) {
          fail(index, "failed", subject + ": " + why);
          return;
        }
        continue;
      }
      if (!values_->matches_fields(document, fields, why)) {
        fail(index, "failed", subject + ": " + why);
        return;
      }
    }
  }

  // The operations document for a `metrics` check, with the check's shorthands spelled out:
  // `Op.pNN_ms` is `Op.latency_ms.pNN`, and a count not yet seen (`Op.errors.X`, or any count
  // of an operation never called) reads 0.
  std::pair<Json, Value> metrics_document(const Value& fields) const {
    Json doc = operations_json();
    Value paths = fields;
    for (auto& [path, want] : paths.entries) {
      const std::size_t dot = path.find('.');
      if (dot == std::string::npos) continue;
      const std::string op = path.substr(0, dot);
      std::string rest = path.substr(dot + 1);
      if (rest.size() > 4 && rest[0] == 'p' && rest.ends_with("_ms")) {
        rest = "latency_ms." + rest.substr(0, rest.size() - 3);
        path = op + "." + rest;
      }
      const bool count = rest == "count" || rest == "ok" || rest.starts_with("errors.");
      if (count && !Values::at_path(doc, path)) {
        Json& entry = doc[op];
        if (rest.starts_with("errors."))
          entry["errors"][rest.substr(7)] = 0;
        else
          entry[rest] = 0;
      }
    }
    return {std::move(doc), std::move(paths)};
  }

  void run_fault(std::size_t index) {
    const scenario::FaultStep& f = scenario_.steps[index].fault;
    const ApiResult result = world_->apply_fault(f.kind, values_->resolve(f.params, false));
    trace_.emit(engine_.now(), "runner", "fault", Json{{"kind", f.kind}, {"ok", result.ok}});
    if (!result.ok) fail(index, result.exception, result.message);
  }

  void finish_step(std::size_t index) {
    StepRecord& r = records_[index];
    r.end = engine_.now();
    trace_.emit(engine_.now(), "runner", "step_end",
                Json{{"index", index}, {"outcome", r.outcome}, {"passed", r.passed}});
    if (index + 1 < scenario_.steps.size()) {
      schedule_step(index + 1, engine_.now());
    } else if (!until_) {
      engine_.stop();  // without `until`, the run ends with its last step
    }
  }

  // --- summary -------------------------------------------------------------------------------

  Json operations_json() const {
    Json ops = Json::object();
    const double active = workload_active_seconds();
    for (const auto& [action, s] : operations_) {
      const MetricsSeries::Interval total = series_.total(action);
      Json errors = Json::object();
      for (const auto& [e, n] : total.errors)
        errors[e] = n;
      const LatencyHistogram& l = total.latency;
      ops[action] = Json{
          {"count", total.count},
          {"ok", total.ok},
          {"ok_per_s", active > 0 ? static_cast<double>(total.ok) / active : 0.0},
          {"errors", errors},
          {"latency_ms",
           {{"mean", l.mean_ns() * 1e-6},
            {"p50", ms(l.quantile_ns(0.50))},
            {"p90", ms(l.quantile_ns(0.90))},
            {"p99", ms(l.quantile_ns(0.99))},
            {"p999", ms(l.quantile_ns(0.999))},
            {"max", ms(l.max_ns())}}},
          {"queue_wait_ms",
           {{"mean", s.queue_wait.mean_ns() * 1e-6}, {"p99", ms(s.queue_wait.quantile_ns(0.99))}}}};
    }
    return ops;
  }

  Json final_state() const {
    auto name_of = [&](const std::string& id) {
      for (const auto& [name, obj] : world_->names()) {
        if (obj.id == id) return name;
      }
      return id;
    };
    Json stores = Json::object();
    for (const auto& s : world_->kms().stores()) {
      if (s->deleted) continue;
      Json d{{"CustomKeyStoreId", s->id},
             {"ConnectionState", to_string(s->state)},
             {"CloudHsmClusterId", s->cluster_id}};
      if (s->error) d["ConnectionErrorCode"] = to_string(*s->error);
      stores[name_of(s->id)] = d;
    }
    Json clusters = Json::object();
    for (const auto& c : world_->cloudhsm().clusters()) {
      clusters[name_of(c->id)] = Json{{"ClusterId", c->id},
                                      {"State", to_string(c->state)},
                                      {"active_hsms", world_->cloudhsm().active_hsm_count(*c)}};
    }
    Json keys = Json::object();
    for (const auto& k : world_->kms().keys()) {
      keys[name_of(k->id)] =
          Json{{"KeyId", k->id},
               {"KeyState", k->deleted ? "deleted" : to_string(world_->kms().key_state(*k))}};
    }
    Json backups = Json::object();
    for (const auto& b : world_->cloudhsm().backups()) {
      backups[b->id] =
          Json{{"BackupState", to_string(b->state)},
               {"ClusterId",
                b->cluster ? world_->cloudhsm().clusters()[*b->cluster]->id : std::string()}};
    }
    return Json{
        {"key_stores", stores}, {"clusters", clusters}, {"keys", keys}, {"backups", backups}};
  }

  Json hsms_json() const {
    Json out = Json::array();
    const auto& usage = world_->data_plane().hsm_usage();
    const double elapsed = static_cast<double>(engine_.now().ns());
    const double slots = world_->data_plane().concurrency();
    for (std::size_t i = 0; i < world_->cloudhsm().hsms().size(); ++i) {
      const Hsm& h = *world_->cloudhsm().hsms()[i];
      const HsmUsage u = i < usage.size() ? usage[i] : HsmUsage{};
      out.push_back(Json{
          {"id", h.id},
          {"cluster", world_->cloudhsm().clusters()[h.cluster]->id},
          {"az", h.az},
          {"utilization", elapsed > 0 ? static_cast<double>(u.busy.ns()) / (elapsed * slots) : 0.0},
          {"ops", u.ops}});
    }
    return out;
  }

  Json workloads_json() const {
    Json out = Json::array();
    for (const auto& w : workloads_) {
      Json entry{{"name", w->spec().name}, {"submitted", w->submitted()}};
      if (!w->problem().empty()) entry["problem"] = w->problem();
      out.push_back(entry);
    }
    return out;
  }

  RunOutcome outcome(double wall_seconds) const {
    RunOutcome out;
    out.fingerprint = trace_.fingerprint();
    out.events = engine_.events_dispatched();
    out.virtual_end_ns = engine_.now().ns();
    Json steps = Json::array();
    std::size_t passed = 0, failed = 0;
    for (std::size_t i = 0; i < records_.size(); ++i) {
      const StepRecord& r = records_[i];
      const Step& step = scenario_.steps[i];
      steps.push_back(Json{{"index", i},
                           {"kind", scenario::to_string(step.kind)},
                           {"name", r.name},
                           {"at_ns", r.at ? Json(r.at->ns()) : Json(nullptr)},
                           {"end_ns", r.end ? Json(r.end->ns()) : Json(nullptr)},
                           {"outcome", r.outcome},
                           {"expected", r.expected},
                           {"passed", r.passed},
                           {"message", r.message}});
      (r.passed ? passed : failed) += 1;
    }
    bool workloads_ok = true;
    for (const auto& w : workloads_)
      workloads_ok = workloads_ok && w->problem().empty();
    out.passed = failed == 0 && monitors_->violations().empty() && workloads_ok;
    out.metrics = series_.rows();
    out.interrupted = engine_.interrupted();
    if (out.interrupted) out.passed = false;
    Findings findings = find_findings(*world_);
    findings.durability_windows = durability_.windows();
    out.summary = Json{{"scenario", scenario_.name},
                       {"seed", seed_},
                       {"virtual_end_ns", out.virtual_end_ns},
                       {"events", out.events},
                       {"wall_seconds", wall_seconds},
                       {"fingerprint", out.fingerprint},
                       {"steps", steps},
                       {"expectations", {{"passed", passed}, {"failed", failed}}},
                       {"invariants", monitors_->to_json()},
                       {"findings", findings.to_json()},
                       {"operations", operations_json()},
                       {"hsms", hsms_json()},
                       {"workloads", workloads_json()},
                       {"final_state", final_state()}};
    if (out.interrupted) out.summary["interrupted"] = true;
    return out;
  }

  const scenario::Scenario& scenario_;
  uint64_t seed_;
  std::optional<sim::Duration> until_;
  sim::Engine engine_;
  sim::Trace trace_;
  std::unique_ptr<World> world_;
  std::unique_ptr<Monitors> monitors_;
  DurabilityTracker durability_;
  std::unique_ptr<Values> values_;
  sim::RandomStream rtt_rng_{seed_, "api_rtt"};
  std::vector<StepRecord> records_;
  std::map<std::string, OperationStats> operations_;
  std::array<OperationStats*, kCryptoOpCount> crypto_stats_{};  // workloads' entries of the map
  std::array<MetricsSeries::Counter, kCryptoOpCount> crypto_counters_{};  // and of the series
  const std::array<std::string, kCryptoOpCount> crypto_op_names_ = {
      "Encrypt",       "Decrypt", "ReEncrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext",
      "GenerateRandom"};
  MetricsSeries series_{metrics_interval(scenario_, until_)};
  sim::Time horizon_ = sim::Time::max();
  std::vector<std::unique_ptr<Workload>> workloads_;
  std::size_t current_ = 0;
  bool waiting_ = false;
  sim::EventId wait_timeout_;
};

}  // namespace

RunOutcome run_scenario(const scenario::Scenario& scenario, const RunSettings& settings) {
  Runner runner(scenario, settings);
  return runner.run();
}

std::string console_summary(const RunOutcome& o) {
  const Json& s = o.summary;
  std::string out =
      fmt::format("scenario    {}\nseed        {}\nvirtual     {}  ({} events, {:.3f} s wall)\n",
                  s["scenario"].get<std::string>(), s["seed"].get<uint64_t>(),
                  sim::format_duration_human(sim::Duration::nanoseconds(o.virtual_end_ns)),
                  o.events, s["wall_seconds"].get<double>());
  const Json& steps = s["steps"];
  out += fmt::format("steps       {} passed, {} failed\n", s["expectations"]["passed"].get<int>(),
                     s["expectations"]["failed"].get<int>());
  for (const Json& step : steps) {
    if (step["passed"].get<bool>()) continue;
    out += fmt::format(
        "  first failure: step {} ({}) at {}: {}\n", step["index"].get<int>(),
        step["name"].get<std::string>(),
        step["at_ns"].is_null()
            ? std::string("-")
            : sim::format_duration_human(sim::Duration::nanoseconds(step["at_ns"].get<int64_t>())),
        step["message"].get<std::string>());
    break;
  }
  const Json& invariants = s["invariants"];
  out += fmt::format("invariants  {} enabled, {} violations\n", invariants["enabled"].size(),
                     invariants["violations"].size());
  if (!invariants["violations"].empty()) {
    const Json& v = invariants["violations"][0];
    out += fmt::format("  first violation: {} at {}: {}\n", v["invariant"].get<std::string>(),
                       v["at"].get<std::string>(), v["message"].get<std::string>());
  }
  for (const Json& w : s["workloads"]) {
    if (w.contains("problem")) {
      out += fmt::format("  workload {} did not run: {}\n", w["name"].get<std::string>(),
                         w["problem"].get<std::string>());
    }
  }
  const Json& findings = s["findings"];
  out += fmt::format("findings    {} orphaned, {} lost keys, {} lockouts, {} durability windows\n",
                     findings["orphans"].size(), findings["lost_keys"].size(),
                     findings["lockouts"].size(), findings["durability_windows"].size());
  for (const auto& [action, op] : s["operations"].items()) {
    out +=
        fmt::format("  {:<28} {:>6} calls {:>6} ok  p50 {:.3f} ms  p99 {:.3f} ms\n", action,
                    op["count"].get<uint64_t>(), op["ok"].get<uint64_t>(),
                    op["latency_ms"]["p50"].get<double>(), op["latency_ms"]["p99"].get<double>());
  }
  out += fmt::format("fingerprint {}\n", o.fingerprint);
  return out;
}

}  // namespace hsmsim::model
