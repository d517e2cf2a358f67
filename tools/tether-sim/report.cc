#include "report.h"

#include <cstdio>

namespace tether::sim {
namespace {

std::string Fixed(double value, int decimals = 1) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  return buf;
}

std::string Pad(std::string text, std::size_t width) {
  if (text.size() < width) text.append(width - text.size(), ' ');
  return text;
}

std::string Where(const StepRecord& r) {
  return r.actor + ", step " + std::to_string(r.index) + " (line " + std::to_string(r.line) + ") " + StepName(r.kind);
}

double PerSecond(std::uint64_t n, double seconds) { return seconds > 0 ? static_cast<double>(n) / seconds : 0; }

}  // namespace

std::string DescribeFailure(const StepRecord& r) {
  std::string text = "FAIL " + Where(r);
  if (r.iteration > 1) text += " [iteration " + std::to_string(r.iteration) + "]";
  return text + ": expected " + r.expected + "; got " + r.got;
}

void PrintReport(const Scenario& scenario, RunResults& results, std::ostream& out) {
  out << "scenario: " << scenario.name << " (" << scenario.file << ")\n";
  for (const auto& r : results.records) {
    if (r.verdict == Verdict::kFailed) {
      out << "  " << DescribeFailure(r) << "\n";
    } else {
      out << "  " << (r.verdict == Verdict::kPassed ? "ok   " : "skip ") << Where(r);
      if (r.verdict == Verdict::kPassed) out << "  " << Fixed(r.ms) << " ms";
      out << "\n";
    }
  }
  if (!results.audit_failure.empty()) out << "  FAIL audit: " << results.audit_failure << "\n";
  out << "\n" << Pad("step", 23) << Pad("count", 9) << Pad("errors", 8) << Pad("p50 ms", 10) << Pad("p95 ms", 10)
      << "p99 ms\n";
  for (auto& [name, stats] : results.by_type) {
    out << Pad(name, 23) << Pad(std::to_string(stats.count), 9) << Pad(std::to_string(stats.errors), 8)
        << Pad(Fixed(Percentile(stats.latencies_ms, 50)), 10) << Pad(Fixed(Percentile(stats.latencies_ms, 95)), 10)
        << Fixed(Percentile(stats.latencies_ms, 99)) << "\n";
  }
  out << "\n"
      << results.iterations_done << " iteration(s), " << results.iterations_failed << " failed; " << results.steps
      << " steps, " << results.failures << " failed, " << results.skipped << " skipped; " << Fixed(results.seconds, 2)
      << " s\n"
      << "sessions " << results.sessions << " (" << Fixed(PerSecond(results.sessions, results.seconds)) << "/s); "
      << "frames received " << results.frames_received << " ("
      << Fixed(PerSecond(results.frames_received, results.seconds)) << "/s, "
      << Fixed(PerSecond(results.bytes_received, results.seconds) / 1024.0) << " KiB/s); frames sent "
      << results.frames_sent << " (" << Fixed(PerSecond(results.frames_sent, results.seconds)) << "/s)\n";
  if (results.audit_checked) out << "audit: " << (results.audit_failure.empty() ? "as expected" : "NOT as expected") << "\n";
  out << (results.passed() ? "PASSED" : "FAILED") << "\n";
}

nlohmann::json ReportJson(const Scenario& scenario, RunResults& results) {
  using nlohmann::json;
  json steps = json::array();
  for (const auto& r : results.records) {
    json step = {{"iteration", r.iteration}, {"actor", r.actor}, {"index", r.index}, {"line", r.line},
                 {"step", StepName(r.kind)},
                 {"verdict", r.verdict == Verdict::kPassed ? "passed" : r.verdict == Verdict::kFailed ? "failed" : "skipped"},
                 {"ms", r.ms}};
    if (r.verdict == Verdict::kFailed) {
      step["expected"] = r.expected;
      step["got"] = r.got;
    }
    steps.push_back(step);
  }
  json types = json::object();
  for (auto& [name, stats] : results.by_type) {
    types[name] = {{"count", stats.count}, {"errors", stats.errors},
                   {"p50_ms", Percentile(stats.latencies_ms, 50)}, {"p95_ms", Percentile(stats.latencies_ms, 95)},
                   {"p99_ms", Percentile(stats.latencies_ms, 99)}};
  }
  json out = {{"scenario", scenario.name},
              {"file", scenario.file},
              {"passed", results.passed()},
              {"steps", steps},
              {"step_types", types},
              {"totals",
               {{"iterations", results.iterations_done},
                {"iterations_failed", results.iterations_failed},
                {"steps", results.steps},
                {"failures", results.failures},
                {"skipped", results.skipped},
                {"seconds", results.seconds},
                {"sessions", results.sessions},
                {"sessions_per_s", PerSecond(results.sessions, results.seconds)},
                {"frames_received", results.frames_received},
                {"frames_per_s", PerSecond(results.frames_received, results.seconds)},
                {"bytes_received", results.bytes_received},
                {"bytes_per_s", PerSecond(results.bytes_received, results.seconds)},
                {"frames_sent", results.frames_sent},
                {"bytes_sent", results.bytes_sent}}}};
  if (results.audit_checked) {
    out["audit"] = {{"passed", results.audit_failure.empty()}};
    if (!results.audit_failure.empty()) out["audit"]["failure"] = results.audit_failure;
  }
  return out;
}

}  // namespace tether::sim
