// Shared login refusal, token issue and completion.
#include "handlers/login.h"

#include "auth/secrets.h"
#include "broker.h"
#include "core/log.h"
#include "handlers/handlers.h"
#include "handlers/lookups.h"
#include "handlers/wire.h"

namespace tether::broker {

using protocol::Status;
using protocol::Value;

void RefuseLogin(ConnectionRef ref, std::uint64_t re, storage::AuditEvent event, const Status& reply,
                 CloseReason close, const std::string& account_key) {
  Broker& broker = *ref.broker;
  std::int64_t now = broker.clock().NowMs();
  broker.address_failures().RecordFailure(event.source, now);
  if (!account_key.empty()) broker.account_failures().RecordFailure(account_key, now);
  ++(close == CloseReason::kRateLimited ? broker.metrics().logins_rate_limited : broker.metrics().logins_failed);
  const Value* reason = event.details.Find("reason");
  Log(LogLevel::kInfo, "login_refused",
      {{"peer", event.source}, {"chain", std::to_string(event.chain)},
       {"reason", reason && reason->is_string() ? reason->as_string() : ""}});
  broker.audit().Record(std::move(event), [ref, re, reply, close](Status) {
    // Refused either way: a failed audit write does not turn a refusal into a success.
    if (Connection* connection = ref.Get()) {
      connection->ReplyError(re, reply);
      connection->Close(close);
    }
  });
}

protocol::Result<LoginSubject> SubjectFor(storage::Store& store, const storage::Organization& org,
                                          const storage::User& user) {
  auto actor = ActorFor(store, user);
  if (!actor.ok()) return actor.status();
  const Value* required = org.preferences.Find("require_2fa");
  bool org_requires = required && required->is_bool() && required->as_bool();
  return LoginSubject{org, user, *actor, org_requires && !user.totp_enabled};
}

void IssueToken(ConnectionRef ref, std::uint64_t re, LoginSubject subject, std::string auth_kind) {
  Broker& broker = *ref.broker;
  auto token = auth::RandomHex();
  if (!token.ok()) {
    if (Connection* c = ref.Get()) c->ReplyError(re, token.status());
    return;
  }
  storage::Token record;
  record.token_hash = auth::Sha256Hex(*token);
  record.user_id = subject.user.id;
  record.org_id = subject.org.id;
  record.created_at = broker.clock().NowMs();
  record.expires_at = record.created_at + broker.config().token_ttl.count();
  Value fields = Value::MapOf({{"token", *token}, {"expires_at", static_cast<std::uint64_t>(record.expires_at)}});
  broker.OnStorage<Status>(
      [record](storage::Store& store) { return store.CreateToken(record); },
      [ref, re, subject = std::move(subject), hash = record.token_hash, fields = std::move(fields),
       auth_kind = std::move(auth_kind)](Status stored) mutable {
        if (!stored.ok()) {
          if (Connection* c = ref.Get()) c->ReplyError(re, Status::Internal("could not store the token"));
          return;
        }
        CompleteLogin(ref, re, subject, std::move(hash), std::move(auth_kind), std::move(fields));
      });
}

void CompleteLogin(ConnectionRef ref, std::uint64_t re, const LoginSubject& subject, std::string token_hash,
                   std::string auth_kind, Value fields) {
  Connection* connection = ref.Get();
  if (connection == nullptr) return;
  Identity identity;
  identity.user = subject.user;
  identity.org_slug = subject.org.slug;
  identity.token_hash = std::move(token_hash);
  identity.actor = subject.actor;
  identity.must_enrol_totp = subject.must_enrol_totp;

  storage::AuditEvent event = connection->NewAuditEvent(audit_action::kLogin, kOutcomeOk);
  event.chain = subject.org.id;
  event.actor_kind = "user";
  event.actor_id = std::to_string(subject.user.id);
  event.support = subject.user.hidden;
  event.target = std::to_string(subject.user.id);
  event.details = Value::MapOf({{"kind", auth_kind}});

  fields.Set("user", UserToWire(subject.user));
  Value privileges = Value::MakeArray();
  for (std::string& name : policy::PrivilegeNames(identity.actor.privileges)) privileges.Push(std::move(name));
  fields.Set("privileges", std::move(privileges));
  if (subject.must_enrol_totp) fields.Set("totp_enrolment_required", true);

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
