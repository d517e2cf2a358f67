// Forwards to the storage thread and logs a failure loudly: a lost audit event is an
// incident, not a warning.
#include "audit/audit_log.h"

#include "core/log.h"

namespace tether::broker {

void AuditLog::Record(storage::AuditEvent event, std::function<void(protocol::Status)> then) {
  std::string action = event.action;
  storage_.AppendAudit(std::move(event), [then = std::move(then), action](
                                             protocol::Result<storage::AuditEvent> stored) {
    if (!stored.ok()) {
      Log(LogLevel::kError, "audit_write_failed",
          {{"action", action}, {"error", stored.status().ToString()}});
    }
    then(stored.status());
  });
}

}  // namespace tether::broker
