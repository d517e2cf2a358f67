// What a run found: one record per step executed (or left undone), and the measurements
// the load report prints. Filled on the loop's thread, read after the loop stopped.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "scenario.h"

namespace tether::sim {

enum class Verdict { kPassed, kFailed, kSkipped };

struct StepRecord {
  int iteration = 0;
  std::string actor;
  std::size_t index = 0;  // 1-based position in the actor's steps
  int line = 0;
  StepKind kind = StepKind::kLogin;
  Verdict verdict = Verdict::kPassed;
  double ms = 0;
  std::string expected;  // failures: what the step waited for
  std::string got;       // failures: what came instead
};

struct StepTypeStats {
  std::uint64_t count = 0;
  std::uint64_t errors = 0;
  std::vector<double> latencies_ms;
};

struct RunResults {
  std::vector<StepRecord> records;  // every step when repeat is 1, else failures only
  std::map<std::string, StepTypeStats> by_type;  // by step name
  std::uint64_t steps = 0, failures = 0, skipped = 0;
  int iterations_done = 0, iterations_failed = 0;
  std::uint64_t sessions = 0;  // sessions created (create_session, connect)
  std::uint64_t frames_received = 0, bytes_received = 0;  // data frames reaching actors
  std::uint64_t frames_sent = 0, bytes_sent = 0;          // data frames actors sent
  double seconds = 0;
  // Audit actor ids by scenario name (users, devices, customers), for the audit check.
  std::map<std::string, std::set<std::string>> audit_ids;
  // The final audit expectation: "" when it held (or there was none).
  std::string audit_failure;
  bool audit_checked = false;

  bool passed() const { return failures == 0 && audit_failure.empty(); }
};

// The p-th percentile (0..100) of `values` (sorted in place); 0 when empty.
double Percentile(std::vector<double>& values, double p);

}  // namespace tether::sim
