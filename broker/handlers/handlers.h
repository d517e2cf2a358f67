// Request handlers: one small function per request type, found through one table
// (handlers.cc). Each validates its fields, asks policy, does its work through the
// storage thread, records its audit event and only then answers.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

#include "connection.h"
#include "tether/protocol/codec.h"

namespace tether::broker {

struct Request {
  Connection& connection;
  protocol::ControlMessage message;
  std::uint64_t id;  // every request has one; the dispatcher refuses those without
};

using Handler = void (*)(Request& request);

struct HandlerEntry {
  std::string_view type;
  Handler handler;
  bool test_only;  // exists only under --test-clock
};

// nullptr for an unknown type.
const HandlerEntry* FindHandler(std::string_view type);

// The handlers (each in its own file).
void HandleHello(Request& request);
void HandleLogout(Request& request);
void HandleOrgGet(Request& request);
void HandleOrgUpdate(Request& request);
void HandleTestClockAdvance(Request& request);

// Records `event`; once it is durable runs `confirm` on the connection if it is still
// there. If the audit write fails, answers `internal` to request `re` instead: an
// action whose audit event is not durable is never confirmed.
void ConfirmAfterAudit(ConnectionRef ref, std::uint64_t re, storage::AuditEvent event,
                       std::function<void(Connection&)> confirm);

}  // namespace tether::broker
