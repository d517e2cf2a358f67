// Why the broker closed a connection: an enum that logs and metrics show, mapped to the
// WebSocket close code of PROTOCOL.md "Errors and closes".
#pragma once

#include <cstdint>
#include <string_view>

namespace tether::broker {

enum class CloseReason {
  kShutdown,         // 1001 broker shutting down
  kTextMessage,      // 1003 every message must be binary
  kMessageTooBig,    // 1009 over the message-size limit
  kUnauthenticated,  // 4401 bad credentials, no hello first, logout
  kRevoked,          // 4403 user removed or disabled, access revoked, device deleted
  kHelloTimeout,     // 4408 no hello in time
  kRateLimited,      // 4429 too many failed logins or key guesses
  kTooManyPending,   // 1008 pipelined too much before hello completed
  kReplaced,         // 4409 the same device connected again (extension)
};

// On the wire: never renumber.
constexpr std::uint16_t CloseCode(CloseReason reason) {
  switch (reason) {
    case CloseReason::kShutdown: return 1001;
    case CloseReason::kTextMessage: return 1003;
    case CloseReason::kMessageTooBig: return 1009;
    case CloseReason::kUnauthenticated: return 4401;
    case CloseReason::kRevoked: return 4403;
    case CloseReason::kHelloTimeout: return 4408;
    case CloseReason::kRateLimited: return 4429;
    case CloseReason::kTooManyPending: return 1008;
    case CloseReason::kReplaced: return 4409;
  }
  return 1011;
}

constexpr std::string_view CloseReasonName(CloseReason reason) {
  switch (reason) {
    case CloseReason::kShutdown: return "shutdown";
    case CloseReason::kTextMessage: return "text_message";
    case CloseReason::kMessageTooBig: return "message_too_big";
    case CloseReason::kUnauthenticated: return "unauthenticated";
    case CloseReason::kRevoked: return "revoked";
    case CloseReason::kHelloTimeout: return "hello_timeout";
    case CloseReason::kRateLimited: return "rate_limited";
    case CloseReason::kTooManyPending: return "too_many_pending";
    case CloseReason::kReplaced: return "replaced";
  }
  return "unknown";
}

}  // namespace tether::broker
