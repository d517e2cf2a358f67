// Metrics: counters of the broker, rendered in the Prometheus text format at /metrics.
//
// Thread-safety: loop thread only (the storage counters are read through their own lock).
#pragma once

#include <cstdint>
#include <string>

namespace tether::broker {

struct Metrics {
  std::uint64_t connections_open = 0;
  std::uint64_t connections_total = 0;
  std::uint64_t connections_refused = 0;  // handshakes answered 4xx/5xx
  std::uint64_t messages_in = 0;
  std::uint64_t messages_out = 0;
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
  std::uint64_t batches_out = 0;  // batch messages written (PROTOCOL.md §2.4)
  std::uint64_t logins_ok = 0;
  std::uint64_t logins_failed = 0;
  std::uint64_t logins_rate_limited = 0;
  std::uint64_t bad_requests = 0;
  std::uint64_t audit_commits = 0;  // copied from the storage thread when rendered
  std::uint64_t audit_events = 0;
  std::uint64_t recording_pauses = 0;   // agents paused because their recording's writer fell behind
  std::uint64_t recording_failures = 0; // recordings that could not be created or written
  std::uint64_t heap_trims = 0;          // copied from HeapTrimmer when rendered: trims done
  std::uint64_t heap_trim_pause_us = 0;  // how long the last of them held the loop
  // Gauges computed when rendered.
  std::uint64_t queued_bytes = 0;        // output queued for all connections
  std::uint64_t queued_bytes_max = 0;    // the fullest connection's queue
  std::uint64_t paused_senders = 0;      // connections not read because a receiver is full
  std::uint64_t sessions_live = 0;
  // The allocator's view of the heap: what is allocated now, and what it holds from the
  // OS (allocated or free). RSS alone cannot tell a leak from freed memory kept resident.
  std::uint64_t heap_in_use_bytes = 0;
  std::uint64_t heap_held_bytes = 0;
};

// Fills the two heap gauges from the C library's allocator statistics.
void ReadHeapUsage(Metrics& metrics);

std::string RenderPrometheus(const Metrics& metrics);

}  // namespace tether::broker
