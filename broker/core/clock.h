// Clock: the broker's one source of time, injectable so that tests of expiry (tokens,
// invitations, keys, support access) advance time instead of sleeping.
//
// Thread-safety: NowMs may be called from any thread; Advance only from the loop.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace tether::broker {

class Clock {
 public:
  virtual ~Clock() = default;
  // Milliseconds since the Unix epoch (PROTOCOL.md: times are epoch milliseconds).
  virtual std::int64_t NowMs() const = 0;
};

class SystemClock final : public Clock {
 public:
  std::int64_t NowMs() const override {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  }
};

// The wall clock plus an offset that only ever grows: `--test-clock` and the request
// `test.clock.advance` move it forward, so an end-to-end test can expire a token now.
class TestClock final : public Clock {
 public:
  std::int64_t NowMs() const override { return system_.NowMs() + offset_ms_.load(); }
  void Advance(std::int64_t ms) { offset_ms_.fetch_add(ms); }

 private:
  SystemClock system_;
  std::atomic<std::int64_t> offset_ms_{0};
};

}  // namespace tether::broker
