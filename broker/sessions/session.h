// Session: one live remote-support session as the broker holds it (PROTOCOL.md
// "Sessions"): who controls it, which connection is its agent, who watches, and the
// times its timers are measured from. Plain data on the loop thread; transitions live
// in SessionService.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tether/storage/store.h"

namespace tether::broker {

// On the wire (by name): never rename.
enum class SessionState { kScheduled, kWaiting, kConsent, kActive, kEnded };
enum class EndReason {
  kControllerEnded,
  kControllerLeft,
  kAgentLeft,
  kConsentDenied,
  kKeyExpired,
  kRevoked,
  kAdminEnded,
  kIdleTimeout,
  kSlowConsumer,
  kBrokerShutdown,
  kBrokerRestart,
};
enum class ParticipantMode { kControl, kView };

std::string_view WireName(SessionState state);
std::string_view WireName(EndReason reason);
std::string_view WireName(ParticipantMode mode);

struct Viewer {
  std::int64_t user_id = 0;
  std::uint64_t connection_id = 0;
  storage::User user;                // for announcements and participant lists
  bool announced = true;             // whether its joining was announced (so is its leaving)
  std::uint64_t dropped_frames = 0;  // since the last frames.dropped notice
  std::uint64_t dropped_bytes = 0;   // in total: past the slow-consumer limit it is removed
};

struct Session {
  std::string id;
  std::int64_t org_id = 0;
  bool attended = true;
  SessionState state = SessionState::kWaiting;
  bool recorded = false;  // the organisation's `recording` preference when it was created (or started)
  bool consent_required = true;

  storage::User controller;             // who controls it (their user record at start)
  std::uint64_t controller_conn = 0;    // 0 while the controller is disconnected (grace)
  std::int64_t controller_gone_at = 0;  // when it disconnected; 0 while connected

  std::uint64_t agent_conn = 0;     // 0 until the agent joins, or while it is away
  std::int64_t agent_gone_at = 0;   // unattended: when the device dropped; 0 otherwise
  std::string device_id;            // unattended
  std::int64_t device_group = 0;    // unattended: for scope checks
  std::string device_department;    // unattended: its group's department, for scope checks
  std::string agent_name;           // attended: the name the customer gave
  std::string title;                // scheduled sessions
  std::int64_t scheduled_at = 0;    // scheduled sessions: not before

  std::string key;             // attended, while waiting: the 9-digit key
  std::int64_t key_expires_at = 0;
  std::int64_t consent_asked_at = 0;
  std::int64_t created_at = 0;
  std::int64_t started_at = 0;
  std::int64_t last_activity = 0;  // last data frame, for the idle timeout

  // The recording (Recorder): open from the activation to the end. Its id, from the
  // connection id space, names it to the Relay when a slow disk pauses the agent.
  bool recording = false;
  std::uint64_t recording_hold = 0;
  std::uint32_t cols = 80, rows = 24;  // the controller's last session.resize (the recording's header)

  std::vector<Viewer> viewers;
  // The output rate the viewers' share depends on (supervision.cc): bytes from the agent in
  // the 100 ms window that started at output_window_start (epoch ms), and whether the last
  // complete window ran faster than viewer_full_rate_bytes a second.
  std::uint64_t output_window_start = 0;
  std::uint64_t output_window_bytes = 0;
  bool output_fast = false;
  // While it is fast: what the viewers may still be sent (hundredths of a byte), earned as
  // a share of what the controller gets.
  std::uint64_t viewer_credit = 0;
  // The last bytes of terminal output (channel 1 from the agent), replayed to a new
  // supervisor so it does not start on a blank screen.
  std::string screen;

  // File transfers announced with file.begin, for file.end's audit event.
  struct Transfer {
    std::string name;
    std::string direction;
    std::uint64_t size = 0;
    std::uint64_t requester_conn = 0;  // the controller's connection that started it
  };
  std::map<std::string, Transfer> transfers;  // by transfer id (32 hex)

  // Whether `user_id` controls the session (any of their connections may transfer files).
  bool ControlledBy(std::int64_t user_id) const { return controller.id == user_id; }

  storage::SessionRecord ToRecord() const;
};

}  // namespace tether::broker
