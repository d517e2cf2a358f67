// A user's own account: auth.password.change, auth.totp.enroll / confirm / disable.
// Secrets (passwords, TOTP secrets and codes) never reach the audit log.
#include "auth/password.h"
#include "auth/totp.h"
#include "broker.h"
#include "core/loop_poster.h"
#include "handlers/admin_request.h"
#include "handlers/lookups.h"

namespace tether::broker {
namespace {

using protocol::ErrorCode;
using protocol::Status;
using protocol::Value;

Value Redacted(const Request& request) { return Value::MapOf({{"t", request.message.type}}); }

protocol::Result<storage::User> Self(storage::Store& store, const AdminContext& context) {
  return store.GetUser(context.actor.user_id);
}

AdminOutcome EnrolTotp(storage::Store& store, const AdminContext& context) {
  TETHER_REFUSE_IF(policy::Authorize(context.actor, policy::Action::kOwnAccount));
  auto user = Self(store, context);
  if (!user.ok()) return AdminOutcome::Refused(user.status());
  if (user->totp_enabled) {
    return AdminOutcome::Refused(Status::Conflict("two-factor authentication is already on; disable it first"));
  }
  auto secret = auth::NewTotpSecret();
  if (!secret.ok()) return AdminOutcome::Refused(secret.status());
  user->totp_secret = *secret;
  TETHER_REFUSE_IF(store.UpdateUser(*user));
  AdminOutcome outcome;
  outcome.target = std::to_string(user->id);
  outcome.reply = Value::MapOf({{"secret", *secret}, {"uri", auth::TotpUri(*secret, user->email)}});
  return outcome;
}

// The code sent in "otp", accepted once for the user's (pending or active) secret.
Status CheckCode(storage::User& user, const AdminContext& context) {
  auto otp = protocol::RequireString(context.body, "otp");
  if (!otp.ok()) return otp.status();
  return AcceptTotpCode(user, *otp, context.now_ms);
}

AdminOutcome ConfirmTotp(storage::Store& store, const AdminContext& context) {
  auto user = Self(store, context);
  if (!user.ok()) return AdminOutcome::Refused(user.status());
  TETHER_REFUSE_IF(CheckCode(*user, context));
  user->totp_enabled = true;
  TETHER_REFUSE_IF(store.UpdateUser(*user));
  AdminOutcome outcome;
  outcome.target = std::to_string(user->id);
  outcome.totp_confirmed_users.push_back(user->id);
  return outcome;
}

AdminOutcome DisableTotp(storage::Store& store, const AdminContext& context) {
  auto user = Self(store, context);
  if (!user.ok()) return AdminOutcome::Refused(user.status());
  auto org = store.GetOrganization(context.actor.org_id);
  const Value* required = org.ok() ? org->preferences.Find("require_2fa") : nullptr;
  if (required && required->is_bool() && required->as_bool()) {
    return AdminOutcome::Refused(Status::PermissionDenied("the organisation requires two-factor authentication"));
  }
  TETHER_REFUSE_IF(CheckCode(*user, context));
  user->totp_enabled = false;
  user->totp_secret.clear();
  TETHER_REFUSE_IF(store.UpdateUser(*user));
  AdminOutcome outcome;
  outcome.target = std::to_string(user->id);
  return outcome;
}

}  // namespace

void HandleTotpEnroll(Request& request) {
  RunAdminRequest(request, "auth.totp.enroll", &EnrolTotp, Redacted(request));
}
void HandleTotpConfirm(Request& request) {
  RunAdminRequest(request, "auth.totp.confirm", &ConfirmTotp, Redacted(request));
}
void HandleTotpDisable(Request& request) {
  RunAdminRequest(request, "auth.totp.disable", &DisableTotp, Redacted(request));
}

// Old password checked and new one hashed on the thread pool; then stored, and every
// other token of the user revoked (a changed password ends other logins).
void HandlePasswordChange(Request& request) {
  Connection& connection = request.connection;
  auto old_password = protocol::RequireString(request.message.body, "old_password");
  auto new_password = protocol::RequireString(request.message.body, "new_password");
  for (const Status* s : {&old_password.status(), &new_password.status()}) {
    if (!s->ok()) return connection.ReplyError(request.id, *s);
  }
  if (new_password->size() < auth::kMinPasswordLength) {
    return connection.ReplyError(request.id, Status::BadRequest("the new password must be at least " +
                                                                std::to_string(auth::kMinPasswordLength) +
                                                                " characters"));
  }
  struct Work {
    std::string current_hash, old_password, new_password;
    bool old_matches = false;
    protocol::Result<std::string> new_hash = Status::Internal("not hashed");
  };
  auto work = std::make_shared<Work>();
  work->old_password = *old_password;
  work->new_password = *new_password;
  ConnectionRef ref = connection.ref();
  std::uint64_t re = request.id;
  Value audit = Redacted(request);
  std::int64_t user_id = connection.identity().actor.user_id;
  connection.broker().OnStorage<protocol::Result<storage::User>>(
      [user_id](storage::Store& store) { return store.GetUser(user_id); },
      [ref, re, work, audit](protocol::Result<storage::User> user) {
        if (ref.Get() == nullptr) return;
        if (!user.ok()) return ref.Get()->ReplyError(re, user.status());
        work->current_hash = user->password_hash;
        RunOnThreadPool(
            ref.broker->loop(),
            [work] {
              work->old_matches = auth::VerifyPassword(work->old_password, work->current_hash);
              if (work->old_matches) work->new_hash = auth::HashPassword(work->new_password);
            },
            [ref, re, work, audit] {
              Connection* c = ref.Get();
              if (c == nullptr) return;
              // A wrong current password is a guess like any other: it counts against
              // the address's login failures.
              if (!work->old_matches) c->broker().address_failures().RecordFailure(c->peer_address(), c->broker().clock().NowMs());
              std::string keep = c->identity().token_hash;
              RunAdminRequest(*c, re, Value::MakeMap(), "auth.password.change",
                              [work, keep](storage::Store& store, const AdminContext& context) {
                                if (!work->old_matches) {
                                  return AdminOutcome::Refused(Status::Unauthenticated("the current password is wrong"));
                                }
                                if (!work->new_hash.ok()) return AdminOutcome::Refused(work->new_hash.status());
                                auto user = store.GetUser(context.actor.user_id);
                                if (!user.ok()) return AdminOutcome::Refused(user.status());
                                user->password_hash = work->new_hash.value();
                                TETHER_REFUSE_IF(store.UpdateUser(*user));
                                TETHER_REFUSE_IF(store.RevokeUserTokens(user->id, keep));
                                AdminOutcome outcome;
                                outcome.target = std::to_string(user->id);
                                outcome.end_other_sessions_of.push_back(user->id);
                                return outcome;
                              },
                              audit);
            });
      });
}

}  // namespace tether::broker
