// The SQLite store's users: creating, reading, updating and removing them, the counts
// behind licence seats and role deletion, revoking their tokens, and ownership transfer.
#include <string>
#include <utility>

#include "sqlite_store.h"

namespace tether::storage::sqlite {
namespace {

// The one built-in role that exactly one user of an organisation holds (POLICY.md).
constexpr std::string_view kOwnerRole = "super_admin";
constexpr std::string_view kAdminRole = "admin";

constexpr const char* kUserColumns =
    "id, org_id, email, name, role_id, password_hash, status, hidden, created_at, scope, "
    "totp_secret, totp_enabled, totp_last_step FROM users ";

Result<User> ReadUser(const Statement& row) {
  User user;
  user.id = row.Int(0);
  user.org_id = row.Int(1);
  user.email = row.Text(2);
  user.name = row.Text(3);
  user.role_id = row.Text(4);
  user.password_hash = row.Text(5);
  user.status = row.Text(6);
  user.hidden = row.Bool(7);
  user.created_at = row.Int(8);
  Result<protocol::Value> scope = ReadScope(row, 9, "user " + std::to_string(user.id));
  if (!scope.ok()) return scope.status();
  user.scope = std::move(*scope);
  user.totp_secret = row.Text(10);
  user.totp_enabled = row.Bool(11);
  user.totp_last_step = row.Int(12);
  return user;
}

Result<User> QueryUser(Statement& statement, const std::string& what) {
  Result<bool> row = statement.Step();
  if (!row.ok()) return row.status();
  if (!*row) return Status::NotFound("user " + what + " not found");
  return ReadUser(statement);
}

Result<std::uint32_t> QueryCount(Statement& count) {
  Result<bool> row = count.Step();
  if (!row.ok()) return row.status();
  return static_cast<std::uint32_t>(*row ? count.Int(0) : 0);
}

Status UserNotFound(std::int64_t user_id) {
  return Status::NotFound("user " + std::to_string(user_id) + " not found");
}

}  // namespace

Result<User> SqliteStore::InsertUser(User user) {
  user.email = LowerCaseEmail(user.email);
  if (user.created_at == 0) user.created_at = NowMs();
  Result<Statement> insert = Statement::Prepare(
      db_.get(),
      "INSERT INTO users (org_id, email, name, role_id, password_hash, status, hidden, created_at, "
      "scope, totp_secret, totp_enabled, totp_last_step) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)");
  if (!insert.ok()) return insert.status();
  insert->Bind(1, user.org_id).Bind(2, user.email).Bind(3, user.name).Bind(4, user.role_id);
  insert->Bind(5, user.password_hash).Bind(6, user.status).BindBool(7, user.hidden);
  insert->Bind(8, user.created_at);
  BindScope(*insert, 9, user.scope);
  insert->Bind(10, user.totp_secret).BindBool(11, user.totp_enabled).Bind(12, user.totp_last_step);
  if (Status s = insert->Run(); !s.ok()) {
    if (IsUniqueViolation(insert->error_code())) {
      return Status::Conflict("user '" + user.email + "' already exists");
    }
    if (IsForeignKeyViolation(insert->error_code())) {
      return Status::NotFound("organisation " + std::to_string(user.org_id) + " not found");
    }
    return s;
  }
  user.id = sqlite3_last_insert_rowid(db_.get());
  return user;
}

Result<User> SqliteStore::CreateUser(User user) { return InsertUser(std::move(user)); }

Result<User> SqliteStore::FindUserByEmail(std::int64_t org_id, std::string_view email) {
  Result<Statement> select = Statement::Prepare(
      db_.get(), std::string("SELECT ") + kUserColumns + "WHERE org_id = ?1 AND email = ?2");
  if (!select.ok()) return select.status();
  const std::string lower = LowerCaseEmail(email);
  select->Bind(1, org_id).Bind(2, lower);
  return QueryUser(*select, "'" + lower + "'");
}

Result<User> SqliteStore::GetUser(std::int64_t user_id) {
  Result<Statement> select =
      Statement::Prepare(db_.get(), std::string("SELECT ") + kUserColumns + "WHERE id = ?1");
  if (!select.ok()) return select.status();
  select->Bind(1, user_id);
  return QueryUser(*select, std::to_string(user_id));
}

// Hidden support users are left out: POLICY.md "a support user takes no seat".
Result<std::uint32_t> SqliteStore::CountActiveUsersWithRoles(std::int64_t org_id,
                                                             const std::vector<std::string>& role_ids) {
  if (role_ids.empty()) return std::uint32_t{0};
  std::string sql =
      "SELECT COUNT(*) FROM users WHERE org_id = ?1 AND status = 'active' AND hidden = 0 "
      "AND role_id IN (";
  for (std::size_t i = 0; i < role_ids.size(); ++i) {
    sql += (i == 0 ? "?" : ", ?") + std::to_string(i + 2);
  }
  sql += ")";
  Result<Statement> count = Statement::Prepare(db_.get(), sql);
  if (!count.ok()) return count.status();
  count->Bind(1, org_id);
  for (std::size_t i = 0; i < role_ids.size(); ++i) count->Bind(static_cast<int>(i + 2), role_ids[i]);
  return QueryCount(*count);
}

// email, org_id, hidden and created_at are fixed when the user is created.
Status SqliteStore::UpdateUser(const User& user) {
  Result<Statement> update = Statement::Prepare(
      db_.get(),
      "UPDATE users SET name = ?2, role_id = ?3, password_hash = ?4, status = ?5, scope = ?6, "
      "totp_secret = ?7, totp_enabled = ?8, totp_last_step = ?9 WHERE id = ?1");
  if (!update.ok()) return update.status();
  update->Bind(1, user.id).Bind(2, user.name).Bind(3, user.role_id).Bind(4, user.password_hash);
  update->Bind(5, user.status);
  BindScope(*update, 6, user.scope);
  update->Bind(7, user.totp_secret).BindBool(8, user.totp_enabled).Bind(9, user.totp_last_step);
  if (Status s = update->Run(); !s.ok()) return s;
  if (sqlite3_changes(db_.get()) == 0) return UserNotFound(user.id);
  return Status::Ok();
}

// tokens.user_id has no ON DELETE CASCADE (schema version 1), so the tokens go explicitly.
// Unused password resets go too: user ids can be reused by SQLite, and a reset left
// behind would otherwise set the password of whoever gets this id next.
Status SqliteStore::DeleteUser(std::int64_t user_id) {
  Transaction transaction(db_.get());
  if (Status s = transaction.Begin(); !s.ok()) return s;
  for (const char* sql : {"DELETE FROM tokens WHERE user_id = ?1",
                          "DELETE FROM invitations WHERE kind = 'reset' AND user_id = ?1",
                          "DELETE FROM users WHERE id = ?1"}) {
    Result<Statement> remove = Statement::Prepare(db_.get(), sql);
    if (!remove.ok()) return remove.status();
    remove->Bind(1, user_id);
    if (Status s = remove->Run(); !s.ok()) return s;
  }
  // Changes of the last statement only: the user row (notifications go by cascade).
  if (sqlite3_changes(db_.get()) == 0) return UserNotFound(user_id);
  return transaction.Commit();
}

Result<std::vector<User>> SqliteStore::ListUsers(std::int64_t org_id, bool include_hidden) {
  Result<Statement> select = Statement::Prepare(
      db_.get(), std::string("SELECT ") + kUserColumns +
                     "WHERE org_id = ?1 AND (?2 OR hidden = 0) ORDER BY id");
  if (!select.ok()) return select.status();
  select->Bind(1, org_id).BindBool(2, include_hidden);
  std::vector<User> users;
  for (;;) {
    Result<bool> row = select->Step();
    if (!row.ok()) return row.status();
    if (!*row) return users;
    Result<User> user = ReadUser(*select);
    if (!user.ok()) return user.status();
    users.push_back(std::move(*user));
  }
}

Result<std::uint32_t> SqliteStore::CountUsersWithRole(std::int64_t org_id, std::string_view role_id) {
  Result<Statement> count =
      Statement::Prepare(db_.get(), "SELECT COUNT(*) FROM users WHERE org_id = ?1 AND role_id = ?2");
  if (!count.ok()) return count.status();
  count->Bind(1, org_id).Bind(2, role_id);
  return QueryCount(*count);
}

Status SqliteStore::RevokeUserTokens(std::int64_t user_id, std::string_view keep_token_hash) {
  Result<Statement> update = Statement::Prepare(
      db_.get(), "UPDATE tokens SET revoked = 1 WHERE user_id = ?1 AND token_hash <> ?2 AND revoked = 0");
  if (!update.ok()) return update.status();
  update->Bind(1, user_id).Bind(2, keep_token_hash);
  return update->Run();
}

// Checked under the write lock, so that two transfers racing cannot leave two owners (or
// none): the old owner must still be the Super Admin, the new one an active, visible user
// of the same organisation.
Status SqliteStore::TransferOwnership(std::int64_t old_owner, std::int64_t new_owner) {
  if (old_owner == new_owner) {
    return Status::Conflict("user " + std::to_string(old_owner) + " already owns the organisation");
  }
  Transaction transaction(db_.get());
  if (Status s = transaction.Begin(); !s.ok()) return s;
  Result<User> from = GetUser(old_owner);
  if (!from.ok()) return from.status();
  if (from->role_id != kOwnerRole) {
    return Status::Conflict("user " + std::to_string(old_owner) + " is not the super admin");
  }
  Result<User> to = GetUser(new_owner);
  if (!to.ok()) return to.status();
  if (to->org_id != from->org_id || to->hidden) return UserNotFound(new_owner);
  if (to->status != "active") {
    return Status::Conflict("user " + std::to_string(new_owner) + " is not active");
  }
  Result<Statement> update = Statement::Prepare(db_.get(), "UPDATE users SET role_id = ?2 WHERE id = ?1");
  if (!update.ok()) return update.status();
  update->Bind(1, new_owner).Bind(2, kOwnerRole);
  if (Status s = update->Run(); !s.ok()) return s;
  update->Reset();
  update->Bind(1, old_owner).Bind(2, kAdminRole);
  if (Status s = update->Run(); !s.ok()) return s;
  return transaction.Commit();
}

}  // namespace tether::storage::sqlite
