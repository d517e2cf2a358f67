// user.invite (POLICY.md "Invitations"): one or many, each with a role and a scope;
// single-use tokens valid 7 days, checked against the seats when sent.
#include <algorithm>
#include <cctype>
#include <set>

#include "auth/secrets.h"
#include "handlers/admin_request.h"
#include "handlers/fields.h"
#include "handlers/lookups.h"

namespace tether::broker {
namespace {

using protocol::Status;
using protocol::Value;

constexpr std::int64_t kInvitationLifeMs = 7LL * 24 * 3600 * 1000;
constexpr std::size_t kMaxInvitesPerRequest = 100;

std::string Lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

bool PlausibleEmail(const std::string& email) {
  auto at = email.find('@');
  return at != std::string::npos && at > 0 && at + 1 < email.size() && email.find('@', at + 1) == std::string::npos &&
         email.size() <= 254 && email.find_first_of(" \t\r\n") == std::string::npos;
}

// Checks one entry of `invites` and turns it into an invitation (token not yet set).
// `seats` counts the invitations whose role takes a seat.
protocol::Result<storage::Invitation> CheckInvite(storage::Store& store, const AdminContext& context,
                                                  const policy::OrgFacts& facts, const Value& entry,
                                                  std::set<std::string>& seen, std::uint32_t& seats) {
  if (!entry.is_map()) return Status::BadRequest("each invite must be a map {\"email\",\"role\"}");
  auto email = protocol::RequireString(entry, "email");
  auto role = protocol::RequireString(entry, "role");
  if (!email.ok()) return email.status();
  if (!role.ok()) return role.status();
  std::string address = Lowercase(*email);
  if (!PlausibleEmail(address)) return Status::BadRequest("'" + *email + "' is not an email address");
  if (!seen.insert(address).second) return Status::BadRequest("'" + address + "' is invited twice");
  if (store.FindUserByEmail(context.actor.org_id, address).ok()) {
    return Status::Conflict("'" + address + "' is already a user of the organisation");
  }
  auto privileges = RolePrivileges(store, context.actor.org_id, *role);
  if (!privileges.ok()) return Status::NotFound("role '" + *role + "' not found");
  Status allowed = policy::AuthorizeGrant(context.actor, *role, *privileges);
  if (!allowed.ok()) return allowed;
  const Value* scope_wire = entry.Find("scope");
  auto scope = policy::ScopeFromWire(scope_wire ? *scope_wire : Value());
  if (!scope.ok()) return scope.status();
  allowed = policy::AuthorizeScopeAssignment(context.actor, facts, *scope);
  if (!allowed.ok()) return allowed;
  for (std::int64_t group_id : scope->groups) {
    if (!store.GetGroup(context.actor.org_id, group_id).ok()) {
      return Status::NotFound("group " + std::to_string(group_id) + " not found");
    }
  }
  if (policy::TakesSeat(*privileges)) ++seats;
  storage::Invitation invitation;
  invitation.org_id = context.actor.org_id;
  invitation.kind = "invite";
  invitation.email = address;
  invitation.role_id = *role;
  invitation.scope = policy::ScopeToWire(*scope);
  invitation.created_by = context.actor.user_id;
  invitation.created_at = context.now_ms;
  invitation.expires_at = context.now_ms + kInvitationLifeMs;
  return invitation;
}

AdminOutcome Invite(storage::Store& store, const AdminContext& context) {
  TETHER_REFUSE_IF(policy::Authorize(context.actor, policy::Action::kUserInvite));
  const Value* invites = context.body.Find("invites");
  if (invites == nullptr || !invites->is_array() || invites->as_array().empty() ||
      invites->as_array().size() > kMaxInvitesPerRequest) {
    return AdminOutcome::Refused(Status::BadRequest("field 'invites' must be a list of 1 to 100 invites"));
  }
  auto facts = LoadOrgFacts(store, context.actor.org_id);
  if (!facts.ok()) return AdminOutcome::Refused(facts.status());
  std::set<std::string> seen;
  std::uint32_t seats = 0;
  std::vector<storage::Invitation> invitations;
  for (const Value& entry : invites->as_array()) {
    auto invitation = CheckInvite(store, context, *facts, entry, seen, seats);
    if (!invitation.ok()) return AdminOutcome::Refused(invitation.status());
    invitations.push_back(std::move(invitation).value());
  }
  TETHER_REFUSE_IF(policy::CheckSeats(*facts, seats));  // all or nothing
  Value answer = Value::MakeArray();
  for (storage::Invitation& invitation : invitations) {
    auto token = auth::RandomHex();
    if (!token.ok()) return AdminOutcome::Refused(token.status());
    invitation.token_hash = auth::Sha256Hex(*token);
    answer.Push(Value::MapOf({{"email", invitation.email},
                              {"token", *token},
                              {"expires_at", static_cast<std::uint64_t>(invitation.expires_at)}}));
  }
  TETHER_REFUSE_IF(store.CreateInvitations(invitations));
  AdminOutcome outcome;
  outcome.reply.Set("invitations", std::move(answer));
  Value emails = Value::MakeArray();
  for (const auto& invitation : invitations) emails.Push(invitation.email);
  outcome.details.Set("emails", std::move(emails));
  std::string who;
  for (const auto& invitation : invitations) who += (who.empty() ? "" : ", ") + invitation.email;
  outcome.target = invitations.size() == 1 ? invitations[0].email : std::to_string(invitations.size()) + " invitations";
  NotifyTechnicianChange(store, context, outcome, "technician_invited", "An Admin invited " + who);
  return outcome;
}

}  // namespace

void HandleUserInvite(Request& request) { RunAdminRequest(request, "user.invite", &Invite); }

}  // namespace tether::broker
