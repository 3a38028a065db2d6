#include "analysis/plots.h"

#include <fmt/format.h>
#include <gnuplot-iostream.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string_view>
#include <utility>

namespace hsmsim::analysis {
namespace {

namespace fs = std::filesystem;
using Points = std::vector<std::pair<double, double>>;

// One line of a plot: its title and its (time, value) points.
struct Line {
  std::string title;
  Points points;
};

struct Plot {
  std::string name;  // file stem
  std::string title;
  std::string ylabel;
  std::vector<Line> lines;
  bool steps = false;  // draw as steps (states), not lines
  bool lanes = false;  // y axis shows one lane per line
  bool log_y = false;  // spans orders of magnitude (latency under overload)
};

// The lines of `series`, one per label (label order), titled `prefix label`.
std::vector<Line> lines_of(const std::vector<model::MetricRow>& rows, std::string_view series,
                           std::string_view prefix = "") {
  std::map<std::string, Points> by_label;
  for (const model::MetricRow& r : rows) {
    if (r.series == series) by_label[r.label].emplace_back(r.time_s, r.value);
  }
  std::vector<Line> out;
  for (auto& [label, points] : by_label)
    out.push_back(Line{std::string(prefix) + label, std::move(points)});
  return out;
}

std::vector<Plot> plots_of(const std::vector<model::MetricRow>& rows) {
  std::vector<Plot> plots;

  Plot latency{"latency", "Latency percentiles", "ms (log scale)", {}, false, false, true};
  for (Line& l : lines_of(rows, "latency_p50_ms", "p50 "))
    latency.lines.push_back(std::move(l));
  for (Line& l : lines_of(rows, "latency_p99_ms", "p99 "))
    latency.lines.push_back(std::move(l));
  plots.push_back(std::move(latency));

  Plot throughput{"throughput", "Throughput and errors", "requests/s", {}, false, false};
  for (Line& l : lines_of(rows, "ok_per_s", "ok "))
    throughput.lines.push_back(std::move(l));
  for (Line& l : lines_of(rows, "errors_per_s", "error ")) {
    throughput.lines.push_back(std::move(l));
  }
  plots.push_back(std::move(throughput));

  Plot utilization{"utilization", "HSM utilization", "busy share of slots", {}, false, false};
  utilization.lines = lines_of(rows, "utilization");
  plots.push_back(std::move(utilization));

  // States as lanes: lane i shows 0/1 between i and i + 0.8.
  Plot timeline{"timeline", "Key stores connected and HSMs serving", "", {}, true, true};
  for (Line& l : lines_of(rows, "store_connected", "store "))
    timeline.lines.push_back(std::move(l));
  for (Line& l : lines_of(rows, "hsm_active", "HSM "))
    timeline.lines.push_back(std::move(l));
  for (std::size_t i = 0; i < timeline.lines.size(); ++i) {
    for (auto& [t, v] : timeline.lines[i].points)
      v = static_cast<double>(i) + 0.8 * v;
  }
  plots.push_back(std::move(timeline));

  std::erase_if(plots, [](const Plot& p) { return p.lines.empty(); });
  return plots;
}

// gnuplot's single-quoted strings: a quote is doubled.
std::string gp_string(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    out += c;
    if (c == '\'') out += '\'';
  }
  return out + "'";
}

void draw(Gnuplot& gp, const Plot& plot, const std::string& terminal, const fs::path& output,
          const std::string& title) {
  gp << "set terminal " << terminal << "\n";
  gp << "set termoption noenhanced\n";
  gp << "set output " << gp_string(output.string()) << "\n";
  gp << "set title " << gp_string(title + ": " + plot.title) << "\n";
  gp << "set xlabel 'virtual time (s)'\nset ylabel " << gp_string(plot.ylabel) << "\n";
  gp << "set grid\nset key outside right top\n";
  if (plot.lanes) {
    gp << "unset logscale y\nset ytics (";
    for (std::size_t i = 0; i < plot.lines.size(); ++i) {
      gp << (i ? ", " : "") << gp_string(plot.lines[i].title) << " " << i + 0.4;
    }
    gp << ")\nset yrange [-0.2:" << plot.lines.size() << "]\nunset key\n";
  } else if (plot.log_y) {
    gp << "set ytics auto\nset autoscale y\nset logscale y\n";
  } else {
    gp << "unset logscale y\nset ytics auto\nset autoscale y\nset yrange [0:*]\n";
  }
  gp << "plot ";
  for (std::size_t i = 0; i < plot.lines.size(); ++i) {
    gp << (i ? ", " : "") << "'-' with " << (plot.steps ? "steps" : "lines") << " lw 2 title "
       << gp_string(plot.lines[i].title);
  }
  gp << "\n";
  for (const Line& line : plot.lines)
    gp.send1d(line.points);
  gp << "unset output\n";
}

}  // namespace

bool gnuplot_available() {
  const char* path = std::getenv("PATH");
  if (path == nullptr) return false;
  std::string_view rest(path);
  while (!rest.empty()) {
    const std::size_t colon = rest.find(':');
    const std::string dir(rest.substr(0, colon));
    std::error_code ec;
    const fs::path candidate = fs::path(dir.empty() ? "." : dir) / "gnuplot";
    if (fs::is_regular_file(candidate, ec) &&
        (fs::status(candidate, ec).permissions() & fs::perms::owner_exec) != fs::perms::none) {
      return true;
    }
    if (colon == std::string_view::npos) break;
    rest.remove_prefix(colon + 1);
  }
  return false;
}

PlotResult write_plots(const std::vector<model::MetricRow>& rows, const std::string& directory,
                       const std::string& title) {
  const fs::path dir(directory);
  fs::create_directories(dir);
  const std::vector<Plot> plots = plots_of(rows);
  PlotResult result;
  if (!gnuplot_available()) {
    for (const Plot& plot : plots) {
      const std::string name = plot.name + ".dat";
      const fs::path tmp = dir / (name + ".tmp");
      {
        std::ofstream out(tmp);
        for (const Line& line : plot.lines) {
          out << "# " << line.title << "\n";
          for (const auto& [t, v] : line.points)
            out << t << " " << v << "\n";
          out << "\n\n";  // a gnuplot data block per line (index N)
        }
        if (!out.flush()) throw std::runtime_error("cannot write " + tmp.string());
      }
      fs::rename(tmp, dir / name);
      result.files.push_back(name);
    }
    result.note = "gnuplot not found on PATH: wrote the plot data (.dat) only";
    return result;
  }
  std::vector<std::pair<fs::path, fs::path>> renames;
  {
    // One gnuplot process draws everything; it has finished when the object is gone.
    Gnuplot gp("gnuplot");
    for (const Plot& plot : plots) {
      for (const auto& [extension, terminal] :
           {std::pair<std::string, std::string>{"png", "pngcairo size 1100,600"},
            std::pair<std::string, std::string>{"svg", "svg size 1100,600 dynamic"}}) {
        const std::string name = plot.name + "." + extension;
        const fs::path tmp = dir / (name + ".tmp");
        draw(gp, plot, terminal, tmp, title);
        renames.emplace_back(tmp, dir / name);
        result.files.push_back(name);
      }
    }
    gp << "exit\n";
  }
  for (const auto& [from, to] : renames) {
    std::error_code ec;
    fs::rename(from, to, ec);
    if (ec) throw std::runtime_error("gnuplot did not write " + from.string());
  }
  return result;
}

}  // namespace hsmsim::analysis
