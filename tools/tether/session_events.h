// Session events as the controller sees them (PROTOCOL.md §5.3), turned into what the
// `tether` commands print and do — pure functions over Values, so the wording, the
// exit status and the handling of odd or foreign events are tested without a broker.
//
// Thread-safety: plain functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "tether/protocol/value.h"

namespace tether::tools::cli {

using protocol::Value;

// What one event means for the session a command follows.
struct SessionUpdate {
  enum class Kind {
    kIgnored,            // another session's event, an unknown event, or a malformed one
    kConsent,            // session.state consent: the agent is asking its user
    kWaiting,            // session.state waiting (or another state we just report)
    kActive,             // session.state active
    kEnded,              // session.ended
    kNotice,             // worth a line on stderr: participants, hand-over, dropped frames
  };
  Kind kind = Kind::kIgnored;
  std::string reason;  // kEnded: the wire reason ("agent_left")
  int exit_status = 0;  // kEnded: what `tether` exits with (ExitStatusForEnd)
  std::string text;     // kNotice and kEnded: one line for people, without a newline
  bool recorded = false;  // session.state: the session's terminal is recorded
};

// Interprets one control message received on the connection.
SessionUpdate InterpretSessionEvent(const Value& message, std::string_view session_id);

// The key as the customer reads it: "123456789" → "123 456 789" (other lengths as given).
std::string GroupKey(std::string_view key);

// A reason of session.ended in words, e.g. "the customer declined".
std::string EndReasonText(std::string_view reason);

// The exit status of an interactive session (like ssh): the remote shell's status when
// session.ended carries one (`exit_status`, an extension the broker may add), else 0 when
// the session ended normally (agent_left, controller_ended) and 1 otherwise.
int ExitStatusForEnd(const Value& ended_event);

// A user map's name, then email, then id; "someone" when there is none.
std::string UserLabel(const Value* user);

}  // namespace tether::tools::cli
