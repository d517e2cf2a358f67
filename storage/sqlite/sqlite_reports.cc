// The SQLite store's session reports (protocol/PROTOCOL.md "report.sessions"): session
// rows joined with what a report shows of their controller and device, and the
// participants recorded beside them (session_participants, schema version 6).
#include <algorithm>
#include <climits>
#include <string>
#include <utility>

#include "sqlite_store.h"

namespace tether::storage::sqlite {
namespace {

// The session columns of ReadSession, then the joined ones (from column 14).
constexpr const char* kReportSelect =
    "SELECT s.id, s.org_id, s.mode, s.state, s.controller_id, s.device_id, s.agent_name, s.title, "
    "s.scheduled_at, s.created_at, s.started_at, s.ended_at, s.end_reason, s.recorded, "
    "u.email, u.name, u.scope, u.id, d.name, d.group_id, g.department "
    "FROM sessions s "
    "LEFT JOIN users u ON u.id = s.controller_id "
    "LEFT JOIN devices d ON d.id = s.device_id AND s.device_id <> '' "
    "LEFT JOIN groups g ON g.id = d.group_id "
    "WHERE s.org_id = ?1";

Result<SessionReportRow> ReadReportRow(const Statement& row) {
  SessionReportRow report;
  report.session = ReadSession(row);
  const SessionRecord& session = report.session;
  report.controller_email = row.Text(14);
  report.controller_name = row.Text(15);
  if (!row.IsNull(17)) {  // a removed controller has no scope: nil would read as all groups
    Result<protocol::Value> scope = ReadScope(row, 16, "user " + std::to_string(session.controller_id));
    if (!scope.ok()) return scope.status();
    report.controller_scope = std::move(*scope);
  } else {
    report.controller_scope = protocol::Value::MapOf({{"groups", protocol::Value::MakeArray()}});
  }
  report.device_name = row.Text(18);
  report.device_group = row.Int(19);
  report.device_department = row.Text(20);
  return report;
}

}  // namespace

Status SqliteStore::AddSessionParticipant(std::string_view session_id, std::int64_t user_id, std::string_view mode,
                                          std::int64_t at) {
  if (mode != "view" && mode != "control") return Status::BadRequest("participant mode must be view or control");
  Result<Statement> insert = Statement::Prepare(
      db_.get(),
      "INSERT OR IGNORE INTO session_participants (session_id, user_id, mode, joined_at) VALUES (?1, ?2, ?3, ?4)");
  if (!insert.ok()) return insert.status();
  insert->Bind(1, session_id).Bind(2, user_id).Bind(3, mode).Bind(4, at);
  return insert->Run();
}

// Keyset paging on (created_at, id): a page costs the same however deep the cursor is.
Result<std::vector<SessionReportRow>> SqliteStore::ReportSessions(const SessionReportQuery& query) {
  std::vector<SessionReportRow> rows;
  if (query.limit == 0) return rows;
  std::string sql = kReportSelect;
  sql += " AND s.created_at >= ?2 AND s.created_at < ?3";
  if (query.controlled_by != 0) {
    sql += " AND (s.controller_id = ?4 OR s.id IN (SELECT session_id FROM session_participants "
           "WHERE user_id = ?4 AND mode = 'control'))";
  }
  if (query.before) sql += " AND (s.created_at < ?5 OR (s.created_at = ?5 AND s.id < ?6))";
  sql += " ORDER BY s.created_at DESC, s.id DESC LIMIT ?7";
  Result<Statement> select = Statement::Prepare(db_.get(), sql);
  if (!select.ok()) return select.status();
  select->Bind(1, query.org_id).Bind(2, query.from.value_or(INT64_MIN)).Bind(3, query.to.value_or(INT64_MAX));
  if (query.controlled_by != 0) select->Bind(4, query.controlled_by);
  if (query.before) select->Bind(5, query.before->first).Bind(6, query.before->second);
  select->Bind(7, static_cast<std::int64_t>(std::min<std::size_t>(query.limit, INT64_MAX)));
  for (;;) {
    Result<bool> row = select->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    Result<SessionReportRow> report = ReadReportRow(*select);
    if (!report.ok()) return report.status();
    rows.push_back(std::move(*report));
  }
  Result<Statement> participants = Statement::Prepare(
      db_.get(),
      "SELECT p.user_id, u.email, u.name, p.mode, p.joined_at FROM session_participants p "
      "LEFT JOIN users u ON u.id = p.user_id WHERE p.session_id = ?1 ORDER BY p.joined_at, p.user_id, p.mode");
  if (!participants.ok()) return participants.status();
  for (SessionReportRow& report : rows) {
    participants->Bind(1, report.session.id);
    for (;;) {
      Result<bool> row = participants->Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      report.participants.push_back(SessionParticipant{participants->Int(0), participants->Text(1),
                                                       participants->Text(2), participants->Text(3),
                                                       participants->Int(4)});
    }
    participants->Reset();
  }
  return rows;
}

}  // namespace tether::storage::sqlite
