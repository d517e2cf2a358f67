// Wire names and the stored form of a session.
#include "sessions/session.h"

namespace tether::broker {

std::string_view WireName(SessionState state) {
  switch (state) {
    case SessionState::kScheduled: return "scheduled";
    case SessionState::kWaiting: return "waiting";
    case SessionState::kConsent: return "consent";
    case SessionState::kActive: return "active";
    case SessionState::kEnded: return "ended";
  }
  return "ended";
}

std::string_view WireName(EndReason reason) {
  switch (reason) {
    case EndReason::kControllerEnded: return "controller_ended";
    case EndReason::kControllerLeft: return "controller_left";
    case EndReason::kAgentLeft: return "agent_left";
    case EndReason::kConsentDenied: return "consent_denied";
    case EndReason::kKeyExpired: return "key_expired";
    case EndReason::kRevoked: return "revoked";
    case EndReason::kAdminEnded: return "admin_ended";
    case EndReason::kIdleTimeout: return "idle_timeout";
    case EndReason::kSlowConsumer: return "slow_consumer";
    case EndReason::kBrokerShutdown: return "broker_shutdown";
    case EndReason::kBrokerRestart: return "broker_restart";
  }
  return "controller_ended";
}

std::string_view WireName(ParticipantMode mode) { return mode == ParticipantMode::kControl ? "control" : "view"; }

storage::SessionRecord Session::ToRecord() const {
  storage::SessionRecord record;
  record.id = id;
  record.org_id = org_id;
  record.mode = attended ? "attended" : "unattended";
  record.state = std::string(WireName(state));
  record.controller_id = controller.id;
  record.device_id = device_id;
  record.agent_name = agent_name;
  record.title = title;
  record.scheduled_at = scheduled_at;
  record.created_at = created_at;
  record.started_at = started_at;
  record.recorded = recorded;
  return record;
}

}  // namespace tether::broker
