#include "model/dataplane/workload.h"

#include <cmath>
#include <numbers>

#include "crypto/ciphertext_blob.h"
#include "model/world.h"

namespace hsmsim::model {

namespace {
constexpr uint32_t kOpenArrival = UINT32_MAX;
}  // namespace

Workload::Workload(World& world, const scenario::WorkloadSpec& spec, uint64_t seed,
                   RequestRecorder& recorder, std::function<std::string(const std::string&)> key_id)
    : world_(world),
      spec_(spec),
      recorder_(recorder),
      key_id_(std::move(key_id)),
      arrivals_rng_(seed, "workload/" + spec.name + "/arrivals"),
      choice_rng_(seed, "workload/" + spec.name + "/choice"),
      think_rng_(seed, "workload/" + spec.name + "/think") {
  double total = 0;
  for (const auto& [action, weight] : spec.mix)
    total += weight;
  double cumulative = 0;
  for (const auto& [action, weight] : spec.mix) {
    const std::optional<CryptoOp> op = crypto_op_named(action);
    if (!op || weight <= 0) continue;  // the loader only lets crypto actions through
    cumulative += weight / total;
    mix_.emplace_back(*op, cumulative);
  }
  if (!mix_.empty()) mix_.back().second = 1.0;
  if (spec.stop) stop_ = sim::Time::zero() + *spec.stop;
}

void Workload::schedule() {
  world_.engine().schedule_at(sim::Time::zero() + spec_.start, [this] { start(); });
}

bool Workload::active(sim::Time t) const {
  return t < stop_;
}

// Resolves the keys now (names bound by `as:` before the start count) and prepares what every
// request will send.
void Workload::start() {
  const Kms& kms = world_.kms();
  crypto::EncryptionContext context(spec_.encryption_context.begin(),
                                    spec_.encryption_context.end());
  // The plaintext: fixed bytes, drawn once from the workload's own stream.
  sim::RandomStream bytes_rng(0, "workload/" + spec_.name + "/plaintext");
  plaintext_.resize(spec_.plaintext_bytes);
  for (uint8_t& b : plaintext_)
    b = static_cast<uint8_t>(bytes_rng.next_u64());
  for (const std::string& name : spec_.keys) {
    const std::optional<uint32_t> index = kms.key_index(key_id_(name));
    if (!index) {
      problem_ = "key '" + name + "' does not exist when the workload starts";
      return;
    }
    Target t;
    t.key = *index;
    crypto::Result<std::vector<uint8_t>> aad = crypto::blob_aad(kms.keys()[*index]->arn, context);
    if (!aad) {
      problem_ = "the encryption context is too large";
      return;
    }
    t.aad = std::move(*aad);
    t.blob = world_.data_plane().seal_outside(t.key, t.aad, plaintext_);
    targets_.push_back(std::move(t));
  }
  if (targets_.empty() || mix_.empty()) return;
  if (const auto& store = kms.keys()[targets_.front().key]->store) store_ = *store;
  // Every request of an operation on a target is the same request: prepared once, here, after
  // targets_ stops growing (the spans point into the targets' buffers and plaintext_).
  for (std::size_t i = 0; i < targets_.size(); ++i) {
    for (std::size_t op = 0; op < kCryptoOpCount; ++op) {
      targets_[i].prepared[op] = prepare(static_cast<CryptoOp>(op), i);
    }
  }

  if (spec_.arrivals.kind == scenario::Arrivals::Kind::Closed) {
    for (uint32_t c = 0; c < spec_.arrivals.clients; ++c)
      issue(c, world_.now());
  } else {
    next_arrival_ = world_.now();
    arrivals();
  }
}

// The open arrival after one at `t`.
sim::Time Workload::arrival_after(sim::Time t) {
  const scenario::Arrivals& a = spec_.arrivals;
  const double rate = a.rate_per_s;
  auto after = [&](double gap_ns) {
    return t + sim::Duration::nanoseconds(std::max<int64_t>(1, sim::saturating_ns(gap_ns)));
  };
  switch (a.kind) {
    case scenario::Arrivals::Kind::Constant:
      return after(1e9 / rate);
    case scenario::Arrivals::Kind::Poisson:
      return after(arrivals_rng_.next_exponential() * 1e9 / rate);
    case scenario::Arrivals::Kind::Diurnal: {
      // rate(t) = mean (1 + A sin(2 pi t / period)), peak/trough = (1 + A) / (1 - A); drawn by
      // thinning a Poisson process at the peak rate.
      const double amplitude = (a.peak_to_trough - 1) / (a.peak_to_trough + 1);
      const double peak = rate * (1 + amplitude);
      const double period_ns = static_cast<double>(a.period.ns());
      const double start = static_cast<double>(t.ns());
      double x = start;
      for (;;) {
        x += arrivals_rng_.next_exponential() * 1e9 / peak;
        const double phase = 2 * std::numbers::pi * std::fmod(x, period_ns) / period_ns;
        const double r = rate * (1 + amplitude * std::sin(phase));
        if (arrivals_rng_.next_double() * peak < r) break;
      }
      return after(x - start);
    }
    case scenario::Arrivals::Kind::Closed:
      break;
  }
  return t;
}

// Open arrivals are generated a batch at a time: one event hands the data plane the next
// kBatch requests with their send times, instead of one event per request.
void Workload::arrivals() {
  world_.engine().skip_observer();
  for (int i = 0; i < kBatch; ++i) {
    if (!active(next_arrival_)) return;
    issue(kOpenArrival, next_arrival_);
    next_arrival_ = arrival_after(next_arrival_);
  }
  if (active(next_arrival_)) {
    world_.engine().schedule_at(next_arrival_, [this] { arrivals(); });
  }
}

void Workload::issue(uint32_t client, sim::Time when) {
  uint32_t slot;
  if (!free_requests_.empty()) {
    slot = free_requests_.back();
    free_requests_.pop_back();
  } else {
    slot = static_cast<uint32_t>(requests_.size());
    requests_.emplace_back();
  }
  Request& r = requests_[slot];
  r.op = mix_.back().first;
  // One operation and one key need no draws: the stream serves nothing but these choices, so
  // leaving it untouched changes nothing. (With several keys the operation is still drawn,
  // to keep the key draws where they were.)
  if (mix_.size() > 1 || targets_.size() > 1) {
    const double u = choice_rng_.next_double();
    for (const auto& [op, cumulative] : mix_) {
      if (u < cumulative) {
        r.op = op;
        break;
      }
    }
  }
  r.target =
      targets_.size() == 1 ? 0 : static_cast<uint32_t>(choice_rng_.next_below(targets_.size()));
  r.client = client;
  r.attempt = 1;
  r.first_submit = when;
  submit(slot, when);
}

PreparedRequest Workload::prepare(CryptoOp op, std::size_t target) const {
  const Target& t = targets_[target];
  PreparedRequest p;
  p.op = op;
  p.key = t.key;
  p.plaintext = plaintext_;
  p.aad = t.aad;
  p.number_of_bytes = 32;
  switch (op) {
    case CryptoOp::Decrypt:
      p.blob = t.blob;
      p.source_aad = t.aad;
      break;
    case CryptoOp::ReEncrypt: {
      // From this key to the next one of the list (to itself when there is one key).
      const Target& to = targets_[(target + 1) % targets_.size()];
      p.source_key = t.key;
      p.blob = t.blob;
      p.source_aad = t.aad;
      p.key = to.key;
      p.aad = to.aad;
      break;
    }
    case CryptoOp::GenerateRandom:
      p.store = store_;
      break;
    default:
      break;
  }
  return p;
}

void Workload::submit(uint32_t slot, sim::Time when) {
  const Request& r = requests_[slot];
  ++submitted_;
  world_.data_plane().submit_at(when, targets_[r.target].prepared[static_cast<std::size_t>(r.op)],
                                *this, slot);
}

void Workload::on_answer(uint64_t tag, const CryptoAnswer& a) {
  const auto slot = static_cast<uint32_t>(tag);
  Request& r = requests_[slot];
  if (!a.ok && a.exception == "ThrottlingException" && r.attempt < spec_.retry.max_attempts) {
    ++r.attempt;
    submit(slot, a.answered + spec_.retry.backoff.sample(think_rng_));
    return;
  }
  recorder_.record(r.op, a, a.answered - r.first_submit);
  free_requests_.push_back(slot);
  // A closed-loop client thinks after its answer and sends the next request, while the
  // workload is active.
  if (r.client != kOpenArrival) {
    const sim::Time next = a.answered + spec_.arrivals.think.sample(think_rng_);
    if (active(next)) issue(r.client, next);
  }
}

}  // namespace hsmsim::model
