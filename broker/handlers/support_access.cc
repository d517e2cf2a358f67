// support_access.grant / update / revoke / get (POLICY.md "Support access",
// protocol/PROTOCOL.md §6.11): an organisation lets its vendor's support team in, for a
// bounded time, as a hidden support user, and can pull the plug at any moment.
#include "auth/password.h"
#include "auth/secrets.h"
#include "broker.h"
#include "core/loop_poster.h"
#include "handlers/admin_request.h"
#include "handlers/handlers.h"
#include "handlers/wire.h"
#include "support/support_access.h"

namespace tether::broker {
namespace {

using protocol::ErrorCode;
using protocol::Status;
using protocol::Value;

constexpr const char* kGrant = "support_access.grant";
constexpr const char* kUpdate = "support_access.update";
constexpr const char* kRevoke = "support_access.revoke";
constexpr const char* kGet = "support_access.get";

Value GrantToWire(const storage::SupportGrant& grant, const storage::User& support_user) {
  return Value::MapOf({{"until", grant.until},
                       {"granted_at", grant.granted_at},
                       {"granted_by", std::to_string(grant.granted_by)},
                       {"user", UserToWire(support_user)}});
}

// The grant in force and its support user, or not_found.
struct GrantInForce {
  storage::SupportGrant grant;
  storage::User user;
};
protocol::Result<GrantInForce> LoadGrantInForce(storage::Store& store, std::int64_t org_id) {
  auto grant = store.FindSupportGrantInForce(org_id);
  if (!grant.ok()) return grant.status();
  auto user = store.GetUser(grant->user_id);
  if (!user.ok()) return user.status();
  return GrantInForce{*grant, *user};
}

// Privilege, then `until` and its bounds: the refusals every request that sets a date shares.
Status CheckRequest(Request& request, bool wants_until, std::int64_t* until) {
  Connection& c = request.connection;
  if (Status allowed = policy::Authorize(c.identity().actor, policy::Action::kSupportAccessManage); !allowed.ok()) {
    return allowed;
  }
  if (!wants_until) return Status::Ok();
  auto field = protocol::RequireUint(request.message.body, "until");
  if (!field.ok()) return field.status();
  if (*field > static_cast<std::uint64_t>(INT64_MAX)) return Status::BadRequest("until is out of range");
  *until = static_cast<std::int64_t>(*field);
  return CheckSupportUntil(*until, c.broker().clock().NowMs());
}

// The vendor's login: an address nobody can receive mail at, unique per grant.
protocol::Result<std::string> SupportEmail() {
  auto tag = auth::RandomHex(4);
  if (!tag.ok()) return tag.status();
  return "support-" + *tag + "@support.tether.invalid";
}

AdminOutcome CreateGrant(storage::Store& store, const AdminContext& context, std::int64_t until,
                         const std::string& email, const std::string& password, const std::string& password_hash) {
  storage::User user;
  user.email = email;
  user.name = "Vendor support";
  user.role_id = policy::kAdminRole;  // Admin privileges; policy bars the restriction list
  user.password_hash = password_hash;
  user.created_at = context.now_ms;
  storage::SupportGrant grant;
  grant.org_id = context.actor.org_id;
  grant.granted_by = context.actor.user_id;
  grant.granted_at = context.now_ms;
  grant.until = until;
  auto created = store.CreateSupportGrant(grant, user);
  TETHER_REFUSE_IF(created.status());
  auto stored_user = store.GetUser(created->user_id);
  TETHER_REFUSE_IF(stored_user.status());
  AdminOutcome outcome;
  outcome.target = std::to_string(created->user_id);
  outcome.details = Value::MapOf({{"until", until}});
  outcome.reply = Value::MapOf({{"user", UserToWire(*stored_user)},
                                {"password", password},
                                {"support_access", GrantToWire(*created, *stored_user)}});
  outcome.then = [grant = *created](Broker& broker) { broker.support_access().Arm(grant); };
  return outcome;
}

}  // namespace

void HandleSupportAccessGrant(Request& request) {
  std::int64_t until = 0;
  if (Status checked = CheckRequest(request, true, &until); !checked.ok()) {
    return RefuseAdminRequest(request, kGrant, checked);
  }
  auto email = SupportEmail();
  auto password = auth::RandomHex(16);
  if (!email.ok() || !password.ok()) return request.connection.ReplyError(request.id, Status::Internal("no randomness"));
  // Hashing takes a while: on the thread pool, then one storage job for the grant.
  auto hash = std::make_shared<protocol::Result<std::string>>(Status::Internal("not hashed"));
  ConnectionRef ref = request.connection.ref();
  RunOnThreadPool(
      request.connection.broker().loop(), [hash, pw = *password] { *hash = auth::HashPassword(pw); },
      [ref, re = request.id, body = request.message.body, hash, until, email = *email, password = *password] {
        Connection* c = ref.Get();
        if (c == nullptr) return;
        RunAdminRequest(*c, re, body, kGrant,
                        [hash, until, email, password](storage::Store& store, const AdminContext& context) {
                          TETHER_REFUSE_IF(hash->status());
                          return CreateGrant(store, context, until, email, password, hash->value());
                        },
                        body);
      });
}

void HandleSupportAccessUpdate(Request& request) {
  std::int64_t until = 0;
  if (Status checked = CheckRequest(request, true, &until); !checked.ok()) {
    return RefuseAdminRequest(request, kUpdate, checked);
  }
  RunAdminRequest(request, kUpdate, [until](storage::Store& store, const AdminContext& context) {
    auto current = LoadGrantInForce(store, context.actor.org_id);
    TETHER_REFUSE_IF(current.status());
    TETHER_REFUSE_IF(store.SetSupportGrantUntil(current->grant.id, until));
    AdminOutcome outcome;
    outcome.target = std::to_string(current->user.id);
    outcome.details = Value::MapOf({{"from", current->grant.until}, {"until", until}});
    current->grant.until = until;
    outcome.reply = Value::MapOf({{"support_access", GrantToWire(current->grant, current->user)}});
    outcome.then = [grant = current->grant](Broker& broker) { broker.support_access().Arm(grant); };
    return outcome;
  });
}

void HandleSupportAccessRevoke(Request& request) {
  std::int64_t unused = 0;
  if (Status checked = CheckRequest(request, false, &unused); !checked.ok()) {
    return RefuseAdminRequest(request, kRevoke, checked);
  }
  RunAdminRequest(request, kRevoke, [](storage::Store& store, const AdminContext& context) {
    auto current = LoadGrantInForce(store, context.actor.org_id);
    TETHER_REFUSE_IF(current.status());
    TETHER_REFUSE_IF(store.EndSupportGrant(current->grant.id, context.now_ms, "revoked"));
    AdminOutcome outcome;
    outcome.target = std::to_string(current->user.id);
    outcome.details = Value::MapOf({{"until", current->grant.until}});
    outcome.then = [org_id = context.actor.org_id, user_id = current->user.id](Broker& broker) {
      broker.support_access().Disarm(org_id);
      EndSupportUserPresence(broker, user_id);
    };
    return outcome;
  });
}

void HandleSupportAccessGet(Request& request) {
  std::int64_t unused = 0;
  if (Status checked = CheckRequest(request, false, &unused); !checked.ok()) {
    return RefuseAdminRequest(request, kGet, checked);
  }
  RunAdminRequest(request, kGet, [](storage::Store& store, const AdminContext& context) {
    AdminOutcome outcome;
    auto current = LoadGrantInForce(store, context.actor.org_id);
    if (current.status().code() == ErrorCode::kNotFound) {
      outcome.reply = Value::MapOf({{"support_access", Value()}});
      return outcome;
    }
    TETHER_REFUSE_IF(current.status());
    outcome.target = std::to_string(current->user.id);
    outcome.reply = Value::MapOf({{"support_access", GrantToWire(current->grant, current->user)}});
    return outcome;
  });
}

}  // namespace tether::broker
