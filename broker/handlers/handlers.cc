// The one dispatch table, and the audit-then-confirm step every handler shares.
#include "handlers/handlers.h"

#include <array>

#include "broker.h"

namespace tether::broker {
namespace {

constexpr std::array kHandlers = {
    HandlerEntry{"hello", &HandleHello, false},
    HandlerEntry{"auth.logout", &HandleLogout, false},
    HandlerEntry{"org.get", &HandleOrgGet, false},
    HandlerEntry{"org.update", &HandleOrgUpdate, false},
    HandlerEntry{"test.clock.advance", &HandleTestClockAdvance, true},
};

}  // namespace

const HandlerEntry* FindHandler(std::string_view type) {
  for (const HandlerEntry& entry : kHandlers) {
    if (entry.type == type) return &entry;
  }
  return nullptr;
}

void ConfirmAfterAudit(ConnectionRef ref, std::uint64_t re, storage::AuditEvent event,
                       std::function<void(Connection&)> confirm) {
  ref.broker->audit().Record(std::move(event), [ref, re, confirm = std::move(confirm)](
                                                   protocol::Status status) {
    Connection* connection = ref.Get();
    if (connection == nullptr) return;
    if (!status.ok()) {
      connection->ReplyError(re, protocol::Status::Internal("the audit log could not be written"));
      return;
    }
    confirm(*connection);
  });
}

}  // namespace tether::broker
