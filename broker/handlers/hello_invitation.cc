// hello with auth.kind "invite" (accept an invitation: the new user is created and
// logged in) and "reset" (set a new password with a reset token, then log in).
// Seats are checked again at acceptance (POLICY.md "Invitations").
#include "auth/password.h"
#include "auth/secrets.h"
#include "broker.h"
#include "core/loop_poster.h"
#include "handlers/admin_request.h"
#include "handlers/handlers.h"
#include "handlers/lookups.h"
#include "handlers/login.h"

namespace tether::broker {
namespace {

using protocol::ErrorCode;
using protocol::Status;
using protocol::Value;

// What checking a token found: the subject to log in, or the refusal and why.
struct TokenUse {
  Status refusal;        // ok when `subject` is set
  std::string reason;    // for the audit
  std::int64_t chain = storage::kSystemChain;
  std::optional<LoginSubject> subject;
};

TokenUse Refusal(Status status, std::string reason, std::int64_t chain) {
  TokenUse use;
  use.refusal = std::move(status);
  use.reason = std::move(reason);
  use.chain = chain;
  return use;
}

// The invitation or reset behind `hash` if it can still be used now.
TokenUse CheckToken(storage::Store& store, const std::string& hash, const std::string& kind, std::int64_t now,
                    storage::Invitation* found) {
  auto invitation = store.FindInvitation(hash);
  if (!invitation.ok() || invitation->kind != kind) {
    return Refusal(Status::Unauthenticated("invalid or used " + kind + " token"), "unknown_token", storage::kSystemChain);
  }
  if (invitation->used_at != 0) {
    return Refusal(Status::Unauthenticated("invalid or used " + kind + " token"), "used_token", invitation->org_id);
  }
  if (invitation->expires_at <= now) {
    return Refusal(Status::Expired("the " + kind + " token has expired; ask for a new one"), "expired",
                   invitation->org_id);
  }
  *found = *invitation;
  return TokenUse{};
}

// Why AcceptInvitation refused, said as the protocol says it: a used token is
// indistinguishable from an unknown one; the rest keep their own code.
TokenUse AcceptanceRefusal(const Status& status, std::int64_t org_id) {
  switch (status.code()) {
    case ErrorCode::kNotFound:
      return Refusal(Status::Unauthenticated("invalid or used invite token"), "unknown_token", org_id);
    case ErrorCode::kExpired:
      return Refusal(Status::Expired("the invite token has expired; ask for a new one"), "expired", org_id);
    case ErrorCode::kConflict:
      if (status.message().find("already used") != std::string::npos) {
        return Refusal(Status::Unauthenticated("invalid or used invite token"), "used_token", org_id);
      }
      return Refusal(status, "email_taken", org_id);
    default:
      return Refusal(Status::Internal("the invitation could not be accepted"), "storage", org_id);
  }
}

TokenUse Accept(storage::Store& store, const std::string& hash, const std::string& name,
                const std::string& password_hash, std::int64_t now) {
  storage::Invitation invitation;
  TokenUse checked = CheckToken(store, hash, "invite", now, &invitation);
  if (!checked.refusal.ok()) return checked;
  auto privileges = RolePrivileges(store, invitation.org_id, invitation.role_id);
  auto facts = LoadOrgFacts(store, invitation.org_id);
  if (!privileges.ok()) return Refusal(Status::Conflict("the invited role no longer exists"), "role_gone", invitation.org_id);
  if (!facts.ok()) return Refusal(facts.status(), "storage", invitation.org_id);
  if (policy::TakesSeat(*privileges)) {
    Status seats = policy::CheckSeats(*facts, 1);
    if (!seats.ok()) return Refusal(seats, "licence_exceeded", invitation.org_id);
  }
  storage::User user;
  user.org_id = invitation.org_id;
  user.email = invitation.email;
  user.name = name;
  user.role_id = invitation.role_id;
  user.password_hash = password_hash;
  user.scope = invitation.scope;
  user.created_at = now;
  auto created = store.AcceptInvitation(hash, user, now);
  if (!created.ok()) return AcceptanceRefusal(created.status(), invitation.org_id);
  auto org = store.GetOrganization(invitation.org_id);
  auto subject = org.ok() ? SubjectFor(store, *org, *created) : protocol::Result<LoginSubject>(org.status());
  if (!subject.ok()) return Refusal(subject.status(), "storage", invitation.org_id);
  TokenUse use;
  use.chain = invitation.org_id;
  use.subject = *subject;
  return use;
}

// A reset replaces the password, not the second factor: a user with TOTP sends `otp`.
TokenUse Reset(storage::Store& store, const std::string& hash, const std::string& password_hash,
               const std::optional<std::string>& otp, std::int64_t now) {
  storage::Invitation reset;
  TokenUse checked = CheckToken(store, hash, "reset", now, &reset);
  if (!checked.refusal.ok()) return checked;
  auto user = store.GetUser(reset.user_id);
  auto org = store.GetOrganization(reset.org_id);
  if (!user.ok() || !org.ok()) return Refusal(Status::Unauthenticated("invalid or used reset token"), "user_gone", reset.org_id);
  // Checked before the token is spent: a refused reset leaves everything as it was.
  if (user->status != "active") return Refusal(Status::Unauthenticated(kInvalidCredentials), "user_disabled", reset.org_id);
  if (user->totp_enabled) {
    Status code = otp ? AcceptTotpCode(*user, *otp, now)
                      : Status(ErrorCode::kOtpRequired, "a valid 6-digit code from your authenticator is required");
    if (!code.ok()) return Refusal(code, otp ? "bad_otp" : "otp_missing", reset.org_id);
    if (Status stored = store.UpdateUser(*user); !stored.ok()) return Refusal(stored, "storage", reset.org_id);
  }
  Status consumed = store.ConsumeReset(hash, password_hash, now);
  if (!consumed.ok()) return Refusal(Status::Unauthenticated("invalid or used reset token"), "used_token", reset.org_id);
  auto subject = SubjectFor(store, *org, *user);
  if (!subject.ok()) return Refusal(subject.status(), "storage", reset.org_id);
  TokenUse use;
  use.chain = reset.org_id;
  use.subject = *subject;
  return use;
}

void Finish(ConnectionRef ref, std::uint64_t re, const std::string& kind, TokenUse use) {
  Connection* connection = ref.Get();
  if (connection == nullptr) return;
  if (use.subject) return IssueToken(ref, re, std::move(*use.subject), kind);
  storage::AuditEvent event = connection->NewAuditEvent(audit_action::kLogin, AuditOutcomeOf(use.refusal));
  event.chain = use.chain;
  event.details = Value::MapOf({{"kind", kind}, {"reason", use.reason}});
  RefuseLogin(ref, re, std::move(event), use.refusal, CloseReason::kUnauthenticated, "");
}

// Common to both kinds: rate limit, password rules, hashing off the loop, then `job`.
using TokenJob = std::function<TokenUse(storage::Store&, const std::string& password_hash, std::int64_t now)>;

void HelloWithSingleUseToken(Request& request, const std::string& kind, const std::string& password, TokenJob job) {
  Connection& connection = request.connection;
  Broker& broker = connection.broker();
  if (password.size() < auth::kMinPasswordLength) {
    return connection.ReplyError(request.id, Status::BadRequest("the password must be at least " +
                                                                std::to_string(auth::kMinPasswordLength) + " characters"));
  }
  if (broker.address_failures().IsBlocked(connection.peer_address(), broker.clock().NowMs())) {
    storage::AuditEvent event = connection.NewAuditEvent(audit_action::kLogin, kOutcomeDenied);
    event.details = Value::MapOf({{"kind", kind}, {"reason", "rate_limited"}});
    return RefuseLogin(connection.ref(), request.id, std::move(event),
                       Status(ErrorCode::kRateLimited, "too many failed logins; try again later"),
                       CloseReason::kRateLimited, "");
  }
  connection.BeginAuthentication();
  auto hash = std::make_shared<protocol::Result<std::string>>(Status::Internal("not hashed"));
  ConnectionRef ref = connection.ref();
  std::uint64_t re = request.id;
  RunOnThreadPool(
      broker.loop(), [hash, password] { *hash = auth::HashPassword(password); },
      [ref, re, hash, kind, job = std::move(job)] {
        if (ref.Get() == nullptr) return;
        if (!hash->ok()) {
          ref.Get()->ReplyError(re, hash->status());
          return ref.Get()->AbandonAuthentication();
        }
        std::int64_t now = ref.broker->clock().NowMs();
        ref.broker->OnStorage<TokenUse>(
            [job, password_hash = hash->value(), now](storage::Store& store) { return job(store, password_hash, now); },
            [ref, re, kind](TokenUse use) { Finish(ref, re, kind, std::move(use)); });
      });
}

}  // namespace

void HelloWithInvitation(Request& request, const Value& auth) {
  auto token = protocol::RequireString(auth, "token");
  auto name = protocol::RequireString(auth, "name");
  auto password = protocol::RequireString(auth, "password");
  for (const Status* s : {&token.status(), &name.status(), &password.status()}) {
    if (!s->ok()) return request.connection.ReplyError(request.id, Status::BadRequest("auth: " + s->message()));
  }
  if (name->empty() || name->size() > 200) {
    return request.connection.ReplyError(request.id, Status::BadRequest("auth: 'name' must be 1 to 200 bytes"));
  }
  std::string hash = auth::Sha256Hex(*token);
  HelloWithSingleUseToken(request, "invite", *password,
                 [hash, name = *name](storage::Store& store, const std::string& password_hash, std::int64_t now) {
                   return Accept(store, hash, name, password_hash, now);
                 });
}

void HelloWithReset(Request& request, const Value& auth) {
  auto token = protocol::RequireString(auth, "token");
  auto password = protocol::RequireString(auth, "password");
  auto otp = protocol::OptionalString(auth, "otp");
  for (const Status* s : {&token.status(), &password.status(), &otp.status()}) {
    if (!s->ok()) return request.connection.ReplyError(request.id, Status::BadRequest("auth: " + s->message()));
  }
  std::string hash = auth::Sha256Hex(*token);
  HelloWithSingleUseToken(request, "reset", *password,
                 [hash, otp = *otp](storage::Store& store, const std::string& password_hash, std::int64_t now) {
                   return Reset(store, hash, password_hash, otp, now);
                 });
}

}  // namespace tether::broker
