// Deterministic random streams and the duration distributions of a scenario.
//
// Every actor draws from its own stream, derived from (seed, stream name) by hashing, so
// adding an actor never changes another actor's draws. Sampling is implemented here, not
// taken from <random>, whose distributions differ between standard library versions.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "sim/time.h"

namespace hsmsim::sim {

// xoshiro256** seeded from SHA-256(seed, name). Cheap to copy; not thread-safe (one owner).
class RandomStream {
 public:
  RandomStream(uint64_t seed, std::string_view name);

  uint64_t next_u64();
  // Uniform in [0, 1) with 53 random bits.
  double next_double();
  // Uniform in (0, 1): never 0, safe for log().
  double next_open01();
  // Uniform integer in [0, bound), bound > 0, without modulo bias.
  uint64_t next_below(uint64_t bound);
  // Standard exponential (mean 1) and standard normal variates.
  double next_exponential();
  double next_normal();

 private:
  [[gnu::noinline]] double exponential_outside_core(uint64_t bits);
  [[gnu::noinline]] double normal_outside_core(uint64_t bits);

  std::array<uint64_t, 4> state_;
};

// One of the distribution forms of SPEC §3. Values are in nanoseconds.
class Distribution {
 public:
  struct Constant {
    double value_ns;
  };
  struct Uniform {
    double low_ns, high_ns;
  };
  struct Exponential {
    double mean_ns;
  };
  struct Lognormal {  // given as median and 99th percentile
    double mu, sigma;
  };
  struct Normal {  // truncated at 0 (rejection)
    double mean_ns, stddev_ns;
  };
  struct Empirical {  // inverse CDF: linear interpolation between (p, value) points
    std::vector<std::pair<double, double>> points;
  };
  using Form = std::variant<Constant, Uniform, Exponential, Lognormal, Normal, Empirical>;

  Distribution() : Distribution(Constant{0}) {}
  explicit Distribution(Form form) : form_(std::move(form)) {
    if (const auto* c = std::get_if<Constant>(&form_)) {
      fixed_ = Duration::nanoseconds(saturating_ns(c->value_ns));
    }
  }

  static Distribution constant(Duration d);
  static Distribution uniform(Duration low, Duration high);
  static Distribution exponential(Duration mean);
  static Distribution lognormal(Duration median, Duration p99);
  static Distribution normal(Duration mean, Duration stddev);
  static Distribution empirical(std::vector<std::pair<double, Duration>> points);

  // A draw in nanoseconds (not rounded), never negative.
  double sample_ns(RandomStream& rng) const;
  // A draw rounded to whole nanoseconds. Inline, and a constant without a call: network and
  // API delays are constants by default and drawn for every data-plane request.
  Duration sample(RandomStream& rng) const {
    if (fixed_) return *fixed_;
    return Duration::nanoseconds(saturating_ns(sample_ns(rng)));
  }
  // What sample() gives every time, for a constant (which draws nothing from the stream);
  // nullopt for every other form.
  const std::optional<Duration>& fixed() const { return fixed_; }
  // Analytic CDF at x nanoseconds (for tests and reports).
  double cdf(double x_ns) const;
  // Mean in nanoseconds (analytic).
  double mean_ns() const;
  // Scenario text form, e.g. "{exponential: {mean: 2ms}}".
  std::string describe() const;

  const Form& form() const { return form_; }

 private:
  Form form_;
  std::optional<Duration> fixed_;  // a constant's draw, rounded once: form_ never changes
};

}  // namespace hsmsim::sim
