// Shared login completion and refusal.
#include "handlers/login.h"

#include "broker.h"
#include "core/log.h"
#include "handlers/handlers.h"
#include "handlers/wire.h"
#include "policy/privileges.h"

namespace tether::broker {

using protocol::Value;

void RefuseLogin(ConnectionRef ref, std::uint64_t re, storage::AuditEvent event,
                 const protocol::Status& reply, CloseReason close, const std::string& account_key) {
  Broker& broker = *ref.broker;
  std::int64_t now = broker.clock().NowMs();
  broker.address_failures().RecordFailure(event.source, now);
  if (!account_key.empty()) broker.account_failures().RecordFailure(account_key, now);
  ++(close == CloseReason::kRateLimited ? broker.metrics().logins_rate_limited
                                        : broker.metrics().logins_failed);
  const Value* reason = event.details.Find("reason");
  Log(LogLevel::kInfo, "login_refused",
      {{"peer", event.source}, {"chain", std::to_string(event.chain)},
       {"reason", reason && reason->is_string() ? reason->as_string() : ""}});
  broker.audit().Record(std::move(event), [ref, re, reply, close](protocol::Status) {
    // Refused either way: a failed audit write does not turn a refusal into a success.
    if (Connection* connection = ref.Get()) {
      connection->ReplyError(re, reply);
      connection->Close(close);
    }
  });
}

void CompleteLogin(ConnectionRef ref, std::uint64_t re, const storage::Organization& org,
                   const storage::User& user, std::string token_hash, std::string auth_kind,
                   Value fields) {
  Connection* connection = ref.Get();
  if (connection == nullptr) return;
  Identity identity;
  identity.user = user;
  identity.org_slug = org.slug;
  identity.token_hash = std::move(token_hash);
  identity.actor.user_id = user.id;
  identity.actor.org_id = org.id;
  identity.actor.role_id = user.role_id;
  identity.actor.support_user = user.hidden;
  // Custom roles arrive with the access-model issue; until then only built-ins exist.
  identity.actor.privileges = policy::BuiltinRolePrivileges(user.role_id).value_or(policy::PrivilegeSet{});

  storage::AuditEvent event = connection->NewAuditEvent(audit_action::kLogin, kOutcomeOk);
  event.chain = org.id;
  event.actor_kind = "user";
  event.actor_id = std::to_string(user.id);
  event.support = user.hidden;
  event.target = std::to_string(user.id);
  event.details = Value::MapOf({{"kind", auth_kind}});

  fields.Set("user", UserToWire(user));
  Value privileges = Value::MakeArray();
  for (std::string& name : policy::PrivilegeNames(identity.actor.privileges)) privileges.Push(std::move(name));
  fields.Set("privileges", std::move(privileges));

  ConfirmAfterAudit(ref, re, std::move(event),
                    [re, fields = std::move(fields), identity = std::move(identity)](Connection& c) mutable {
                      ++c.broker().metrics().logins_ok;
                      Log(LogLevel::kInfo, "login",
                          {{"conn", std::to_string(c.id())}, {"user", std::to_string(identity.actor.user_id)},
                           {"org", std::to_string(identity.actor.org_id)}});
                      c.Reply(re, std::move(fields));
                      c.CompleteAuthentication(std::move(identity));
                    });
}

}  // namespace tether::broker
