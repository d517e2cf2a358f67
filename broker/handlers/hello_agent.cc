// hello for agents: `session_key` (an attended customer's agent joins a waiting session).
// Wrong keys are limited per address (key_guesses_per_address per hour) so that guessing
// a live key is hopeless: see README "Security notes" for the bound.
#include <algorithm>

#include "broker.h"
#include "handlers/handlers.h"
#include "handlers/login.h"
#include "sessions/session_service.h"

namespace tether::broker {

using protocol::ErrorCode;
using protocol::Status;
using protocol::Value;

void HelloWithSessionKey(Request& request, const Value& auth) {
  Connection& c = request.connection;
  Broker& broker = c.broker();
  auto key = protocol::RequireString(auth, "key");
  auto name = protocol::RequireString(auth, "name");
  auto os = protocol::OptionalString(auth, "os");
  auto hostname = protocol::OptionalString(auth, "hostname");
  for (const Status* s : {&key.status(), &name.status(), &os.status(), &hostname.status()}) {
    if (!s->ok()) return c.ReplyError(request.id, Status::BadRequest("auth: " + s->message()));
  }
  if (name->empty() || name->size() > 200) {
    return c.ReplyError(request.id, Status::BadRequest("auth: 'name' must be 1 to 200 bytes"));
  }
  std::int64_t now = broker.clock().NowMs();
  if (broker.key_guesses().IsBlocked(c.peer_address(), now)) {
    storage::AuditEvent event = c.NewAuditEvent(audit_action::kLogin, kOutcomeDenied);
    event.details = Value::MapOf({{"kind", "session_key"}, {"reason", "rate_limited"}});
    return RefuseLogin(c.ref(), request.id, std::move(event),
                       Status(ErrorCode::kRateLimited, "too many wrong session keys; try again later"),
                       CloseReason::kRateLimited, "");
  }
  SessionService& sessions = broker.sessions();
  auto joined = sessions.JoinAttended(*key, c, *name);
  if (!joined.ok()) {
    broker.key_guesses().RecordFailure(c.peer_address(), now);
    storage::AuditEvent event = c.NewAuditEvent(audit_action::kLogin, kOutcomeFailed);
    event.details = Value::MapOf({{"kind", "session_key"}, {"reason", "unknown_key"}});
    return RefuseLogin(c.ref(), request.id, std::move(event), joined.status(), CloseReason::kUnauthenticated, "");
  }
  Session& session = **joined;
  Identity identity;
  identity.kind = Identity::Kind::kAttendedAgent;
  identity.actor.org_id = session.org_id;
  identity.agent_name = *name;
  identity.attended_session_id = session.id;
  identity.agent_info = Value::MapOf({{"hostname", hostname->value_or("")}, {"os", os->value_or("")},
                                      {"uptime_s", 0u}, {"reported_at", static_cast<std::uint64_t>(now)}});
  c.CompleteAuthentication(std::move(identity));
  storage::AuditEvent event = c.NewAuditEvent("session.agent_joined", kOutcomeOk);
  event.details = Value::MapOf({{"name", *name}, {"os", os->value_or("")}});
  std::string session_id = session.id;
  ConfirmAfterAudit(c.ref(), request.id, std::move(event), [re = request.id, session_id](Connection& done) {
    done.Reply(re, Value::MapOf({{"session_id", session_id}}));
    SessionService& service = done.broker().sessions();
    if (Session* live = service.registry().Find(session_id)) service.AskConsent(*live);
  });
}

}  // namespace tether::broker
