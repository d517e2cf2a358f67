// SessionService: the session state machine (PROTOCOL.md "Sessions"). Every transition
// is audited first and announced after the commit (session.state / session.ended /
// participant.joined|left to every participant), and the stored record follows it.
// Timers (key expiry, consent timeout, controller grace, agent return, idle) are
// deadlines checked by Sweep against the injected clock, so a test advances time
// instead of sleeping.
//
// Thread-safety: loop thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "sessions/relay.h"
#include "tether/protocol/data_frame.h"
#include "sessions/session_registry.h"
#include "tether/protocol/status.h"

namespace tether::broker {

class Broker;
class Connection;

struct SessionTimeouts {
  std::int64_t key_life_ms = 10 * 60 * 1000;
  std::int64_t consent_ms = 60 * 1000;
  std::int64_t controller_grace_ms = 30 * 1000;
  std::int64_t agent_return_ms = 30 * 1000;
  std::int64_t idle_ms = 0;  // 0: no idle timeout
};

struct SupervisionLimits {
  std::size_t max_supervisors = 64;
  std::size_t screen_bytes = 64 * 1024;
  std::size_t slow_consumer_bytes = 8 << 20;
  // Output for view participants yields to the controller: a frame is queued for one only
  // while its own queue and the controller's hold at most this many bytes.
  std::size_t viewer_budget_bytes = 256 * 1024;
  // While a session's output runs faster than viewer_full_rate_bytes a second (more than
  // anyone reads as it scrolls), its view participants together get at most
  // viewer_share_percent of the bytes its controller gets.
  std::size_t viewer_full_rate_bytes = 4 << 20;
  std::size_t viewer_share_percent = 10;
};

class SessionService {
 public:
  SessionService(Broker& broker, SessionTimeouts timeouts, std::size_t frame_budget_bytes,
                 SupervisionLimits supervision = {});

  SessionRegistry& registry() { return registry_; }
  Relay& relay() { return relay_; }

  // limit_reached when `user_id` already controls max_sessions_per_user sessions not yet
  // ended (scheduled ones included): session.create, session.connect, session.schedule.
  protocol::Status CheckSessionsPerUser(std::int64_t user_id);
  // session.create: a waiting attended session with a fresh 9-digit key. `recorded`: the
  // organisation's `recording` preference (here and below).
  protocol::Result<Session*> CreateAttended(Connection& controller, bool recorded);
  // session.schedule: a session that starts when its controller opens it at or after `at`.
  Session& Schedule(Connection& controller, std::int64_t at, std::string title, const storage::Device* device);
  // session.start on a scheduled session: attended → waiting with a key (the controller
  // is `controller` from now on); unattended → like session.connect on its device.
  protocol::Status StartScheduled(Session& session, Connection& controller, bool consent_required, bool recorded);
  // At start-up: sessions a crash left open are ended (broker_restart, audited) and
  // scheduled ones are taken back.
  void RecoverAfterRestart();
  // hello session_key: the customer's agent joins; the session asks for consent.
  protocol::Result<Session*> JoinAttended(const std::string& key, Connection& agent, const std::string& name);
  // session.connect: an unattended session on an online device's agent connection.
  protocol::Result<Session*> ConnectUnattended(Connection& controller, Connection& agent,
                                               const storage::Device& device, const std::string& department,
                                               bool consent_required, bool recorded);
  // The agent is connected and authenticated: send it session.request, and either wait
  // for consent or start (unattended sessions that need none).
  void AskConsent(Session& session);
  // session.consent from the agent.
  protocol::Status Consent(Connection& agent, const std::string& session_id, bool accept);
  // session.rejoin: the controller comes back within the grace.
  protocol::Result<Session*> Rejoin(Connection& controller, const std::string& session_id);
  // An enrolled device came (back) online: resume the session waiting for it.
  void DeviceOnline(const std::string& device_id, Connection& agent);

  // Ends the session: audited, stored, announced, forgotten. `extra` fields (e.g. the
  // shell's exit_status) join the session.ended event and the audit details.
  // `by`, when given, is who ended it (an administrator, the agent): the audit event
  // names them instead of the controller.
  void End(Session& session, EndReason reason, std::function<void()> after = nullptr,
           protocol::Value extra = protocol::Value::MakeMap(), const Connection* by = nullptr);
  // The user's account was disabled or removed: sessions they control end (revoked).
  // Scheduled ones stay.
  void EndSessionsControlledBy(std::int64_t user_id);
  // Support access ended: nothing of the support user may outlive it. Every view
  // participation of theirs ends (revoked), and every session they control, scheduled
  // ones too (revoked); `then` runs once all of it is audited and announced — to their
  // own connections too, which the caller closes in `then`.
  void EndEverythingOf(std::int64_t user_id, std::function<void()> then);
  // A participant's connection closed (called from the Connection's destructor).
  void OnConnectionClosed(std::uint64_t connection_id, bool is_agent);
  // A data frame from `sender` (PROTOCOL.md "Data frames").
  // File chunks (channel 2) go to the connection that started their transfer, so `tether
  // put` and `tether get` work from their own connections beside the terminal.
  void OnDataFrame(Connection& sender, const protocol::DataFrameView& frame, const SharedMessage& message);

  // session.supervise: `supervisor` joins in view mode. Checks the cap and that it is not
  // the controller, audits participant.joined, and only once that is durable adds it,
  // announces it (when `announce`) and calls `joined` — which answers the request — before
  // replaying the recent screen. A refusal is returned and nothing happens.
  protocol::Status Supervise(Session& session, Connection& supervisor, bool announce,
                             std::function<void(Session&)> joined);
  // Whether `connection` watches `session` in view mode.
  static bool IsViewer(const Session& session, std::uint64_t connection_id);
  // A view participant tried to act on the session (`input`: "data", "resize" or "file"):
  // refused `view_only` with `message` (to `re`, or unsolicited for a frame) and audited
  // `session.input_refused` with the viewer as the actor.
  void RefuseViewerInput(Session& session, Connection& viewer, std::optional<std::uint64_t> re,
                         const std::string& message, const char* input);
  // A view participant leaves (session.leave), loses access (`revoked`) or lags too far
  // behind (`slow_consumer`: it alone is told session.ended with that reason).
  void RemoveViewer(Session& session, std::uint64_t connection_id, const char* reason,
                    std::function<void()> after = nullptr);
  // session.handover: control goes to a view participant; the former controller stays
  // on as a view participant when `stay`, else leaves. Audited first; once durable the
  // change is made, `done` answers, and everyone gets session.control.
  protocol::Status Handover(Session& session, Connection& controller, std::int64_t to_user, bool stay,
                            std::function<void()> done);
  // A user's role or scope changed: supervisors who may no longer watch are removed.
  void OnIdentityChanged(Connection& connection);
  // {"user","mode"} for the controller and every view participant.
  protocol::Value Participants(const Session& session) const;

  // Checks every deadline against the clock; the broker calls it a few times a second.
  void Sweep();
  // Broker shutdown: ends every session with broker_shutdown; `done` once all are audited.
  void EndAll(EndReason reason, std::function<void()> done);

  // Recording (sessions/session_recording.cc): a recorded session's terminal output and
  // resizes go to the Recorder from its activation to its end. A slow disk pauses the
  // agent like a slow receiver does; a failed file is audited (recording.failed).
  void RecordResize(Session& session, std::uint32_t cols, std::uint32_t rows);
  void OnRecordingDrained(const std::string& session_id);
  void OnRecordingFailed(const std::string& session_id, std::int64_t org_id, const std::string& error);

  // Sends an event to every connected participant (controller, agent, viewers).
  void Broadcast(const Session& session, std::string_view event, const protocol::Value& fields);

 private:
  void SetState(Session& session, SessionState state, const char* action, protocol::Value details);
  void Activate(Session& session);
  void Store(const Session& session);
  // For reports (schema version 6): `user_id` took part in the session in `mode`.
  void StoreParticipant(const Session& session, std::int64_t user_id, ParticipantMode mode);
  storage::AuditEvent Event(const Session& session, std::string action, std::string outcome);
  // `participant.left` of a view participant (details: mode, reason, dropped_bytes).
  storage::AuditEvent ViewerLeftEvent(const Session& session, const Viewer& viewer, const char* reason);

  Broker& broker_;
  // `controller`: the connection that got the frame (null while it is away); view
  // participants get it only while that one's queue is short (supervision.cc).
  void DeliverToViewers(Session& session, const SharedMessage& frame, const Connection* controller);
  // Whether this frame skips every view participant, to leave the time to the controller.
  bool ViewersYield(Session& session, std::size_t frame_bytes, const Connection* controller);
  void StartRecording(Session& session);
  void RecordOutput(Session& session, Connection& agent, std::span<const std::uint8_t> terminal_output);
  // `closed` runs once the file is closed and synced (not at all when not recording).
  void StopRecording(Session& session, std::function<void()> closed);
  void NoticeDrops(Session& session);

  SessionTimeouts timeouts_;
  SupervisionLimits supervision_;
  SessionRegistry registry_;
  Relay relay_;
};

}  // namespace tether::broker
