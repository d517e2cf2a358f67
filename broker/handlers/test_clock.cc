// test.clock.advance {"ms"}: moves the injected clock forward. Exists only under
// --test-clock (the dispatcher hides it otherwise), which main refuses off loopback.
#include "broker.h"
#include "handlers/handlers.h"

namespace tether::broker {

void HandleTestClockAdvance(Request& request) {
  Connection& connection = request.connection;
  auto ms = protocol::RequireUint(request.message.body, "ms");
  if (!ms.ok()) return connection.ReplyError(request.id, ms.status());
  if (*ms > 10ull * 365 * 24 * 3600 * 1000) {
    return connection.ReplyError(request.id, protocol::Status::BadRequest("field 'ms' is over ten years"));
  }
  TestClock* clock = connection.broker().test_clock();
  clock->Advance(static_cast<std::int64_t>(*ms));
  storage::AuditEvent event = connection.NewAuditEvent(audit_action::kTestClockAdvance, kOutcomeOk);
  event.details = protocol::Value::MapOf({{"ms", *ms}});
  ConfirmAfterAudit(connection.ref(), request.id, std::move(event), [re = request.id, clock](Connection& c) {
    c.Reply(re, protocol::Value::MapOf({{"now", static_cast<std::uint64_t>(clock->NowMs())}}));
  });
}

}  // namespace tether::broker
