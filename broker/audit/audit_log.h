// AuditLog: the broker's side of the audit trail (ARCHITECTURE.md "Audit: durable before
// confirmed"). Record hands an event to the storage thread's group commit; `then` runs
// on the loop only after the event is durable, and the caller confirms the action to
// anyone (reply, event, close) only inside `then`.
//
// Thread-safety: loop thread only.
#pragma once

#include <functional>
#include <string>

#include "tether/protocol/status.h"
#include "tether/storage/storage_thread.h"

namespace tether::broker {

// Audit action names: on the wire (audit.query, exports): never rename.
namespace audit_action {
inline constexpr const char* kLogin = "auth.login";
inline constexpr const char* kLogout = "auth.logout";
inline constexpr const char* kOrgUpdate = "org.update";
inline constexpr const char* kTestClockAdvance = "test.clock.advance";
}  // namespace audit_action

inline constexpr const char* kOutcomeOk = "ok";
inline constexpr const char* kOutcomeDenied = "denied";
inline constexpr const char* kOutcomeFailed = "failed";

class AuditLog {
 public:
  explicit AuditLog(storage::StorageThread& storage) : storage_(storage) {}

  // `then` gets ok once the event is committed, or the storage failure (the caller then
  // answers `internal` instead of confirming the action).
  void Record(storage::AuditEvent event, std::function<void(protocol::Status)> then);

 private:
  storage::StorageThread& storage_;
};

}  // namespace tether::broker
