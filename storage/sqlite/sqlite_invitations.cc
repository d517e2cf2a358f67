// The SQLite store's single-use tokens sent to people: invitations (POLICY.md
// "Invitations") and password resets. Using one is a conditional UPDATE that must change
// exactly one row, inside the same transaction as what the token grants, so two clients
// racing with the same token cannot both succeed.
#include <string>
#include <utility>

#include "sqlite_store.h"

namespace tether::storage::sqlite {
namespace {

constexpr const char* kInvitationColumns =
    "token_hash, org_id, kind, email, role_id, scope, user_id, created_by, created_at, expires_at, "
    "used_at FROM invitations ";

// Token hashes are not secret, but they are no use in a message either.
Status InvitationNotFound() { return Status::NotFound("invitation not found"); }

Result<Invitation> ReadInvitation(const Statement& row) {
  Invitation invitation;
  invitation.token_hash = row.Text(0);
  invitation.org_id = row.Int(1);
  invitation.kind = row.Text(2);
  invitation.email = row.Text(3);
  invitation.role_id = row.Text(4);
  Result<protocol::Value> scope = ReadScope(row, 5, "invitation of '" + invitation.email + "'");
  if (!scope.ok()) return scope.status();
  invitation.scope = std::move(*scope);
  invitation.user_id = row.Int(6);
  invitation.created_by = row.Int(7);
  invitation.created_at = row.Int(8);
  invitation.expires_at = row.Int(9);
  invitation.used_at = row.Int(10);
  return invitation;
}

// A used_at of 0 means "unused", so a token is never marked used at time 0.
std::int64_t UseTime(std::int64_t now) { return now > 0 ? now : NowMs(); }

}  // namespace

Status SqliteStore::CreateInvitations(const std::vector<Invitation>& invitations) {
  if (invitations.empty()) return Status::Ok();
  Transaction transaction(db_.get());
  if (Status s = transaction.Begin(); !s.ok()) return s;
  Result<Statement> insert = Statement::Prepare(
      db_.get(),
      "INSERT INTO invitations (token_hash, org_id, kind, email, role_id, scope, user_id, created_by, "
      "created_at, expires_at, used_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
  if (!insert.ok()) return insert.status();
  const std::int64_t now = NowMs();
  for (const Invitation& invitation : invitations) {
    insert->Reset();
    insert->Bind(1, invitation.token_hash).Bind(2, invitation.org_id).Bind(3, invitation.kind);
    insert->Bind(4, LowerCaseEmail(invitation.email)).Bind(5, invitation.role_id);
    BindScope(*insert, 6, invitation.scope);
    insert->Bind(7, invitation.user_id).Bind(8, invitation.created_by);
    insert->Bind(9, invitation.created_at != 0 ? invitation.created_at : now);
    insert->Bind(10, invitation.expires_at).Bind(11, invitation.used_at);
    if (Status s = insert->Run(); !s.ok()) {
      if (IsUniqueViolation(insert->error_code())) return Status::Conflict("invitation already exists");
      if (IsForeignKeyViolation(insert->error_code())) {
        return Status::NotFound("organisation " + std::to_string(invitation.org_id) + " not found");
      }
      return s;
    }
  }
  return transaction.Commit();
}

Result<Invitation> SqliteStore::FindInvitation(std::string_view token_hash) {
  Result<Statement> select =
      Statement::Prepare(db_.get(), std::string("SELECT ") + kInvitationColumns + "WHERE token_hash = ?1");
  if (!select.ok()) return select.status();
  select->Bind(1, token_hash);
  Result<bool> row = select->Step();
  if (!row.ok()) return row.status();
  if (!*row) return InvitationNotFound();
  return ReadInvitation(*select);
}

Result<Invitation> SqliteStore::UseInvitation(std::string_view token_hash, std::string_view kind,
                                              std::int64_t now) {
  Result<Statement> use = Statement::Prepare(
      db_.get(),
      "UPDATE invitations SET used_at = ?3 WHERE token_hash = ?1 AND kind = ?2 AND used_at = 0 "
      "AND expires_at > ?3");
  if (!use.ok()) return use.status();
  use->Bind(1, token_hash).Bind(2, kind).Bind(3, now);
  if (Status s = use->Run(); !s.ok()) return s;
  const bool used_now = sqlite3_changes(db_.get()) == 1;
  Result<Invitation> invitation = FindInvitation(token_hash);
  if (!invitation.ok()) return invitation.status();
  if (used_now) return invitation;
  // Nothing changed: say why. A token of the other kind is, for this use, no token at all.
  if (invitation->kind != kind) return InvitationNotFound();
  const std::string what = kind == "reset" ? "password reset" : "invitation";
  if (invitation->used_at != 0) return Status::Conflict(what + " already used");
  return Status::Expired(what + " expired");
}

// The user's organisation and email come from the invitation when left empty; given ones
// must match it, so an invitation of one organisation can never create a user in another.
Result<User> SqliteStore::AcceptInvitation(std::string_view token_hash, User user, std::int64_t now) {
  Transaction transaction(db_.get());
  if (Status s = transaction.Begin(); !s.ok()) return s;
  Result<Invitation> invitation = UseInvitation(token_hash, "invite", UseTime(now));
  if (!invitation.ok()) return invitation.status();
  if (user.org_id == 0) user.org_id = invitation->org_id;
  if (user.org_id != invitation->org_id) return InvitationNotFound();
  if (user.email.empty()) user.email = invitation->email;
  if (LowerCaseEmail(user.email) != invitation->email) {
    return Status::BadRequest("the invitation is for '" + invitation->email + "', not '" +
                              LowerCaseEmail(user.email) + "'");
  }
  Result<User> created = InsertUser(std::move(user));
  if (!created.ok()) return created.status();
  if (Status s = transaction.Commit(); !s.ok()) return s;
  return created;
}

// Every token of the user is revoked, including any an attacker holding the old password
// may have: a reset is how a user takes their account back.
Status SqliteStore::ConsumeReset(std::string_view token_hash, const std::string& password_hash,
                                 std::int64_t now) {
  Transaction transaction(db_.get());
  if (Status s = transaction.Begin(); !s.ok()) return s;
  Result<Invitation> reset = UseInvitation(token_hash, "reset", UseTime(now));
  if (!reset.ok()) return reset.status();
  Result<Statement> update =
      Statement::Prepare(db_.get(), "UPDATE users SET password_hash = ?3 WHERE id = ?1 AND org_id = ?2");
  if (!update.ok()) return update.status();
  update->Bind(1, reset->user_id).Bind(2, reset->org_id).Bind(3, password_hash);
  if (Status s = update->Run(); !s.ok()) return s;
  if (sqlite3_changes(db_.get()) == 0) {
    return Status::NotFound("user " + std::to_string(reset->user_id) + " not found");
  }
  if (Status s = RevokeUserTokens(reset->user_id, ""); !s.ok()) return s;
  return transaction.Commit();
}

}  // namespace tether::storage::sqlite
