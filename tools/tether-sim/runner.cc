#include "runner.h"

#include <algorithm>

namespace tether::sim {

double Percentile(std::vector<double>& values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  auto rank = static_cast<std::size_t>(p / 100.0 * static_cast<double>(values.size() - 1) + 0.5);
  return values[std::min(rank, values.size() - 1)];
}

Runner::Runner(const Scenario& scenario, const OrgContext& org, RunOptions options)
    : scenario_(scenario), org_(org), options_(std::move(options)), clock_(org.clock) {
  uv_loop_init(&loop_);
}

Runner::~Runner() {
  live_.clear();
  context_.reset();
  reap_timer_.Close();
  progress_timer_.Close();
  uv_run(&loop_, UV_RUN_DEFAULT);  // lws's second destroy stage, closing handles
  uv_loop_close(&loop_);
}

protocol::Status Runner::Run() {
  client::ClientContextOptions context_options;
  // Many connections: a smaller receive buffer each (frames are reassembled anyway).
  context_options.rx_buffer_bytes = 16 * 1024;
  // Twice the connections of C iterations: those of finished iterations are still
  // closing while the next iterations open theirs (lws refuses sockets past the table).
  context_options.max_sockets =
      2 * static_cast<std::size_t>(std::max(1, options_.concurrency)) * (scenario_.actors.size() + 1) + 64;
  auto context = client::ClientContext::Create(&loop_, context_options);
  if (!context.ok()) return context.status();
  context_ = std::move(context).value();
  reap_timer_.Init([this](uv_timer_t* t) { return uv_timer_init(&loop_, t); }, this);
  progress_timer_.Init([this](uv_timer_t* t) { return uv_timer_init(&loop_, t); }, this);
  if (options_.progress) {
    uv_timer_start(
        progress_timer_.get(),
        [](uv_timer_t* timer) {
          auto* self = static_cast<Runner*>(timer->data);
          if (self) self->options_.progress(self->results_, static_cast<int>(self->live_.size()));
        },
        500, 500);
  }
  began_ = std::chrono::steady_clock::now();
  StartMore();
  while (ended_ < options_.repeat || !live_.empty()) {
    uv_run(&loop_, UV_RUN_ONCE);
  }
  results_.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began_).count();
  uv_timer_stop(progress_timer_.get());
  if (options_.progress) options_.progress(results_, 0);
  return {};
}

void Runner::StartMore() {
  while (started_ < options_.repeat && started_ - ended_ < options_.concurrency) {
    live_.push_back(std::make_unique<Iteration>(*this, ++started_));
    live_.back()->Start();
  }
}

void Runner::Record(StepRecord record) {
  if (record.verdict == Verdict::kSkipped) {
    ++results_.skipped;
  } else {
    ++results_.steps;
    StepTypeStats& stats = results_.by_type[StepName(record.kind)];
    ++stats.count;
    stats.latencies_ms.push_back(record.ms);
    if (record.verdict == Verdict::kFailed) {
      ++stats.errors;
      ++results_.failures;
    }
  }
  // With repeats, keep the failures (the first hundred) rather than millions of passes.
  bool keep = options_.repeat == 1 || (record.verdict == Verdict::kFailed && results_.failures <= 100);
  if (keep) results_.records.push_back(std::move(record));
}

void Runner::IterationEnding(Iteration&, bool failed) {
  ++ended_;
  ++results_.iterations_done;
  if (failed) ++results_.iterations_failed;
  StartMore();
}

void Runner::IterationClosed(Iteration&) {
  // Destroyed from the loop, not from inside the callback of its last connection.
  if (reap_due_) return;
  reap_due_ = true;
  uv_timer_start(
      reap_timer_.get(),
      [](uv_timer_t* timer) {
        if (timer->data) static_cast<Runner*>(timer->data)->Reap();
      },
      0, 0);
}

void Runner::Reap() {
  reap_due_ = false;
  std::erase_if(live_, [](const std::unique_ptr<Iteration>& it) { return it->closed(); });
}

}  // namespace tether::sim
