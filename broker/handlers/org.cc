// org.get and org.update (PROTOCOL.md "Admin requests").
#include <set>

#include "broker.h"
#include "handlers/handlers.h"
#include "handlers/admin_request.h"
#include "handlers/lookups.h"
#include "handlers/wire.h"
#include "policy/preferences.h"
#include "policy/privileges.h"

namespace tether::broker {
namespace {

using protocol::Status;
using protocol::Value;

struct OrgView {
  protocol::Result<storage::Organization> org = Status::Internal("not loaded");
  std::uint32_t seats_used = 0;
};

OrgView LoadOrg(storage::Store& store, std::int64_t org_id) {
  OrgView view;
  view.org = store.GetOrganization(org_id);
  if (!view.org.ok()) return view;
  auto facts = LoadOrgFacts(store, org_id);
  if (!facts.ok()) {
    view.org = facts.status();
    return view;
  }
  view.seats_used = facts->seats_used;
  return view;
}

// A validated org.update: what changes, and the policy actions it needs.
struct OrgChange {
  std::optional<std::string> name;
  std::optional<std::string> plan;
  std::optional<std::uint64_t> seats;
  Value preferences = Value::MakeMap();
  std::set<policy::Action> actions;
};

protocol::Result<OrgChange> ParseOrgChange(const Value& body) {
  OrgChange change;
  auto name = protocol::OptionalString(body, "name");
  auto plan = protocol::OptionalString(body, "plan");
  auto seats = protocol::OptionalUint(body, "seats");
  for (const Status* s : {&name.status(), &plan.status(), &seats.status()}) {
    if (!s->ok()) return *s;
  }
  change.name = *name;
  change.plan = *plan;
  change.seats = *seats;
  if (change.name && (change.name->empty() || change.name->size() > 200)) {
    return Status::BadRequest("field 'name' must be 1 to 200 characters");
  }
  if (change.plan && !policy::IsKnownPlan(*change.plan)) {
    return Status::BadRequest("field 'plan' must be free, standard, professional or enterprise");
  }
  if (change.seats && *change.seats > 1'000'000) return Status::BadRequest("field 'seats' is too large");
  if (change.name) change.actions.insert(policy::Action::kOrgChangeName);
  if (change.plan || change.seats) change.actions.insert(policy::Action::kOrgChangePlanOrSeats);
  if (const Value* prefs = body.Find("preferences")) {
    if (!prefs->is_map()) return Status::BadRequest("field 'preferences' must be a map");
    for (const auto& [key, value] : prefs->as_map()) {
      policy::Action action;
      Status valid = policy::ValidatePreference(key, value, &action);
      if (!valid.ok()) return valid;
      change.actions.insert(policy::Action::kOrgChangePreferences);
      change.actions.insert(action);
      change.preferences.Set(key, value);
    }
  }
  if (change.actions.empty()) return Status::BadRequest("org.update changes nothing");
  return change;
}

// The changed organisation, or why it may not change (seats below those in use).
protocol::Result<storage::Organization> ApplyOrgChange(storage::Store& store, std::int64_t org_id,
                                                        const OrgChange& change) {
  OrgView view = LoadOrg(store, org_id);
  if (!view.org.ok()) return view.org.status();
  storage::Organization org = *view.org;
  if (change.seats && *change.seats < view.seats_used) {
    return Status(protocol::ErrorCode::kLicenceExceeded,
                  std::to_string(view.seats_used) + " seats are in use; remove users before lowering seats");
  }
  if (change.name) org.name = *change.name;
  if (change.plan) org.plan = *change.plan;
  if (change.seats) org.seats = static_cast<std::uint32_t>(*change.seats);
  for (const auto& [key, value] : change.preferences.as_map()) org.preferences.Set(key, value);
  Status updated = store.UpdateOrganization(org);
  if (!updated.ok()) return updated;
  return org;
}

// Answers `re` with the organisation as it is now (the shape org.get and org.update share).
void ReplyWithOrg(Connection& connection, std::uint64_t re) {
  std::int64_t org_id = connection.identity().actor.org_id;
  connection.broker().OnStorage<OrgView>(
      [org_id](storage::Store& store) { return LoadOrg(store, org_id); },
      [ref = connection.ref(), re](OrgView view) {
        Connection* c = ref.Get();
        if (c == nullptr) return;
        if (!view.org.ok()) return c->ReplyError(re, view.org.status());
        c->Reply(re, Value::MapOf({{"org", OrgToWire(*view.org, view.seats_used)}}));
      });
}

// Every admin request is audited, refused ones too (POLICY.md "Audit").
void RefuseAudited(Connection& connection, std::uint64_t re, const Value& request, const char* outcome,
                   const Status& refusal) {
  storage::AuditEvent event = connection.NewAuditEvent(audit_action::kOrgUpdate, outcome);
  event.target = connection.identity().org_slug;
  event.details = Value::MapOf({{"request", request}, {"reason", refusal.message()}});
  ConfirmAfterAudit(connection.ref(), re, std::move(event),
                    [re, refusal](Connection& c) { c.ReplyError(re, refusal); });
}

}  // namespace

void HandleOrgGet(Request& request) {
  Connection& connection = request.connection;
  Status allowed = policy::Authorize(connection.identity().actor, policy::Action::kOrgGet);
  if (!allowed.ok()) return connection.ReplyError(request.id, allowed);
  ReplyWithOrg(connection, request.id);
}

void HandleOrgUpdate(Request& request) {
  Connection& connection = request.connection;
  std::uint64_t re = request.id;
  Value details = request.message.body;  // what was asked, for the audit trail
  auto change = ParseOrgChange(details);
  if (!change.ok()) return RefuseAudited(connection, re, details, kOutcomeFailed, change.status());
  for (policy::Action action : change->actions) {
    Status allowed = policy::Authorize(connection.identity().actor, action);
    if (!allowed.ok()) return RefuseAudited(connection, re, details, kOutcomeDenied, allowed);
  }
  RunAdminRequest(request, audit_action::kOrgUpdate,
                  [change = *change, slug = connection.identity().org_slug](storage::Store& store,
                                                                            const AdminContext& context) {
                    AdminOutcome outcome;
                    outcome.target = slug;  // refused or not, the organisation is the target
                    outcome.status = ApplyOrgChange(store, context.actor.org_id, change).status();
                    if (!outcome.status.ok()) return outcome;
                    OrgView view = LoadOrg(store, context.actor.org_id);
                    outcome.status = view.org.status();
                    if (view.org.ok()) outcome.reply = Value::MapOf({{"org", OrgToWire(*view.org, view.seats_used)}});
                    return outcome;
                  });
}

}  // namespace tether::broker
