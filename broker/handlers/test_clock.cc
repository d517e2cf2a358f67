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
  // The move happens once its event is durable, so that what it sets off (an expiry, a
  // deadline) is recorded after it; the event carries the time it moves to.
  const auto delta = static_cast<std::int64_t>(*ms);
  storage::AuditEvent event = connection.NewAuditEvent(audit_action::kTestClockAdvance, kOutcomeOk);
  event.time += delta;
  event.details = protocol::Value::MapOf({{"ms", *ms}});
  ConfirmAfterAudit(connection.ref(), request.id, std::move(event), [re = request.id, clock, delta](Connection& c) {
    clock->Advance(delta);
    c.Reply(re, protocol::Value::MapOf({{"now", static_cast<std::uint64_t>(clock->NowMs())}}));
  });
}

}  // namespace tether::broker
