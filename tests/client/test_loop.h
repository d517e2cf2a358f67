// TestLoop: a uv loop for tests that drive a Connection directly. RunUntil runs it until
// a condition holds or a timeout passes — tests wait on events, never sleep.
#pragma once

#include <gtest/gtest.h>
#include <uv.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>

namespace tether::client::testing {

class TestLoop {
 public:
  TestLoop() {
    uv_loop_init(&loop_);
    uv_timer_init(&loop_, &timer_);
  }
  // Whatever ran on the loop (ClientContext included) must be destroyed first; the loop
  // is then run dry, so lws's second destroy stage happens, and closed.
  ~TestLoop() {
    uv_close(reinterpret_cast<uv_handle_t*>(&timer_), nullptr);
    uv_run(&loop_, UV_RUN_DEFAULT);
    EXPECT_EQ(uv_loop_close(&loop_), 0) << "a handle outlived the test";
  }
  uv_loop_t* get() { return &loop_; }

  // `done` is re-checked at least every 5 ms, so it may also watch another thread.
  bool RunUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
      auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      auto wait = std::min<std::int64_t>(left.count(), 5);
      uv_timer_start(&timer_, [](uv_timer_t*) {}, static_cast<uint64_t>(wait), 0);
      uv_run(&loop_, UV_RUN_ONCE);
    }
    uv_timer_stop(&timer_);
    return done();
  }

 private:
  uv_loop_t loop_;
  uv_timer_t timer_;
};

}  // namespace tether::client::testing
