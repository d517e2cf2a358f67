// hello (PROTOCOL.md "Authentication"): password and token logins.
//
// Credential failures all answer the same message (kInvalidCredentials) and take the
// same time: an unknown user is checked against a decoy hash, so neither the text nor
// the timing says which part was wrong.
#include <algorithm>
#include <cctype>

#include "auth/password.h"
#include "auth/secrets.h"
#include "handlers/lookups.h"
#include "broker.h"
#include "core/loop_poster.h"
#include "handlers/handlers.h"
#include "handlers/login.h"

namespace tether::broker {
namespace {

using protocol::Status;
using protocol::Value;

std::string Lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// What the storage thread found for a password login.
struct PasswordLookup {
  std::optional<storage::Organization> org;
  std::optional<storage::User> user;
  std::optional<LoginSubject> subject;  // when the user exists: privileges resolved
  Status error;  // a storage failure other than "not found"
};

PasswordLookup LookUpAccount(storage::Store& store, const std::string& slug, const std::string& email) {
  PasswordLookup out;
  auto org = store.FindOrganization(slug);
  if (!org.ok()) {
    if (org.status().code() != protocol::ErrorCode::kNotFound) out.error = org.status();
    return out;
  }
  out.org = *org;
  auto user = store.FindUserByEmail(org->id, email);
  if (user.ok()) {
    out.user = *user;
    auto subject = SubjectFor(store, *org, *user);
    if (subject.ok()) {
      out.subject = *subject;
    } else {
      out.error = subject.status();
    }
  } else if (user.status().code() != protocol::ErrorCode::kNotFound) {
    out.error = user.status();
  }
  return out;
}

storage::AuditEvent FailedLoginEvent(Connection& connection, const PasswordLookup* found,
                                     const std::string& slug, const std::string& email,
                                     std::string_view reason, const char* outcome) {
  storage::AuditEvent event = connection.NewAuditEvent(audit_action::kLogin, outcome);
  if (found && found->org) event.chain = found->org->id;  // else the system chain
  event.actor_id = email;
  event.details = Value::MapOf({{"kind", "password"}, {"org", slug}, {"email", email},
                                {"reason", std::string(reason)}});
  return event;
}

// Accepts the code on the storage thread (a code works once), then logs in or refuses.
void CheckSecondFactor(ConnectionRef ref, std::uint64_t re, const PasswordLookup& found, const std::string& slug,
                       const std::string& email, const std::optional<std::string>& otp) {
  std::int64_t now = ref.broker->clock().NowMs();
  std::int64_t user_id = found.user->id;
  ref.broker->OnStorage<Status>(
      [user_id, otp, now](storage::Store& store) {
        if (!otp) return Status(protocol::ErrorCode::kOtpRequired, "a 6-digit code from your authenticator is required");
        auto user = store.GetUser(user_id);
        if (!user.ok()) return user.status();
        Status accepted = AcceptTotpCode(*user, *otp, now);
        return accepted.ok() ? store.UpdateUser(*user) : accepted;
      },
      [ref, re, found, slug, email, otp](Status accepted) {
        Connection* connection = ref.Get();
        if (connection == nullptr) return;
        if (accepted.ok()) return IssueToken(ref, re, *found.subject, "password");
        RefuseLogin(ref, re,
                    FailedLoginEvent(*connection, &found, slug, email, otp ? "bad_otp" : "otp_missing", kOutcomeFailed),
                    accepted.code() == protocol::ErrorCode::kOtpRequired ? accepted
                                                                          : Status::Internal("could not check the code"),
                    CloseReason::kUnauthenticated, slug + "\n" + email);
      });
}

void FinishPasswordCheck(ConnectionRef ref, std::uint64_t re, const PasswordLookup& found,
                         const std::string& slug, const std::string& email, const std::optional<std::string>& otp,
                         bool password_ok) {
  Connection* connection = ref.Get();
  if (connection == nullptr) return;
  std::string account_key = slug + "\n" + email;
  std::string_view reason = !found.org              ? "unknown_organisation"
                            : !found.user           ? "unknown_user"
                            : !password_ok          ? "bad_password"
                            : found.user->status != "active" ? "user_disabled"
                                                             : "";
  if (!reason.empty()) {
    RefuseLogin(ref, re, FailedLoginEvent(*connection, &found, slug, email, reason, kOutcomeFailed),
                Status::Unauthenticated(kInvalidCredentials), CloseReason::kUnauthenticated, account_key);
    return;
  }
  // The password was right: only now may the answer say a second factor is missing.
  if (found.user->totp_enabled) return CheckSecondFactor(ref, re, found, slug, email, otp);
  IssueToken(ref, re, *found.subject, "password");
}

void HelloWithPassword(Request& request, const Value& auth) {
  Connection& connection = request.connection;
  Broker& broker = connection.broker();
  auto slug = protocol::RequireString(auth, "org");
  auto email = protocol::RequireString(auth, "email");
  auto password = protocol::RequireString(auth, "password");
  auto otp = protocol::OptionalString(auth, "otp");
  for (const Status* s : {&slug.status(), &email.status(), &password.status(), &otp.status()}) {
    if (!s->ok()) {
      connection.ReplyError(request.id, Status::BadRequest("auth: " + s->message()));
      return;
    }
  }
  std::string account = Lowercase(*email);
  std::string account_key = *slug + "\n" + account;
  std::int64_t now = broker.clock().NowMs();
  if (broker.account_failures().IsBlocked(account_key, now) ||
      broker.address_failures().IsBlocked(connection.peer_address(), now)) {
    // The refusal belongs on the organisation's chain when the organisation exists.
    connection.BeginAuthentication();
    storage::AuditEvent event = FailedLoginEvent(connection, nullptr, *slug, account, "rate_limited", kOutcomeDenied);
    broker.OnStorage<std::int64_t>(
        [slug = *slug](storage::Store& store) {
          auto org = store.FindOrganization(slug);
          return org.ok() ? org->id : storage::kSystemChain;
        },
        [ref = connection.ref(), re = request.id, event = std::move(event)](std::int64_t chain) mutable {
          if (ref.Get() == nullptr) return;
          event.chain = chain;
          RefuseLogin(ref, re, std::move(event),
                      Status(protocol::ErrorCode::kRateLimited, "too many failed logins; try again later"),
                      CloseReason::kRateLimited, "");
        });
    return;
  }
  connection.BeginAuthentication();
  ConnectionRef ref = connection.ref();
  broker.OnStorage<PasswordLookup>(
      [slug = *slug, account](storage::Store& store) { return LookUpAccount(store, slug, account); },
      [ref, re = request.id, slug = *slug, account, password = *password, otp = *otp](PasswordLookup found) {
        if (ref.Get() == nullptr) return;
        if (!found.error.ok()) {
          ref.Get()->ReplyError(re, Status::Internal("the account store failed"));
          ref.Get()->AbandonAuthentication();
          return;
        }
        // argon2 costs tens of milliseconds: never on the loop.
        auto hash = std::make_shared<std::string>(found.user ? found.user->password_hash
                                                             : auth::DecoyPasswordHash());
        auto matched = std::make_shared<bool>(false);
        RunOnThreadPool(
            ref.broker->loop(), [hash, matched, password] { *matched = auth::VerifyPassword(password, *hash); },
            [ref, re, found, slug, account, otp, matched] {
              FinishPasswordCheck(ref, re, found, slug, account, otp, *matched && found.user.has_value());
            });
      });
}

// What the storage thread found for a token login.
struct TokenLookup {
  std::optional<storage::Token> token;
  std::optional<storage::User> user;
  std::optional<storage::Organization> org;
  std::optional<LoginSubject> subject;
};

TokenLookup LookUpToken(storage::Store& store, const std::string& token_hash) {
  TokenLookup out;
  auto token = store.FindToken(token_hash);
  if (!token.ok()) return out;
  out.token = *token;
  auto user = store.GetUser(token->user_id);
  auto org = store.GetOrganization(token->org_id);
  if (user.ok()) out.user = *user;
  if (org.ok()) out.org = *org;
  if (user.ok() && org.ok()) {
    auto subject = SubjectFor(store, *org, *user);
    if (subject.ok()) out.subject = *subject;
  }
  return out;
}

void FinishTokenCheck(ConnectionRef ref, std::uint64_t re, const TokenLookup& found, std::string hash) {
  Connection* connection = ref.Get();
  if (connection == nullptr) return;
  std::int64_t now = ref.broker->clock().NowMs();
  bool known = found.token && found.subject && !found.token->revoked;
  bool expired = known && found.token->expires_at <= now;
  bool disabled = known && found.user->status != "active";
  if (!known || expired || disabled) {
    storage::AuditEvent event = connection->NewAuditEvent(audit_action::kLogin, kOutcomeFailed);
    if (found.token) event.chain = found.token->org_id;
    event.details = Value::MapOf({{"kind", "token"},
                                  {"reason", !known ? "unknown_token" : expired ? "expired" : "user_disabled"}});
    Status reply = expired ? Status::Expired("the token has expired; log in again")
                           : Status::Unauthenticated("invalid token");
    RefuseLogin(ref, re, std::move(event), reply, CloseReason::kUnauthenticated, "");
    return;
  }
  CompleteLogin(ref, re, *found.subject, std::move(hash), "token", Value::MakeMap());
}

void HelloWithToken(Request& request, const Value& auth) {
  Connection& connection = request.connection;
  Broker& broker = connection.broker();
  auto token = protocol::RequireString(auth, "token");
  if (!token.ok()) {
    connection.ReplyError(request.id, Status::BadRequest("auth: " + token.status().message()));
    return;
  }
  if (broker.address_failures().IsBlocked(connection.peer_address(), broker.clock().NowMs())) {
    storage::AuditEvent event = connection.NewAuditEvent(audit_action::kLogin, kOutcomeDenied);
    event.details = Value::MapOf({{"kind", "token"}, {"reason", "rate_limited"}});
    RefuseLogin(connection.ref(), request.id, std::move(event),
                Status(protocol::ErrorCode::kRateLimited, "too many failed logins; try again later"),
                CloseReason::kRateLimited, "");
    return;
  }
  connection.BeginAuthentication();
  std::string hash = auth::Sha256Hex(*token);
  broker.OnStorage<TokenLookup>([hash](storage::Store& store) { return LookUpToken(store, hash); },
                                [ref = connection.ref(), re = request.id, hash](TokenLookup found) {
                                  FinishTokenCheck(ref, re, found, hash);
                                });
}

}  // namespace

void HandleHello(Request& request) {
  Connection& connection = request.connection;
  if (connection.authenticated()) {
    connection.ReplyError(request.id, Status::Conflict("this connection is already authenticated"));
    return;
  }
  const Value& body = request.message.body;
  auto proto = protocol::RequireUint(body, "proto");
  if (!proto.ok()) {
    connection.ReplyError(request.id, proto.status());
    return;
  }
  if (*proto != 1) {
    connection.ReplyError(request.id, Status(protocol::ErrorCode::kUnsupportedVersion,
                                             "this broker speaks protocol version 1"));
    return;
  }
  auto batch = protocol::OptionalBool(body, "batch");
  if (!batch.ok()) {
    connection.ReplyError(request.id, batch.status());
    return;
  }
  if (batch->value_or(false)) connection.OfferBatches(request.id);  // PROTOCOL.md §2.4
  auto auth = protocol::RequireMap(body, "auth");
  auto kind = auth.ok() ? protocol::RequireString(**auth, "kind") : protocol::Result<std::string>(auth.status());
  if (!kind.ok()) {
    connection.ReplyError(request.id, kind.status());
    return;
  }
  if (*kind == "password") return HelloWithPassword(request, **auth);
  if (*kind == "token") return HelloWithToken(request, **auth);
  if (*kind == "invite") return HelloWithInvitation(request, **auth);
  if (*kind == "reset") return HelloWithReset(request, **auth);
  if (*kind == "session_key") return HelloWithSessionKey(request, **auth);
  if (*kind == "enroll") return HelloWithEnrolment(request, **auth);
  if (*kind == "device") return HelloAsDevice(request, **auth);
  connection.ReplyError(request.id, Status::BadRequest("auth kind '" + *kind + "' is not supported"));
}

}  // namespace tether::broker
