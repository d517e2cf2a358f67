// AgentLoop: a uv loop for agent tests. RunUntil runs it until a condition holds or a
// timeout passes — tests wait on conditions, never sleep. The destructor runs the loop
// dry (hung-up shells are reaped, closing handles freed) and checks nothing leaked.
#pragma once

#include <gtest/gtest.h>
#include <uv.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>

namespace tether::agent::testing {

class AgentLoop {
 public:
  AgentLoop() {
    uv_loop_init(&loop_);
    uv_timer_init(&loop_, &tick_);
  }
  ~AgentLoop() {
    uv_close(reinterpret_cast<uv_handle_t*>(&tick_), nullptr);
    uv_run(&loop_, UV_RUN_DEFAULT);
    EXPECT_EQ(uv_loop_close(&loop_), 0) << "a handle outlived the test";
  }
  AgentLoop(const AgentLoop&) = delete;
  AgentLoop& operator=(const AgentLoop&) = delete;

  uv_loop_t* get() { return &loop_; }

  // `done` is re-checked at least every 5 ms, so it may watch another thread too.
  bool RunUntil(const std::function<bool()>& done,
                std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
      auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      uv_timer_start(&tick_, [](uv_timer_t*) {}, static_cast<std::uint64_t>(std::min<std::int64_t>(left.count(), 5)), 0);
      uv_run(&loop_, UV_RUN_ONCE);
    }
    uv_timer_stop(&tick_);
    return done();
  }

 private:
  uv_loop_t loop_;
  uv_timer_t tick_;
};

}  // namespace tether::agent::testing
