// HeapTrimmer: hands heap memory that connections freed back to the system, after bursts
// of connections opening and closing.
//
// Why: connections that leave (and TLS handshakes) free memory between allocations that
// stay live, and glibc keeps such freed pages resident: 3,000 wss:// agents connecting and
// leaving left the broker 78 MiB over its empty size, and churn made a soak's RSS creep
// towards everything the allocator ever held (docs/BENCHMARKS.md "Idle agents",
// bench/soak/README.md). malloc_trim(0) returns those pages, but it walks
// every arena under its lock, so it runs here from the loop's periodic sweep, only once
// enough connections came or went since the last trim, and never more than a small share
// of the loop's time: after a trim that took d, the next waits at least d × kPauseFactor.
//
// Thread-safety: loop thread only.
#pragma once

#include <cstdint>
#include <functional>

namespace tether::broker {

class HeapTrimmer {
 public:
  struct Limits {
    std::uint64_t min_churn = 64;          // connections opened or closed since the last trim
    std::int64_t min_interval_us = 1'000'000;
    std::int64_t pause_factor = 100;       // a trim of d waits d × this for the next: ≤ 1% of the loop
  };
  // `trim` returns memory to the system (malloc_trim in the broker); `now_us` is a
  // monotonic clock in microseconds. Both are injectable for tests.
  HeapTrimmer(Limits limits, std::function<void()> trim, std::function<std::int64_t()> now_us);
  // The broker's: malloc_trim(0) and the steady clock.
  HeapTrimmer();

  // A connection opened or closed: its handshake's (or its own) memory was freed.
  void NoteChurn() { ++churn_; }

  // From the sweep: trims when due. True when it trimmed.
  bool MaybeTrim();

  std::uint64_t trims() const { return trims_; }
  std::int64_t last_pause_us() const { return last_pause_us_; }

 private:
  Limits limits_;
  std::function<void()> trim_;
  std::function<std::int64_t()> now_us_;
  std::uint64_t churn_ = 0;
  std::uint64_t trims_ = 0;
  std::int64_t next_allowed_us_ = 0;
  std::int64_t last_pause_us_ = 0;
};

}  // namespace tether::broker
