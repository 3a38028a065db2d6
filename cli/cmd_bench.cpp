// `hsmsim bench scheduler|crypto|e2e [--json]`: runs a benchmark and prints its figures, each
// beside a baseline measured in the same process.
#include <fmt/core.h>
#include <unistd.h>

#include <iostream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench/crypto_bench.h"
#include "bench/e2e_bench.h"
#include "bench/scheduler_bench.h"
#include "cli/commands.h"

namespace hsmsim::cli {
namespace {

void print_scheduler_table(const std::vector<bench::SchedulerBenchResult>& results) {
  fmt::print("{:>10}  {:>11}  {:>13}  {:>15}  {:>7}  {:>13}\n", "pending", "events", "engine ev/s",
             "baseline ev/s", "ratio", "bytes/pending");
  for (const bench::SchedulerBenchResult& r : results) {
    fmt::print("{:>10}  {:>11}  {:>12.2f}M  {:>14.2f}M  {:>6.2f}x  {:>13.1f}\n", r.pending,
               r.events, r.engine_events_per_s / 1e6, r.baseline_events_per_s / 1e6, r.ratio,
               r.bytes_per_pending_event);
  }
  fmt::print(
      "hold model: each event schedules one at now + Exp(1us); baseline: "
      "std::priority_queue<tuple<time, seq, id>>, same draws; events per second of thread CPU "
      "time, best of {} runs each\n",
      bench::SchedulerBenchOptions{}.repetitions);
}

void print_scheduler_json(const std::vector<bench::SchedulerBenchResult>& results) {
  nlohmann::ordered_json rows = nlohmann::ordered_json::array();
  for (const bench::SchedulerBenchResult& r : results) {
    rows.push_back({{"pending", r.pending},
                    {"events", r.events},
                    {"engine_events_per_s", r.engine_events_per_s},
                    {"baseline_events_per_s", r.baseline_events_per_s},
                    {"ratio", r.ratio},
                    {"bytes_per_pending_event", r.bytes_per_pending_event}});
  }
  nlohmann::ordered_json document;
  document["results"] = rows;
  std::cout << document.dump() << "\n";
}

int scheduler_bench(const BenchOptions& options) {
  const bench::SchedulerBenchOptions defaults;
  const std::vector<std::size_t> sizes =
      options.pending.empty() ? defaults.pending_sizes : options.pending;
  // Each size takes several seconds: show progress when someone is watching.
  const bool show_progress = isatty(STDERR_FILENO) != 0;
  std::vector<bench::SchedulerBenchResult> results;
  try {
    for (const std::size_t pending : sizes) {
      const uint64_t events =
          options.events.value_or(bench::scheduler_bench_default_events(pending));
      if (show_progress) std::cerr << "bench scheduler: " << pending << " pending...\n";
      results.push_back(
          bench::run_scheduler_bench(pending, events, defaults.repetitions, defaults.seed));
    }
  } catch (const std::invalid_argument& e) {
    std::cerr << "hsmsim: " << e.what() << "\n";
    return kBadInput;
  }
  if (options.json) {
    print_scheduler_json(results);
  } else {
    print_scheduler_table(results);
  }
  return kOk;
}

// Raw EVP AES-256-GCM encryption (context reused, IV reset per operation) beside the
// project's AesGcmKey and seal_blob, measured in the same process.
int crypto_bench(const BenchOptions& options) {
  const std::vector<bench::CryptoBenchResult> results =
      bench::run_crypto_bench(bench::CryptoBenchOptions{});
  if (options.json) {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const auto& r : results) {
      list.push_back({{"payload_bytes", r.payload_bytes},
                      {"raw_evp_ops_per_s", r.raw_evp_ops_per_s},
                      {"key_ops_per_s", r.key_ops_per_s},
                      {"seal_ops_per_s", r.seal_ops_per_s},
                      {"key_ratio", r.key_ratio},
                      {"seal_ratio", r.seal_ratio}});
    }
    std::cout << nlohmann::ordered_json{{"results", list}}.dump() << "\n";
    return kOk;
  }
  fmt::print("{:>8}  {:>14}  {:>12}  {:>14}  {:>10}  {:>10}\n", "payload", "raw EVP ops/s",
             "raw MiB/s", "seal ops/s", "key/raw", "seal/raw");
  for (const auto& r : results) {
    fmt::print("{:>8}  {:>13.2f}M  {:>12.1f}  {:>13.2f}M  {:>9.2f}x  {:>9.2f}x\n", r.payload_bytes,
               r.raw_evp_ops_per_s / 1e6, r.raw_evp_mib_per_s, r.seal_ops_per_s / 1e6, r.key_ratio,
               r.seal_ratio);
  }
  fmt::print("AES-256-GCM encryption, thread CPU time, best of {} runs each\n",
             bench::CryptoBenchOptions{}.repetitions);
  return kOk;
}

// Simulated Encrypt requests through the whole stack beside raw EVP, same process.
int e2e_bench(const BenchOptions& options) {
  if (options.print_scenario) {
    const bench::E2eBenchOptions defaults;
    std::cout << bench::e2e_bench_scenario_yaml(1024, defaults.requests, defaults.seed);
    return kOk;
  }
  std::vector<bench::E2eBenchResult> results;
  try {
    results = bench::run_e2e_bench(bench::E2eBenchOptions{});
  } catch (const std::invalid_argument& e) {
    std::cerr << "hsmsim: " << e.what() << "\n";
    return kBadInput;
  }
  if (options.json) {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const auto& r : results) {
      list.push_back({{"payload_bytes", r.payload_bytes},
                      {"raw_evp_ops_per_s", r.raw_evp_ops_per_s},
                      {"e2e_requests_per_s", r.e2e_requests_per_s},
                      {"ratio", r.ratio},
                      {"requests", r.requests},
                      {"events", r.events}});
    }
    std::cout << nlohmann::ordered_json{{"results", list}}.dump() << "\n";
    return kOk;
  }
  fmt::print("{:>8}  {:>14}  {:>16}  {:>7}  {:>10}  {:>10}\n", "payload", "raw EVP ops/s",
             "e2e requests/s", "ratio", "requests", "events");
  for (const auto& r : results) {
    fmt::print("{:>8}  {:>13.2f}M  {:>15.2f}M  {:>6.2f}x  {:>10}  {:>10}\n", r.payload_bytes,
               r.raw_evp_ops_per_s / 1e6, r.e2e_requests_per_s / 1e6, r.ratio, r.requests,
               r.events);
  }
  fmt::print(
      "simulated Encrypt requests (Poisson arrivals, 2 HSMs, real AES-256-GCM, metrics) per "
      "second of thread CPU time for the whole run, beside raw EVP AES-256-GCM; best of {} runs\n",
      bench::E2eBenchOptions{}.repetitions);
  return kOk;
}

}  // namespace

int bench_command(const BenchOptions& options) {
  if (options.which == "scheduler") return scheduler_bench(options);
  if (options.which == "crypto") return crypto_bench(options);
  if (options.which == "e2e") return e2e_bench(options);
  std::cerr << "hsmsim: unknown benchmark '" << options.which
            << "' (expected scheduler, crypto or e2e)\n";
  return kBadInput;
}

}  // namespace hsmsim::cli
