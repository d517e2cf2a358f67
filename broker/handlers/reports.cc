// report.sessions (protocol/PROTOCOL.md §6.12; POLICY.md "Reports"): the organisation's
// sessions, newest first, with controller, device or customer, times, end reason and
// supervisors. `reports` sees the sessions in the caller's scope, `reports_own` only
// those the caller controlled. Asked for as an export it also needs audit_export.
#include <climits>
#include <cstdint>
#include <string>
#include <utility>

#include "handlers/admin_request.h"
#include "handlers/wire.h"

namespace tether::broker {
namespace {

using protocol::Status;
using protocol::Value;

constexpr std::uint64_t kMaxLimit = 1000;
// One request reads at most this many rows looking for sessions in scope, so that a
// narrow scope over a long history cannot hold the storage thread; the cursor goes on.
constexpr std::size_t kMaxScannedRows = 5000;

struct ReportRequest {
  storage::SessionReportQuery query;
  bool as_export = false;
};

// "<created_at>.<session id>": the last session a page looked at.
std::string CursorOf(const std::pair<std::int64_t, std::string>& key) {
  return std::to_string(key.first) + "." + key.second;
}

protocol::Result<std::pair<std::int64_t, std::string>> ParseCursor(const std::string& cursor) {
  const Status bad = Status::BadRequest("field 'cursor' is not a cursor this broker gave");
  std::size_t dot = cursor.find('.');
  if (dot == std::string::npos || dot == 0 || dot > 18 || dot + 1 == cursor.size()) return bad;
  std::string time = cursor.substr(0, dot);
  if (time.find_first_not_of("0123456789") != std::string::npos) return bad;
  return std::make_pair(static_cast<std::int64_t>(std::stoll(time)), cursor.substr(dot + 1));
}

protocol::Result<ReportRequest> ParseReport(const Value& body, std::int64_t org_id) {
  ReportRequest request;
  request.query.org_id = org_id;
  auto from = protocol::OptionalUint(body, "from");
  auto to = protocol::OptionalUint(body, "to");
  auto limit = protocol::OptionalUint(body, "limit");
  auto cursor = protocol::OptionalString(body, "cursor");
  auto as_export = protocol::OptionalBool(body, "export");
  for (const Status* s : {&from.status(), &to.status(), &limit.status(), &cursor.status(), &as_export.status()}) {
    if (!s->ok()) return *s;
  }
  constexpr std::uint64_t kMaxTime = INT64_MAX;
  if ((*from && **from > kMaxTime) || (*to && **to > kMaxTime)) return Status::BadRequest("a time is out of range");
  if (*from) request.query.from = static_cast<std::int64_t>(**from);
  if (*to) request.query.to = static_cast<std::int64_t>(**to);
  request.query.limit = limit->value_or(100);
  if (request.query.limit == 0 || request.query.limit > kMaxLimit) {
    return Status::BadRequest("field 'limit' must be 1 to 1000");
  }
  if (*cursor && !(*cursor)->empty()) {
    auto before = ParseCursor(**cursor);
    if (!before.ok()) return before.status();
    request.query.before = *before;
  }
  request.as_export = as_export->value_or(false);
  return request;
}

Value OptionalTime(std::int64_t ms) { return ms > 0 ? Value(static_cast<std::uint64_t>(ms)) : Value(); }

Value ParticipantsInMode(const storage::SessionReportRow& row, const std::string& mode) {
  Value list = Value::MakeArray();
  for (const storage::SessionParticipant& p : row.participants) {
    if (p.mode != mode) continue;
    list.Push(Value::MapOf({{"id", std::to_string(p.user_id)},
                            {"email", p.email},
                            {"name", p.name},
                            {"joined_at", OptionalTime(p.joined_at)}}));
  }
  return list;
}

Value ReportRowToWire(const storage::SessionReportRow& row) {
  const storage::SessionRecord& s = row.session;
  bool attended = s.mode == "attended";
  Value duration;
  if (s.started_at > 0 && s.ended_at >= s.started_at) duration = static_cast<std::uint64_t>(s.ended_at - s.started_at);
  return Value::MapOf(
      {{"session_id", s.id},
       {"mode", s.mode},
       {"state", s.state},
       {"controller", Value::MapOf({{"id", std::to_string(s.controller_id)},
                                    {"email", row.controller_email},
                                    {"name", row.controller_name}})},
       {"device", attended ? Value() : Value::MapOf({{"device_id", s.device_id}, {"name", row.device_name}})},
       {"customer", attended ? Value(s.agent_name) : Value()},
       {"title", s.title},
       {"created_at", OptionalTime(s.created_at)},
       {"started_at", OptionalTime(s.started_at)},
       {"ended_at", OptionalTime(s.ended_at)},
       {"duration_ms", duration},
       {"end_reason", s.end_reason},
       {"recorded", s.recorded},
       {"supervisors", ParticipantsInMode(row, "view")},
       {"controllers", ParticipantsInMode(row, "control")}});
}

bool InScope(const policy::Actor& actor, const storage::SessionReportRow& row) {
  auto controller_scope = policy::ScopeFromWire(row.controller_scope);
  policy::SessionFacts facts{row.session.org_id,
                             row.session.mode == "attended",
                             row.session.controller_id,
                             controller_scope.ok() ? *controller_scope : policy::Scope{},
                             row.device_group,
                             row.device_department};
  return policy::SessionInScope(actor, facts);
}

AdminOutcome Report(storage::Store& store, const AdminContext& context) {
  auto request = ParseReport(context.body, context.actor.org_id);
  if (!request.ok()) return AdminOutcome::Refused(request.status());
  auto reach = policy::AuthorizeSessionReport(context.actor);
  if (!reach.ok()) return AdminOutcome::Refused(reach.status());
  if (request->as_export) TETHER_REFUSE_IF(policy::Authorize(context.actor, policy::Action::kAuditExport));
  storage::SessionReportQuery query = request->query;
  if (*reach == policy::ReportReach::kOwnOnly) query.controlled_by = context.actor.user_id;
  Value sessions = Value::MakeArray();
  std::size_t found = 0;
  std::size_t scanned = 0;
  std::string cursor;  // stays "" once the oldest matching session has been looked at
  for (;;) {
    auto rows = store.ReportSessions(query);
    if (!rows.ok()) return AdminOutcome::Refused(rows.status());
    bool page_full = false;
    for (const storage::SessionReportRow& row : *rows) {
      ++scanned;
      query.before = std::make_pair(row.session.created_at, row.session.id);
      if (*reach == policy::ReportReach::kInScope && !InScope(context.actor, row)) continue;
      sessions.Push(ReportRowToWire(row));
      if (++found == request->query.limit) {
        page_full = true;
        break;
      }
    }
    bool exhausted = !page_full && rows->size() < query.limit;
    if (exhausted) break;
    if (page_full || scanned >= kMaxScannedRows) {
      cursor = CursorOf(*query.before);
      break;
    }
  }
  AdminOutcome outcome;
  outcome.reply = Value::MapOf({{"sessions", std::move(sessions)}, {"cursor", cursor}});
  return outcome;
}

}  // namespace

void HandleReportSessions(Request& request) { RunAdminRequest(request, "report.sessions", &Report); }

}  // namespace tether::broker
