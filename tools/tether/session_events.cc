// Interpreting session events (session_events.h).
#include "tether/session_events.h"

#include "tether/sanitise.h"

namespace tether::tools::cli {
namespace {

const std::string* StringField(const Value& map, std::string_view key) {
  const Value* field = map.Find(key);
  return field != nullptr && field->is_string() ? &field->as_string() : nullptr;
}

SessionUpdate Notice(std::string text) {
  SessionUpdate update;
  update.kind = SessionUpdate::Kind::kNotice;
  update.text = std::move(text);
  return update;
}

SessionUpdate FromState(const std::string& state) {
  SessionUpdate update;
  if (state == "active") {
    update.kind = SessionUpdate::Kind::kActive;
  } else if (state == "consent") {
    update.kind = SessionUpdate::Kind::kConsent;
  } else if (state == "ended") {
    // session.ended carries the reason; the state change alone changes nothing.
    update.kind = SessionUpdate::Kind::kIgnored;
  } else {
    update.kind = SessionUpdate::Kind::kWaiting;
    update.text = "session state: " + Sanitise(state);
  }
  return update;
}

}  // namespace

SessionUpdate InterpretSessionEvent(const Value& message, std::string_view session_id) {
  const std::string* type = StringField(message, "t");
  const std::string* event = StringField(message, "event");
  const std::string* session = StringField(message, "session_id");
  if (type == nullptr || *type != "event" || event == nullptr || session == nullptr || *session != session_id) {
    return {};
  }
  if (*event == "session.state") {
    const std::string* state = StringField(message, "state");
    if (state == nullptr) return {};
    SessionUpdate update = FromState(*state);
    const Value* recorded = message.Find("recorded");
    update.recorded = recorded != nullptr && recorded->is_bool() && recorded->as_bool();
    return update;
  }
  if (*event == "session.ended") {
    const std::string* reason = StringField(message, "reason");
    SessionUpdate update;
    update.kind = SessionUpdate::Kind::kEnded;
    update.reason = reason != nullptr ? Sanitise(*reason) : "unknown";
    update.exit_status = ExitStatusForEnd(message);
    update.text = EndReasonText(update.reason);
    return update;
  }
  const std::string* mode = StringField(message, "mode");
  std::string how = mode != nullptr && *mode == "view" ? " (view only)" : "";
  if (*event == "participant.joined") return Notice(UserLabel(message.Find("user")) + " joined" + how);
  if (*event == "participant.left") return Notice(UserLabel(message.Find("user")) + " left" + how);
  if (*event == "session.control") {
    return Notice(UserLabel(message.Find("controller")) + " now controls the session");
  }
  if (*event == "frames.dropped") {
    const Value* count = message.Find("count");
    std::string how_many = count != nullptr && count->is_uint() ? std::to_string(count->as_uint()) : "some";
    return Notice(how_many + " frames were dropped: your connection is too slow");
  }
  return {};
}

std::string GroupKey(std::string_view key) {
  if (key.size() != 9) return std::string(key);
  return std::string(key.substr(0, 3)) + " " + std::string(key.substr(3, 3)) + " " + std::string(key.substr(6));
}

std::string EndReasonText(std::string_view reason) {
  if (reason == "controller_ended") return "ended by you";
  if (reason == "controller_left") return "your connection was gone too long";
  if (reason == "agent_left") return "the remote side left";
  if (reason == "consent_denied") return "the user declined (or did not answer)";
  if (reason == "key_expired") return "the key expired before anyone used it";
  if (reason == "revoked") return "access was revoked";
  if (reason == "admin_ended") return "ended by an administrator";
  if (reason == "idle_timeout") return "idle for too long";
  if (reason == "slow_consumer") return "this connection fell too far behind";
  if (reason == "broker_shutdown") return "the broker shut down";
  if (reason == "broker_restart") return "the broker restarted";
  return "ended";
}

int ExitStatusForEnd(const Value& ended_event) {
  const Value* status = ended_event.Find("exit_status");
  if (status != nullptr && status->is_int()) {
    if (status->is_uint()) return status->as_uint() <= 255 ? static_cast<int>(status->as_uint()) : 255;
    return 255;  // a negative status (killed by a signal, on some agents)
  }
  const std::string* reason = StringField(ended_event, "reason");
  if (reason != nullptr && (*reason == "agent_left" || *reason == "controller_ended")) return 0;
  return 1;
}

std::string UserLabel(const Value* user) {
  if (user == nullptr || !user->is_map()) return "someone";
  for (const char* key : {"name", "email", "id"}) {
    const std::string* text = StringField(*user, key);
    if (text != nullptr && !text->empty()) return Sanitise(*text);
  }
  return "someone";
}

}  // namespace tether::tools::cli
