// Prometheus text exposition format 0.0.4: HELP, TYPE, then the sample.
#include "http/metrics.h"

#include <malloc.h>

namespace tether::broker {
namespace {

void Append(std::string& out, const char* name, const char* type, const char* help,
            std::uint64_t value) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
  out.append(name).append(" ").append(std::to_string(value)).append("\n");
}

}  // namespace

std::string RenderPrometheus(const Metrics& m) {
  std::string out;
  Append(out, "tether_connections_open", "gauge", "WebSocket connections open now.", m.connections_open);
  Append(out, "tether_connections_total", "counter", "WebSocket connections accepted.", m.connections_total);
  Append(out, "tether_connections_refused_total", "counter", "Handshakes refused with an HTTP error.",
         m.connections_refused);
  Append(out, "tether_messages_in_total", "counter", "WebSocket messages received.", m.messages_in);
  Append(out, "tether_messages_out_total", "counter", "WebSocket messages queued for sending.", m.messages_out);
  Append(out, "tether_bytes_in_total", "counter", "Bytes of WebSocket messages received.", m.bytes_in);
  Append(out, "tether_bytes_out_total", "counter", "Bytes of WebSocket messages queued.", m.bytes_out);
  Append(out, "tether_batches_out_total", "counter",
         "Batch messages written, each packing several data frames (PROTOCOL.md 2.4).", m.batches_out);
  Append(out, "tether_logins_ok_total", "counter", "Successful hellos.", m.logins_ok);
  Append(out, "tether_logins_failed_total", "counter", "Failed hellos.", m.logins_failed);
  Append(out, "tether_logins_rate_limited_total", "counter", "Hellos refused by a rate limit.",
         m.logins_rate_limited);
  Append(out, "tether_bad_requests_total", "counter", "Messages answered bad_request.", m.bad_requests);
  Append(out, "tether_audit_commits_total", "counter", "Audit group commits.", m.audit_commits);
  Append(out, "tether_audit_events_total", "counter", "Audit events committed by group commit (an admin request commits its event with its change).", m.audit_events);
  Append(out, "tether_recording_pauses_total", "counter",
         "Times an agent was paused because its session's recording fell behind.", m.recording_pauses);
  Append(out, "tether_recording_failures_total", "counter", "Recordings that could not be created or written.",
         m.recording_failures);
  Append(out, "tether_heap_trims_total", "counter",
         "Times the heap freed by connections opening and closing was returned to the system.", m.heap_trims);
  Append(out, "tether_heap_trim_last_pause_microseconds", "gauge", "How long the last heap trim held the event loop.",
         m.heap_trim_pause_us);
  Append(out, "tether_output_queued_bytes", "gauge", "Bytes queued for all connections.", m.queued_bytes);
  Append(out, "tether_output_queued_bytes_max", "gauge", "Bytes queued for the fullest connection.",
         m.queued_bytes_max);
  Append(out, "tether_relay_paused_senders", "gauge", "Connections not read until a receiver drains.",
         m.paused_senders);
  Append(out, "tether_sessions_live", "gauge", "Sessions not yet ended.", m.sessions_live);
  Append(out, "tether_heap_in_use_bytes", "gauge", "Heap bytes allocated now (malloc statistics).",
         m.heap_in_use_bytes);
  Append(out, "tether_heap_held_bytes", "gauge",
         "Heap bytes the allocator holds from the OS, allocated or free (malloc statistics).",
         m.heap_held_bytes);
  return out;
}

void ReadHeapUsage(Metrics& metrics) {
  // mallinfo2 sums every arena; hblkhd is what large allocations hold in their own mmaps.
  const struct mallinfo2 info = mallinfo2();
  metrics.heap_in_use_bytes = info.uordblks + info.hblkhd;
  metrics.heap_held_bytes = info.arena + info.hblkhd;
}

}  // namespace tether::broker
