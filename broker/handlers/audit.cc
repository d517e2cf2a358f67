// audit.query and audit.verify (PROTOCOL.md "Admin requests"; privilege audit_view): the
// organisation's own chain only, newest first, cursor paging; both on the reader thread.
#include "handlers/admin_request.h"
#include "handlers/audit_wire.h"

namespace tether::broker {
namespace {

using protocol::Status;
using protocol::Value;

constexpr std::uint64_t kMaxLimit = 1000;

}  // namespace

Value AuditEventToWire(const storage::AuditEvent& e) {
  return Value::MapOf({{"seq", e.seq},
                       {"time", static_cast<std::uint64_t>(e.time)},
                       {"actor", e.actor_id},
                       {"actor_kind", e.actor_kind},  // extension: user, device, agent, anonymous, system
                       {"support", e.support},
                       {"action", e.action},
                       {"target", e.target},
                       {"session_id", e.session_id},
                       {"source", e.source},
                       {"outcome", e.outcome},
                       {"details", e.details}});
}

protocol::Result<storage::AuditQuery> ParseAuditFilters(const Value& body, std::int64_t chain) {
  storage::AuditQuery query;
  query.chain = chain;
  auto from = protocol::OptionalUint(body, "from");
  auto to = protocol::OptionalUint(body, "to");
  auto actor = protocol::OptionalString(body, "actor");
  auto support = protocol::OptionalBool(body, "support_only");
  auto session = protocol::OptionalString(body, "session_id");
  auto action = protocol::OptionalString(body, "action");
  auto outcome = protocol::OptionalString(body, "outcome");
  auto target = protocol::OptionalString(body, "target");
  for (const Status* s : {&from.status(), &to.status(), &actor.status(), &support.status(), &session.status(),
                          &action.status(), &outcome.status(), &target.status()}) {
    if (!s->ok()) return *s;
  }
  if (*from) query.from = static_cast<std::int64_t>(**from);
  if (*to) query.to = static_cast<std::int64_t>(**to);
  query.actor = *actor;
  query.support_only = support->value_or(false);
  query.session_id = *session;
  query.action_prefix = *action;
  query.outcome = *outcome;
  query.target = *target;
  return query;
}

namespace {

protocol::Result<storage::AuditQuery> ParseQuery(const Value& body, std::int64_t chain) {
  auto query = ParseAuditFilters(body, chain);
  if (!query.ok()) return query.status();
  auto limit = protocol::OptionalUint(body, "limit");
  auto cursor = protocol::OptionalString(body, "cursor");
  for (const Status* s : {&limit.status(), &cursor.status()}) {
    if (!s->ok()) return *s;
  }
  query->limit = limit->value_or(100);
  if (query->limit == 0 || query->limit > kMaxLimit) return Status::BadRequest("field 'limit' must be 1 to 1000");
  if (*cursor && !(*cursor)->empty()) {
    bool digits = (*cursor)->size() <= 19 && (*cursor)->find_first_not_of("0123456789") == std::string::npos;
    if (!digits) return Status::BadRequest("field 'cursor' is not a cursor this broker gave");
    query->before_seq = std::stoull(**cursor);
  }
  return query;
}

AdminOutcome Query(storage::Store& store, const AdminContext& context) {
  TETHER_REFUSE_IF(policy::Authorize(context.actor, policy::Action::kAuditView));
  auto query = ParseQuery(context.body, context.actor.org_id);
  if (!query.ok()) return AdminOutcome::Refused(query.status());
  auto events = store.QueryAudit(*query);
  if (!events.ok()) return AdminOutcome::Refused(events.status());
  Value list = Value::MakeArray();
  for (const storage::AuditEvent& e : *events) list.Push(AuditEventToWire(e));
  AdminOutcome outcome;
  // A full page may have more below it: the cursor is the last seq seen ("" at the end).
  bool full = events->size() == query->limit && !events->empty() && events->back().seq > 1;
  outcome.reply = Value::MapOf({{"events", std::move(list)},
                                {"cursor", full ? std::to_string(events->back().seq) : std::string()}});
  return outcome;
}

AdminOutcome Verify(storage::Store& store, const AdminContext& context) {
  TETHER_REFUSE_IF(policy::Authorize(context.actor, policy::Action::kAuditView));
  auto verification = store.VerifyAudit(context.actor.org_id);
  if (!verification.ok()) return AdminOutcome::Refused(verification.status());
  AdminOutcome outcome;
  // The head is the anchor an auditor keeps outside the broker (PROTOCOL.md §8).
  outcome.reply = Value::MapOf({{"ok", verification->ok},
                                {"events_checked", verification->events_checked},
                                {"head_seq", verification->head_seq},
                                {"head_hash", verification->head_hash},
                                {"checkpoint_seq", verification->checkpoint_seq},
                                {"checkpoint_hash", verification->checkpoint_hash}});
  if (!verification->ok) {
    outcome.reply.Set("first_bad_seq", verification->first_bad_seq);
    outcome.reply.Set("problem", verification->problem);
  }
  return outcome;
}

}  // namespace

// Both only read, and a verification walks the whole chain: they run on the reader.
void HandleAuditQuery(Request& request) { RunReadOnlyAdminRequest(request, "audit.query", &Query); }
void HandleAuditVerify(Request& request) { RunReadOnlyAdminRequest(request, "audit.verify", &Verify); }

}  // namespace tether::broker
