// BrokerClock: the broker's clock as tether-sim knows it. A broker's test clock is the
// system clock plus an offset that only `test.clock.advance` moves, and its answer says
// the broker's now: so ours plus the last offset learnt is the broker's now (a broker
// without --test-clock runs on real time: offset 0). Support access `until`s are written
// relative to it ("30d").
//
// Thread-safety: none; a plain value.
#pragma once

#include <chrono>
#include <cstdint>

namespace tether::sim {

class BrokerClock {
 public:
  std::int64_t NowMs() const { return LocalNowMs() + offset_ms_; }
  // A `now` the broker answered (test.clock.advance).
  void Learn(std::int64_t broker_now_ms) { offset_ms_ = broker_now_ms - LocalNowMs(); }

 private:
  static std::int64_t LocalNowMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  std::int64_t offset_ms_ = 0;
};

}  // namespace tether::sim
