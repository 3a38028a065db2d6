#include "sim/random.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cassert>
#include <charconv>
#include <cmath>
#include <limits>
#include <numbers>
#include <stdexcept>
#include <type_traits>

namespace hsmsim::sim {
namespace {

// ---------------------------------------------------------------------------------------------
// Ziggurat tables (Marsaglia & Tsang, "The Ziggurat Method for Generating Random Variables",
// 2000), 256 layers, adapted to 64-bit draws: the low 8 bits pick the layer and the top 53 bits
// give the abscissa, so the two never share bits (the original's 32-bit SHR3 version reused
// them, which correlates layer and position).
//
// Layer 0 is the base strip: the rectangle [0, r] x [0, f(r)] plus the tail beyond r, drawn as
// a rectangle of the same area v and width v / f(r). Layers 1..255 are rectangles of width x_i
// between heights f(x_i) and f(x_{i-1}), with x_0 = 0 and x_255 = r.
//
// The tables are computed once, at static initialisation, from r alone (v is the exact area of
// the base strip), using only <cmath> functions whose results are fixed for a given build, so
// every run of a binary samples the same values. They are immutable afterwards, so streams on
// different threads may share them.
// ---------------------------------------------------------------------------------------------

constexpr int kLayers = 256;
constexpr double kTwoPow53 = 9007199254740992.0;  // 2^53
constexpr double kTwoPowMinus53 = 1.0 / kTwoPow53;

struct Ziggurat {
  // A 53-bit j is accepted at once in layer i when j < core[i].k; the variate is then
  // j * core[i].w. The two sit side by side: a draw reads one cache line of the table, not
  // two (a random layer is a likely L1 miss while AES buffers share the cache).
  struct Core {
    uint64_t k = 0;
    double w = 0;
  };
  std::array<Core, kLayers> core{};
  // f[i] = f(x_i): density (unnormalised, f(0) = 1) at the right edge of layer i.
  std::array<double, kLayers> f{};
};

// `density` is the unnormalised density, decreasing on [0, inf) with density(0) == 1;
// `inverse` is its inverse; `r` the start of the tail; `v` the common layer area.
template <typename Density, typename Inverse>
Ziggurat build_ziggurat(double r, double v, Density density, Inverse inverse) noexcept {
  Ziggurat z;
  const double q = v / density(r);  // width of the base strip
  z.core[0].k = static_cast<uint64_t>((r / q) * kTwoPow53);
  z.core[1].k = 0;  // x_0 = 0: the top layer has no fully-inside part, always the wedge test
  z.core[0].w = q / kTwoPow53;
  z.core[kLayers - 1].w = r / kTwoPow53;
  z.f[0] = 1.0;
  z.f[kLayers - 1] = density(r);
  double x_outer = r;
  for (int i = kLayers - 2; i >= 1; --i) {
    const double x = inverse(v / x_outer + density(x_outer));
    z.core[i + 1].k = static_cast<uint64_t>((x / x_outer) * kTwoPow53);
    x_outer = x;
    z.f[i] = density(x);
    z.core[i].w = x / kTwoPow53;
  }
  return z;
}

// r for 256 layers, from Marsaglia & Tsang (exponential) and Doornik / numpy (normal).
constexpr double kExpR = 7.69711747013104972;
constexpr double kNormR = 3.6541528853610088;

double exp_density(double x) {
  return std::exp(-x);
}
double exp_inverse(double y) {
  return -std::log(y);
}
double norm_density(double x) {
  return std::exp(-0.5 * x * x);
}
double norm_inverse(double y) {
  return std::sqrt(-2.0 * std::log(y));
}

Ziggurat build_exp_ziggurat() noexcept {
  // Base strip area: r f(r) + integral_r^inf e^-x dx.
  const double v = (kExpR + 1.0) * std::exp(-kExpR);
  return build_ziggurat(kExpR, v, exp_density, exp_inverse);
}

Ziggurat build_norm_ziggurat() noexcept {
  // Base strip area: r f(r) + integral_r^inf e^(-x^2/2) dx.
  const double v = kNormR * norm_density(kNormR) +
                   std::sqrt(std::numbers::pi / 2.0) * std::erfc(kNormR / std::sqrt(2.0));
  return build_ziggurat(kNormR, v, norm_density, norm_inverse);
}

const Ziggurat kExpZiggurat = build_exp_ziggurat();
const Ziggurat kNormZiggurat = build_norm_ziggurat();

uint64_t rotl(uint64_t x, int k) {
  return (x << k) | (x >> (64 - k));
}

uint64_t load_le64(const unsigned char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) {
    v = (v << 8) | p[i];
  }
  return v;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// RandomStream
// ---------------------------------------------------------------------------------------------

RandomStream::RandomStream(uint64_t seed, std::string_view name) {
  // The seed is hashed as 8 little-endian bytes so the derivation does not depend on the host's
  // byte order; the name follows without a separator (the seed's length is fixed).
  std::string input(8 + name.size(), '\0');
  for (int i = 0; i < 8; ++i) {
    input[i] = static_cast<char>((seed >> (8 * i)) & 0xFF);
  }
  std::copy(name.begin(), name.end(), input.begin() + 8);

  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  if (EVP_Digest(input.data(), input.size(), digest, &digest_len, EVP_sha256(), nullptr) != 1 ||
      digest_len != 32) {
    throw std::runtime_error("RandomStream: SHA-256 failed in OpenSSL");
  }
  for (size_t i = 0; i < 4; ++i) {
    state_[i] = load_le64(digest + 8 * i);
  }
  // xoshiro's only fixed point is the all-zero state; SHA-256 reaching it is a 2^-256 event,
  // but guarding it keeps the generator total.
  if (state_[0] == 0 && state_[1] == 0 && state_[2] == 0 && state_[3] == 0) {
    state_[0] = 0x9E3779B97F4A7C15ULL;
  }
}

uint64_t RandomStream::next_u64() {
  // xoshiro256** 1.0 (Blackman & Vigna).
  const uint64_t result = rotl(state_[1] * 5, 7) * 9;
  const uint64_t t = state_[1] << 17;
  state_[2] ^= state_[0];
  state_[3] ^= state_[1];
  state_[1] ^= state_[2];
  state_[0] ^= state_[3];
  state_[2] ^= t;
  state_[3] = rotl(state_[3], 45);
  return result;
}

double RandomStream::next_double() {
  return static_cast<double>(next_u64() >> 11) * kTwoPowMinus53;
}

double RandomStream::next_open01() {
  // 52 bits offset by half a step: the smallest value is 2^-53 and the largest 1 - 2^-53, both
  // exact. (With 53 bits the largest, 1 - 2^-54, would round to 1.)
  return (static_cast<double>(next_u64() >> 12) + 0.5) * (1.0 / 4503599627370496.0);
}

uint64_t RandomStream::next_below(uint64_t bound) {
  assert(bound > 0);
  // Lemire, "Fast Random Integer Generation in an Interval" (2019): multiply-shift, rejecting
  // the few low products that would over-represent some results.
  unsigned __int128 m = static_cast<unsigned __int128>(next_u64()) * bound;
  auto low = static_cast<uint64_t>(m);
  if (low < bound) {
    const uint64_t threshold = (0 - bound) % bound;  // 2^64 mod bound
    while (low < threshold) {
      m = static_cast<unsigned __int128>(next_u64()) * bound;
      low = static_cast<uint64_t>(m);
    }
  }
  return static_cast<uint64_t>(m >> 64);
}

// The core rectangles take ~99% of draws: that path is kept a leaf (no call, no saved
// registers), and the rest, which may call log and exp, is out of line.
double RandomStream::next_exponential() {
  const uint64_t bits = next_u64();
  const auto layer = static_cast<size_t>(bits & 0xFF);
  const uint64_t j = bits >> 11;
  const Ziggurat::Core& core = kExpZiggurat.core[layer];
  if (j < core.k) [[likely]] {
    return static_cast<double>(j) * core.w;
  }
  return exponential_outside_core(bits);
}

// The rest of next_exponential's loop, from a draw `bits` that fell outside its layer's core
// (checked again on entry, so the loop reads as one): the same draws in the same order.
double RandomStream::exponential_outside_core(uint64_t bits) {
  const Ziggurat& z = kExpZiggurat;
  for (;;) {
    const auto layer = static_cast<size_t>(bits & 0xFF);
    const uint64_t j = bits >> 11;
    const double x = static_cast<double>(j) * z.core[layer].w;
    if (j < z.core[layer].k) {
      return x;
    }
    if (layer == 0) {
      // The tail beyond r is again exponential (memorylessness).
      return kExpR - std::log(next_open01());
    }
    // Wedge between the rectangle and the curve: accept under the density.
    const double y = z.f[layer] + next_double() * (z.f[layer - 1] - z.f[layer]);
    if (y < std::exp(-x)) {
      return x;
    }
    bits = next_u64();
  }
}

// As next_exponential: the core path a leaf, the rest out of line.
double RandomStream::next_normal() {
  const uint64_t bits = next_u64();
  const auto layer = static_cast<size_t>(bits & 0xFF);
  const bool negative = ((bits >> 8) & 1) != 0;  // bits 8..10 are otherwise unused
  const uint64_t j = bits >> 11;
  const Ziggurat::Core& core = kNormZiggurat.core[layer];
  if (j < core.k) [[likely]] {
    const double x = static_cast<double>(j) * core.w;
    return negative ? -x : x;
  }
  return normal_outside_core(bits);
}

// The rest of next_normal's loop, from a draw `bits` that fell outside its layer's core.
double RandomStream::normal_outside_core(uint64_t bits) {
  const Ziggurat& z = kNormZiggurat;
  for (;;) {
    const auto layer = static_cast<size_t>(bits & 0xFF);
    const bool negative = ((bits >> 8) & 1) != 0;
    const uint64_t j = bits >> 11;
    double x = static_cast<double>(j) * z.core[layer].w;
    if (j < z.core[layer].k) {
      return negative ? -x : x;
    }
    if (layer == 0) {
      // Tail beyond r by Marsaglia's (1964) method.
      double y = 0;
      do {
        x = -std::log(next_open01()) / kNormR;
        y = -std::log(next_open01());
      } while (y + y < x * x);
      x += kNormR;
      return negative ? -x : x;
    }
    const double y = z.f[layer] + next_double() * (z.f[layer - 1] - z.f[layer]);
    if (y < norm_density(x)) {
      return negative ? -x : x;
    }
    bits = next_u64();
  }
}

// ---------------------------------------------------------------------------------------------
// Distribution
// ---------------------------------------------------------------------------------------------

namespace {

constexpr double kZ99 = 2.3263478740408408;  // standard normal 0.99 quantile
constexpr double kSqrt2 = 1.4142135623730951;
constexpr double kSqrt2Pi = 2.5066282746310002;
// Above this number of standard deviations the normal survival function underflows; the
// truncated-normal formulas switch to asymptotic forms there.
constexpr double kTailSigmas = 37.0;
// Empirical distributions: a scenario lists a handful of points; this bounds the table.
constexpr size_t kMaxEmpiricalPoints = 10'000;

template <typename... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <typename... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

double std_normal_cdf(double z) {
  return 0.5 * std::erfc(-z / kSqrt2);
}
double std_normal_sf(double z) {
  return 0.5 * std::erfc(z / kSqrt2);
}
double std_normal_pdf(double z) {
  return std::exp(-0.5 * z * z) / kSqrt2Pi;
}

// Mills ratio Q(a) / phi(a) for large a, by its continued fraction
// 1 / (a + 1 / (a + 2 / (a + 3 / ...))), evaluated from the inside out.
double mills_ratio(double a) {
  double tail = a;
  for (int k = 40; k >= 1; --k) {
    tail = a + k / tail;
  }
  return 1.0 / tail;
}

// P(Z > z) / P(Z > a) for the standard normal, z >= a, accurate even where both underflow.
double normal_sf_ratio(double z, double a) {
  if (a < kTailSigmas) {
    return std_normal_sf(z) / std_normal_sf(a);
  }
  return std::exp(-0.5 * (z - a) * (z + a)) * mills_ratio(z) / mills_ratio(a);
}

// Standard normal truncated to [a, inf) with a > 0, by Robert (1995): an exponential proposal
// shifted to a, with the optimal rate. Acceptance is >= 76% for every a, so the loop is short
// where naive rejection (probability P(Z >= a)) would be hopeless.
double truncated_normal_tail(RandomStream& rng, double a) {
  const double alpha = 0.5 * (a + std::sqrt(a * a + 4.0));
  for (;;) {
    const double z = a + rng.next_exponential() / alpha;
    const double d = z - alpha;
    if (rng.next_open01() <= std::exp(-0.5 * d * d)) {
      return z;
    }
  }
}

double sample_normal(const Distribution::Normal& n, RandomStream& rng) {
  if (n.stddev_ns <= 0) {
    return std::max(n.mean_ns, 0.0);
  }
  if (n.mean_ns >= 0) {
    // At least half of the mass is at or above 0: plain rejection needs <= 2 draws on average.
    for (;;) {
      const double x = n.mean_ns + n.stddev_ns * rng.next_normal();
      if (x >= 0) {
        return x;
      }
    }
  }
  // The mean lies below 0 (only possible by building the Form directly; the factory rejects
  // negative durations). Sample the tail exactly instead of rejecting.
  const double a = -n.mean_ns / n.stddev_ns;
  return std::max(0.0, n.mean_ns + n.stddev_ns * truncated_normal_tail(rng, a));
}

double sample_empirical(const Distribution::Empirical& e, RandomStream& rng) {
  const auto& pts = e.points;
  const double u = rng.next_double();
  // First point with p >= u. Since the last p is 1 and u < 1, one always exists.
  const auto it = std::lower_bound(pts.begin(), pts.end(), u,
                                   [](const auto& point, double p) { return point.first < p; });
  assert(it != pts.end());
  if (it == pts.begin()) {
    return it->second;  // u <= p_0: the mass p_0 sits on the first value
  }
  const auto& [p1, v1] = *it;
  const auto& [p0, v0] = *(it - 1);
  return v0 + (v1 - v0) * ((u - p0) / (p1 - p0));
}

double cdf_empirical(const Distribution::Empirical& e, double x) {
  const auto& pts = e.points;
  if (x < pts.front().second) {
    return 0.0;
  }
  if (x >= pts.back().second) {
    return 1.0;
  }
  // Last point with value <= x: F(x) is at least its p (values are non-decreasing, and a run of
  // equal values is an atom whose mass ends at the last of them).
  const auto it = std::upper_bound(pts.begin(), pts.end(), x,
                                   [](double v, const auto& point) { return v < point.second; });
  const auto& [p0, v0] = *(it - 1);
  const auto& [p1, v1] = *it;  // exists: x < the last value
  return p0 + (p1 - p0) * ((x - v0) / (v1 - v0));
}

double mean_empirical(const Distribution::Empirical& e) {
  const auto& pts = e.points;
  double mean = pts.front().first * pts.front().second;
  for (size_t i = 1; i < pts.size(); ++i) {
    mean += (pts[i].first - pts[i - 1].first) * 0.5 * (pts[i].second + pts[i - 1].second);
  }
  return mean;
}

// Scenario text for a value in nanoseconds that the factories produced from a Duration.
std::string duration_text(double ns) {
  return format_duration(Duration::nanoseconds(saturating_ns(ns)));
}

std::string probability_text(double p) {
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), p);  // shortest round trip
  assert(ec == std::errc());
  return std::string(buf, end);
}

void require(bool ok, const std::string& message) {
  if (!ok) {
    throw std::invalid_argument(message);
  }
}

}  // namespace

Distribution Distribution::constant(Duration d) {
  require(d.ns() >= 0, "constant: duration must not be negative, got " + format_duration(d));
  return Distribution(Constant{static_cast<double>(d.ns())});
}

Distribution Distribution::uniform(Duration low, Duration high) {
  require(low.ns() >= 0, "uniform: low must not be negative, got " + format_duration(low));
  require(low <= high, "uniform: low (" + format_duration(low) + ") must not exceed high (" +
                           format_duration(high) + ")");
  return Distribution(Uniform{static_cast<double>(low.ns()), static_cast<double>(high.ns())});
}

Distribution Distribution::exponential(Duration mean) {
  // A zero mean is allowed and means "always 0" (e.g. no backoff).
  require(mean.ns() >= 0, "exponential: mean must not be negative, got " + format_duration(mean));
  return Distribution(Exponential{static_cast<double>(mean.ns())});
}

Distribution Distribution::lognormal(Duration median, Duration p99) {
  require(median.ns() > 0, "lognormal: median must be positive, got " + format_duration(median));
  require(p99 > median, "lognormal: p99 (" + format_duration(p99) +
                            ") must be greater than the median (" + format_duration(median) + ")");
  const double mu = std::log(static_cast<double>(median.ns()));
  const double sigma = (std::log(static_cast<double>(p99.ns())) - mu) / kZ99;
  return Distribution(Lognormal{mu, sigma});
}

Distribution Distribution::normal(Duration mean, Duration stddev) {
  require(mean.ns() >= 0, "normal: mean must not be negative, got " + format_duration(mean));
  require(stddev.ns() >= 0, "normal: stddev must not be negative, got " + format_duration(stddev));
  return Distribution(Normal{static_cast<double>(mean.ns()), static_cast<double>(stddev.ns())});
}

Distribution Distribution::empirical(std::vector<std::pair<double, Duration>> points) {
  require(!points.empty(), "empirical: needs at least one [p, value] point");
  require(points.size() <= kMaxEmpiricalPoints,
          "empirical: at most " + std::to_string(kMaxEmpiricalPoints) + " points, got " +
              std::to_string(points.size()));
  Empirical e;
  e.points.reserve(points.size());
  for (size_t i = 0; i < points.size(); ++i) {
    const auto& [p, value] = points[i];
    const std::string where = "empirical: point " + std::to_string(i) + " ";
    require(p >= 0.0 && p <= 1.0, where + "has p = " + probability_text(p) + " outside [0, 1]");
    require(value.ns() >= 0, where + "has a negative value " + format_duration(value));
    if (i > 0) {
      require(p > points[i - 1].first, where + "has p = " + probability_text(p) +
                                           "; p must strictly increase (previous " +
                                           probability_text(points[i - 1].first) + ")");
      require(value >= points[i - 1].second,
              where + "has value " + format_duration(value) +
                  " below the previous point's; values must not decrease");
    }
    e.points.emplace_back(p, static_cast<double>(value.ns()));
  }
  require(points.back().first == 1.0, "empirical: the last point must have p = 1, got " +
                                          probability_text(points.back().first));
  return Distribution(std::move(e));
}

double Distribution::sample_ns(RandomStream& rng) const {
  return std::visit(
      Overloaded{
          [](const Constant& c) { return c.value_ns; },
          [&](const Uniform& u) { return u.low_ns + (u.high_ns - u.low_ns) * rng.next_double(); },
          [&](const Exponential& e) { return e.mean_ns * rng.next_exponential(); },
          [&](const Lognormal& l) { return std::exp(l.mu + l.sigma * rng.next_normal()); },
          [&](const Normal& n) { return sample_normal(n, rng); },
          [&](const Empirical& e) { return sample_empirical(e, rng); },
      },
      form_);
}

double Distribution::cdf(double x_ns) const {
  // Step at `at`: the CDF of a point mass, used by degenerate forms.
  const auto step = [x_ns](double at) { return x_ns >= at ? 1.0 : 0.0; };
  return std::visit(Overloaded{
                        [&](const Constant& c) { return step(c.value_ns); },
                        [&](const Uniform& u) {
                          if (u.high_ns <= u.low_ns) {
                            return step(u.low_ns);
                          }
                          return std::clamp((x_ns - u.low_ns) / (u.high_ns - u.low_ns), 0.0, 1.0);
                        },
                        [&](const Exponential& e) {
                          if (e.mean_ns <= 0) {
                            return step(0.0);
                          }
                          return x_ns <= 0 ? 0.0 : -std::expm1(-x_ns / e.mean_ns);
                        },
                        [&](const Lognormal& l) {
                          if (x_ns <= 0) {
                            return 0.0;
                          }
                          if (l.sigma <= 0) {
                            return step(std::exp(l.mu));
                          }
                          return std_normal_cdf((std::log(x_ns) - l.mu) / l.sigma);
                        },
                        [&](const Normal& n) {
                          if (n.stddev_ns <= 0) {
                            return step(std::max(n.mean_ns, 0.0));
                          }
                          if (x_ns <= 0) {
                            return 0.0;
                          }
                          // Renormalised over [0, inf): 1 - P(Z > z) / P(Z > a).
                          const double a = -n.mean_ns / n.stddev_ns;
                          const double z = (x_ns - n.mean_ns) / n.stddev_ns;
                          return 1.0 - normal_sf_ratio(z, a);
                        },
                        [&](const Empirical& e) { return cdf_empirical(e, x_ns); },
                    },
                    form_);
}

double Distribution::mean_ns() const {
  return std::visit(Overloaded{
                        [](const Constant& c) { return c.value_ns; },
                        [](const Uniform& u) { return 0.5 * (u.low_ns + u.high_ns); },
                        [](const Exponential& e) { return e.mean_ns; },
                        [](const Lognormal& l) { return std::exp(l.mu + 0.5 * l.sigma * l.sigma); },
                        [](const Normal& n) {
                          if (n.stddev_ns <= 0) {
                            return std::max(n.mean_ns, 0.0);
                          }
                          // Mean of a normal truncated below at 0: m + s * phi(a) / Q(a), a = -m /
                          // s.
                          const double a = -n.mean_ns / n.stddev_ns;
                          const double inverse_mills = a < kTailSigmas
                                                           ? std_normal_pdf(a) / std_normal_sf(a)
                                                           : 1.0 / mills_ratio(a);
                          return n.mean_ns + n.stddev_ns * inverse_mills;
                        },
                        [](const Empirical& e) { return mean_empirical(e); },
                    },
                    form_);
}

std::string Distribution::describe() const {
  return std::visit(Overloaded{
                        [](const Constant& c) { return duration_text(c.value_ns); },
                        [](const Uniform& u) {
                          return "{uniform: [" + duration_text(u.low_ns) + ", " +
                                 duration_text(u.high_ns) + "]}";
                        },
                        [](const Exponential& e) {
                          return "{exponential: {mean: " + duration_text(e.mean_ns) + "}}";
                        },
                        [](const Lognormal& l) {
                          // Back from (mu, sigma) to the scenario's parameters; rounding to whole
                          // nanoseconds undoes the log/exp round trip's last-bit error.
                          return "{lognormal: {median: " + duration_text(std::exp(l.mu)) +
                                 ", p99: " + duration_text(std::exp(l.mu + kZ99 * l.sigma)) + "}}";
                        },
                        [](const Normal& n) {
                          return "{normal: {mean: " + duration_text(n.mean_ns) +
                                 ", stddev: " + duration_text(n.stddev_ns) + "}}";
                        },
                        [](const Empirical& e) {
                          std::string text = "{empirical: [";
                          for (size_t i = 0; i < e.points.size(); ++i) {
                            if (i > 0) {
                              text += ", ";
                            }
                            // Appended piecewise: GCC 12 warns falsely (-Wrestrict) on "[" +
                            // std::string.
                            text += '[';
                            text += probability_text(e.points[i].first);
                            text += ", ";
                            text += duration_text(e.points[i].second);
                            text += ']';
                          }
                          return text + "]}";
                        },
                    },
                    form_);
}

}  // namespace hsmsim::sim
