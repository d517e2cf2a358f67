// The SQLite store's support grants (POLICY.md "Support access"): the grant and its
// hidden support user are created together, and ending a grant disables the user and
// revokes its tokens in the same transaction, so no half-ended access survives a crash.
#include <string>
#include <utility>

#include "sqlite_store.h"

namespace tether::storage::sqlite {
namespace {

constexpr const char* kGrantColumns =
    "id, org_id, user_id, granted_by, granted_at, until, COALESCE(ended_at, 0), end_reason FROM support_grants ";

SupportGrant ReadGrant(const Statement& row) {
  SupportGrant grant;
  grant.id = row.Int(0);
  grant.org_id = row.Int(1);
  grant.user_id = row.Int(2);
  grant.granted_by = row.Int(3);
  grant.granted_at = row.Int(4);
  grant.until = row.Int(5);
  grant.ended_at = row.Int(6);
  grant.end_reason = row.Text(7);
  return grant;
}

}  // namespace

Result<SupportGrant> SqliteStore::CreateSupportGrant(SupportGrant grant, User support_user) {
  Transaction transaction(db_.get());
  if (Status s = transaction.Begin(); !s.ok()) return s;
  if (Result<SupportGrant> existing = FindSupportGrantInForce(grant.org_id); existing.ok()) {
    return Status::Conflict("support access is already granted until " + std::to_string(existing->until) +
                            ": change it with support_access.update or revoke it first");
  } else if (existing.status().code() != protocol::ErrorCode::kNotFound) {
    return existing.status();
  }
  support_user.org_id = grant.org_id;
  support_user.hidden = true;
  Result<User> user = InsertUser(std::move(support_user));
  if (!user.ok()) return user.status();
  if (grant.granted_at == 0) grant.granted_at = NowMs();
  Result<Statement> insert = Statement::Prepare(
      db_.get(),
      "INSERT INTO support_grants (org_id, user_id, granted_by, granted_at, until) VALUES (?1, ?2, ?3, ?4, ?5)");
  if (!insert.ok()) return insert.status();
  insert->Bind(1, grant.org_id).Bind(2, user->id).Bind(3, grant.granted_by).Bind(4, grant.granted_at);
  insert->Bind(5, grant.until);
  if (Status s = insert->Run(); !s.ok()) return s;
  grant.id = sqlite3_last_insert_rowid(db_.get());
  grant.user_id = user->id;
  if (Status s = transaction.Commit(); !s.ok()) return s;
  return grant;
}

Result<SupportGrant> SqliteStore::FindSupportGrantInForce(std::int64_t org_id) {
  Result<Statement> select = Statement::Prepare(
      db_.get(), std::string("SELECT ") + kGrantColumns + "WHERE org_id = ?1 AND ended_at IS NULL");
  if (!select.ok()) return select.status();
  select->Bind(1, org_id);
  Result<bool> row = select->Step();
  if (!row.ok()) return row.status();
  if (!*row) return Status::NotFound("no support access is granted");
  return ReadGrant(*select);
}

Result<std::vector<SupportGrant>> SqliteStore::ListSupportGrantsInForce() {
  Result<Statement> select =
      Statement::Prepare(db_.get(), std::string("SELECT ") + kGrantColumns + "WHERE ended_at IS NULL ORDER BY id");
  if (!select.ok()) return select.status();
  std::vector<SupportGrant> grants;
  for (;;) {
    Result<bool> row = select->Step();
    if (!row.ok()) return row.status();
    if (!*row) return grants;
    grants.push_back(ReadGrant(*select));
  }
}

Status SqliteStore::SetSupportGrantUntil(std::int64_t grant_id, std::int64_t until) {
  Result<Statement> update = Statement::Prepare(
      db_.get(), "UPDATE support_grants SET until = ?2 WHERE id = ?1 AND ended_at IS NULL");
  if (!update.ok()) return update.status();
  update->Bind(1, grant_id).Bind(2, until);
  if (Status s = update->Run(); !s.ok()) return s;
  if (sqlite3_changes(db_.get()) == 0) return Status::NotFound("no support access is granted");
  return Status::Ok();
}

Status SqliteStore::EndSupportGrant(std::int64_t grant_id, std::int64_t now, std::string_view reason) {
  Transaction transaction(db_.get());
  if (Status s = transaction.Begin(); !s.ok()) return s;
  Result<Statement> end = Statement::Prepare(
      db_.get(),
      "UPDATE support_grants SET ended_at = ?2, end_reason = ?3 WHERE id = ?1 AND ended_at IS NULL "
      "RETURNING user_id");
  if (!end.ok()) return end.status();
  end->Bind(1, grant_id).Bind(2, now).Bind(3, reason);
  Result<bool> row = end->Step();
  if (!row.ok()) return row.status();
  if (!*row) return Status::NotFound("no support access is granted");
  const std::int64_t user_id = end->Int(0);
  end->Reset();
  Result<Statement> disable =
      Statement::Prepare(db_.get(), "UPDATE users SET status = 'disabled' WHERE id = ?1 AND hidden = 1");
  if (!disable.ok()) return disable.status();
  disable->Bind(1, user_id);
  if (Status s = disable->Run(); !s.ok()) return s;
  if (Status s = RevokeUserTokens(user_id, ""); !s.ok()) return s;
  return transaction.Commit();
}

}  // namespace tether::storage::sqlite
