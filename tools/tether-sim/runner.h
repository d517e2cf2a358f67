// Runner: runs a scenario's iterations on one uv loop — `repeat` of them, at most
// `concurrency` at a time — and gathers the results. Every actor of every iteration is a
// Connection on the same loop and ClientContext, so one process drives thousands.
//
// Thread-safety: none; Run() runs the loop on the caller's thread until all is done.
#pragma once

#include <uv.h>

#include <chrono>
#include <functional>
#include <memory>
#include <vector>

#include "iteration.h"
#include "results.h"
#include "tether/client/client_context.h"
#include "tether/uv_handle.h"

namespace tether::sim {

struct RunOptions {
  int repeat = 1;
  int concurrency = 1;
  // Called about twice a second while running (the progress line), and once at the end.
  std::function<void(const RunResults&, int in_flight)> progress;
};

class Runner {
 public:
  Runner(const Scenario& scenario, const OrgContext& org, RunOptions options);
  ~Runner();
  Runner(const Runner&) = delete;
  Runner& operator=(const Runner&) = delete;

  protocol::Status Run();
  RunResults& results() { return results_; }

  const Scenario& scenario() const { return scenario_; }
  const OrgContext& org() const { return org_; }
  client::ClientContext& client_context() { return *context_; }
  int repeat() const { return options_.repeat; }
  // The broker's clock: learnt at set-up, kept up to date by advance_clock (shared by
  // every iteration, as the broker's clock is).
  BrokerClock& broker_clock() { return clock_; }

  void Record(StepRecord record);
  // The iteration's last step is done (or one failed): the next may start.
  void IterationEnding(Iteration& iteration, bool failed);
  // Every connection of the iteration closed: it can go (at the next loop turn).
  void IterationClosed(Iteration& iteration);

 private:
  void StartMore();
  void Reap();

  const Scenario& scenario_;
  const OrgContext& org_;
  RunOptions options_;
  BrokerClock clock_;
  uv_loop_t loop_;
  std::unique_ptr<client::ClientContext> context_;
  std::vector<std::unique_ptr<Iteration>> live_;
  int started_ = 0, ended_ = 0;
  bool reap_due_ = false;
  tools::cli::UvHandle<uv_timer_t> reap_timer_, progress_timer_;
  RunResults results_;
  std::chrono::steady_clock::time_point began_;
};

}  // namespace tether::sim
