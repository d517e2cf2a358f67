// Recording a session's terminal (PROTOCOL.md "Recordings"): from the activation to the
// end, copies of the agent's channel-1 output and the controller's resizes go to the
// Recorder's writer thread. The loop never touches the file.
#include "broker.h"
#include "connection.h"
#include "core/log.h"
#include "handlers/handlers.h"
#include "sessions/session_service.h"

namespace tether::broker {

using protocol::Status;
using protocol::Value;

void SessionService::StartRecording(Session& session) {
  if (!session.recorded || session.recording) return;
  session.recording = true;
  session.recording_hold = broker_.NextConnectionId();  // never a live connection's id
  AsciicastHeader header;
  header.cols = session.cols;
  header.rows = session.rows;
  header.start_ms = session.started_at;
  header.title = "Tether session " + session.id + " (" + (session.attended ? session.agent_name : session.device_id) +
                 ", controller " + session.controller.email + ")";
  broker_.recorder().Open(session.id, session.org_id, header);
}

void SessionService::RecordOutput(Session& session, Connection& agent, std::span<const std::uint8_t> terminal_output) {
  if (!session.recording) return;
  // Over the recording's budget: the agent waits for the writer, as for a slow receiver.
  if (broker_.recorder().Output(session.id, broker_.clock().NowMs(), terminal_output)) {
    ++broker_.metrics().recording_pauses;
    relay_.HoldFor(session.recording_hold, agent);
  }
}

void SessionService::RecordResize(Session& session, std::uint32_t cols, std::uint32_t rows) {
  session.cols = cols;
  session.rows = rows;
  if (session.recording) broker_.recorder().Resize(session.id, broker_.clock().NowMs(), cols, rows);
}

void SessionService::StopRecording(Session& session, std::function<void()> closed) {
  if (!session.recording) return;
  session.recording = false;
  broker_.recorder().Close(session.id, broker_.clock().NowMs(), std::move(closed));
  relay_.Release(session.recording_hold);  // nothing more is recorded: the agent goes on
}

void SessionService::OnRecordingDrained(const std::string& session_id) {
  if (Session* session = registry_.Find(session_id)) relay_.Release(session->recording_hold);
}

void SessionService::OnRecordingFailed(const std::string& session_id, std::int64_t org_id, const std::string& error) {
  Log(LogLevel::kError, "recording_failed", {{"session", session_id}, {"error", error}});
  ++broker_.metrics().recording_failures;
  if (Session* session = registry_.Find(session_id); session != nullptr && session->recording) {
    session->recording = false;  // the writer discards the rest; the session goes on
    broker_.recorder().Close(session_id, broker_.clock().NowMs());
    relay_.Release(session->recording_hold);
  }
  storage::AuditEvent event;
  event.chain = org_id;
  event.time = broker_.clock().NowMs();
  event.action = "recording.failed";
  event.outcome = kOutcomeFailed;
  event.session_id = session_id;
  event.target = session_id;
  event.actor_kind = "system";
  event.actor_id = "tether-broker";
  event.details = Value::MapOf({{"error", error}});
  broker_.audit().Record(std::move(event), [](Status) {});
}

}  // namespace tether::broker
