// Plots: drawn as PNG and SVG when gnuplot is there, and never a failed run when it is not
// (the data is written instead, and the result says so).
#include "analysis/plots.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace hsmsim::analysis {
namespace {

namespace fs = std::filesystem;

std::vector<model::MetricRow> rows() {
  std::vector<model::MetricRow> out;
  for (int t = 1; t <= 5; ++t) {
    out.push_back({double(t), "latency_p50_ms", "Encrypt", 3.0 + t});
    out.push_back({double(t), "latency_p99_ms", "Encrypt", 9.0 + t});
    out.push_back({double(t), "ok_per_s", "Encrypt", 100.0});
    out.push_back({double(t), "utilization", "hsm-1", 0.5});
    out.push_back({double(t), "hsm_active", "hsm-1", t < 3 ? 1.0 : 0.0});
    out.push_back({double(t), "store_connected", "ks1", 1.0});
  }
  return out;
}

fs::path fresh_dir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("hsmsim_plots_test_" + name);
  fs::remove_all(dir);
  return dir;
}

bool has_temporary_files(const fs::path& dir) {
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() == ".tmp") return true;
  }
  return false;
}

TEST(Plots, DrawsEveryPlotAsPngAndSvg) {
  if (!gnuplot_available()) GTEST_SKIP() << "gnuplot is not installed";
  const fs::path dir = fresh_dir("gnuplot");
  const PlotResult result = write_plots(rows(), dir.string(), "test");
  EXPECT_TRUE(result.note.empty());
  for (const char* stem : {"latency", "throughput", "utilization", "timeline"}) {
    for (const char* ext : {".png", ".svg"}) {
      const fs::path file = dir / (std::string(stem) + ext);
      ASSERT_TRUE(fs::exists(file)) << file;
      EXPECT_GT(fs::file_size(file), 1000u) << file;
    }
  }
  EXPECT_FALSE(has_temporary_files(dir));
}

TEST(Plots, WithoutGnuplotWritesTheDataAndSaysSo) {
  const char* path = std::getenv("PATH");
  const std::string saved = path ? path : "";
  setenv("PATH", "/nonexistent", 1);
  const fs::path dir = fresh_dir("nognuplot");
  const PlotResult result = write_plots(rows(), dir.string(), "test");
  setenv("PATH", saved.c_str(), 1);
  EXPECT_NE(result.note.find("gnuplot not found"), std::string::npos);
  EXPECT_TRUE(fs::exists(dir / "latency.dat"));
  EXPECT_TRUE(fs::exists(dir / "timeline.dat"));
  EXPECT_FALSE(fs::exists(dir / "latency.png"));
  EXPECT_FALSE(has_temporary_files(dir));
}

}  // namespace
}  // namespace hsmsim::analysis
