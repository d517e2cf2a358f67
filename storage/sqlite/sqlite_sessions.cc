// The SQLite store's session records (PROTOCOL.md "Sessions"). The live state of a
// session is the broker's; the row is written at each change of state, for reports, the
// audit trail and the recovery after a crash (EndOpenSessions). A record outlives its
// controller and its device: neither column is a foreign key.
#include <string>
#include <utility>

#include "sqlite_store.h"

namespace tether::storage::sqlite {
namespace {

constexpr const char* kSessionColumns =
    "id, org_id, mode, state, controller_id, device_id, agent_name, title, scheduled_at, created_at, "
    "started_at, ended_at, end_reason, recorded FROM sessions ";

}  // namespace

SessionRecord ReadSession(const Statement& row) {
  SessionRecord session;
  session.id = row.Text(0);
  session.org_id = row.Int(1);
  session.mode = row.Text(2);
  session.state = row.Text(3);
  session.controller_id = row.Int(4);
  session.device_id = row.Text(5);
  session.agent_name = row.Text(6);
  session.title = row.Text(7);
  session.scheduled_at = row.Int(8);
  session.created_at = row.Int(9);
  session.started_at = row.Int(10);
  session.ended_at = row.Int(11);
  session.end_reason = row.Text(12);
  session.recorded = row.Bool(13);
  return session;
}

// INSERT OR REPLACE: the broker saves the whole record at every change of state, and
// nothing references a session row, so replacing it loses nothing.
Status SqliteStore::SaveSession(const SessionRecord& session) {
  if (session.id.empty()) return Status::BadRequest("session id is empty");
  Result<Statement> save = Statement::Prepare(
      db_.get(),
      "INSERT OR REPLACE INTO sessions (id, org_id, mode, state, controller_id, device_id, agent_name, "
      "title, scheduled_at, created_at, started_at, ended_at, end_reason, recorded) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)");
  if (!save.ok()) return save.status();
  save->Bind(1, session.id).Bind(2, session.org_id).Bind(3, session.mode).Bind(4, session.state);
  save->Bind(5, session.controller_id).Bind(6, session.device_id).Bind(7, session.agent_name);
  save->Bind(8, session.title).Bind(9, session.scheduled_at).Bind(10, session.created_at);
  save->Bind(11, session.started_at).Bind(12, session.ended_at).Bind(13, session.end_reason);
  save->BindBool(14, session.recorded);
  if (Status s = save->Run(); !s.ok()) {
    if (IsForeignKeyViolation(save->error_code())) {
      return Status::NotFound("organisation " + std::to_string(session.org_id) + " not found");
    }
    return s;
  }
  return Status::Ok();
}

Result<SessionRecord> SqliteStore::GetSession(std::string_view session_id) {
  Result<Statement> select =
      Statement::Prepare(db_.get(), std::string("SELECT ") + kSessionColumns + "WHERE id = ?1");
  if (!select.ok()) return select.status();
  select->Bind(1, session_id);
  Result<bool> row = select->Step();
  if (!row.ok()) return row.status();
  if (!*row) return Status::NotFound("session '" + std::string(session_id) + "' not found");
  return ReadSession(*select);
}

// The read and the update share one write transaction, so the sessions returned are
// exactly the ones ended. Both use the partial index sessions_open (ended_at = 0).
Result<std::vector<SessionRecord>> SqliteStore::EndOpenSessions(std::string_view reason, std::int64_t now) {
  // ended_at 0 means open: ending at time 0 would leave the sessions open.
  if (now <= 0) return Status::BadRequest("end time " + std::to_string(now) + " is not a time");
  Transaction transaction(db_.get());
  if (Status s = transaction.Begin(); !s.ok()) return s;
  Result<Statement> select = Statement::Prepare(
      db_.get(), std::string("SELECT ") + kSessionColumns +
                     "WHERE ended_at = 0 AND state <> 'scheduled' ORDER BY created_at, id");
  if (!select.ok()) return select.status();
  std::vector<SessionRecord> ended;
  for (;;) {
    Result<bool> row = select->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    SessionRecord session = ReadSession(*select);
    session.state = "ended";
    session.ended_at = now;
    session.end_reason = std::string(reason);
    ended.push_back(std::move(session));
  }
  Result<Statement> update = Statement::Prepare(
      db_.get(),
      "UPDATE sessions SET state = 'ended', ended_at = ?1, end_reason = ?2 WHERE ended_at = 0 AND state <> 'scheduled'");
  if (!update.ok()) return update.status();
  update->Bind(1, now).Bind(2, reason);
  if (Status s = update->Run(); !s.ok()) return s;
  if (static_cast<std::size_t>(sqlite3_changes(db_.get())) != ended.size()) {
    return Status::Internal("sessions: ended " + std::to_string(sqlite3_changes(db_.get())) +
                            " open sessions, expected " + std::to_string(ended.size()));
  }
  if (Status s = transaction.Commit(); !s.ok()) return s;
  return ended;
}

Result<std::vector<SessionRecord>> SqliteStore::ListScheduledSessions() {
  Result<Statement> select = Statement::Prepare(
      db_.get(), std::string("SELECT ") + kSessionColumns +
                     "WHERE ended_at = 0 AND state = 'scheduled' ORDER BY scheduled_at, id");
  if (!select.ok()) return select.status();
  std::vector<SessionRecord> scheduled;
  for (;;) {
    Result<bool> row = select->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    scheduled.push_back(ReadSession(*select));
  }
  return scheduled;
}

}  // namespace tether::storage::sqlite
