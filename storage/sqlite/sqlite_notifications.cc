// The SQLite store's notifications: notices stored for one user (POLICY.md
// "notify_technician_changes"), read back newest first. They go with their recipient
// (ON DELETE CASCADE).
#include <climits>
#include <string>
#include <utility>

#include "sqlite_store.h"

namespace tether::storage::sqlite {

// The recipient must be a user of the notification's organisation: the INSERT selects
// from users, so a mismatch inserts nothing and is not_found.
Result<Notification> SqliteStore::CreateNotification(Notification notification) {
  if (notification.created_at == 0) notification.created_at = NowMs();
  Result<Statement> insert = Statement::Prepare(
      db_.get(),
      "INSERT INTO notifications (org_id, user_id, kind, body, created_at, read) "
      "SELECT org_id, id, ?3, ?4, ?5, ?6 FROM users WHERE id = ?2 AND org_id = ?1");
  if (!insert.ok()) return insert.status();
  insert->Bind(1, notification.org_id).Bind(2, notification.user_id).Bind(3, notification.kind);
  insert->Bind(4, EncodeBlob(notification.body)).Bind(5, notification.created_at);
  insert->BindBool(6, notification.read);
  if (Status s = insert->Run(); !s.ok()) return s;
  if (sqlite3_changes(db_.get()) == 0) {
    return Status::NotFound("user " + std::to_string(notification.user_id) + " not found");
  }
  notification.id = sqlite3_last_insert_rowid(db_.get());
  return notification;
}

Result<std::vector<Notification>> SqliteStore::ListNotifications(std::int64_t user_id, bool unread_only,
                                                                 std::size_t limit) {
  std::vector<Notification> notifications;
  if (limit == 0) return notifications;
  Result<Statement> select = Statement::Prepare(
      db_.get(),
      "SELECT id, org_id, user_id, kind, body, created_at, read FROM notifications "
      "WHERE user_id = ?1 AND (?2 = 0 OR read = 0) ORDER BY created_at DESC, id DESC LIMIT ?3");
  if (!select.ok()) return select.status();
  const std::int64_t bounded =
      limit > static_cast<std::size_t>(INT64_MAX) ? INT64_MAX : static_cast<std::int64_t>(limit);
  select->Bind(1, user_id).BindBool(2, unread_only).Bind(3, bounded);
  for (;;) {
    Result<bool> row = select->Step();
    if (!row.ok()) return row.status();
    if (!*row) return notifications;
    Notification notification;
    notification.id = select->Int(0);
    notification.org_id = select->Int(1);
    notification.user_id = select->Int(2);
    notification.kind = select->Text(3);
    Result<protocol::Value> body = DecodeBlob(select->Blob(4));
    if (!body.ok()) {
      return Status::Internal("notification " + std::to_string(notification.id) +
                              ": stored body unreadable: " + body.status().message());
    }
    notification.body = std::move(*body);
    notification.created_at = select->Int(5);
    notification.read = select->Bool(6);
    notifications.push_back(std::move(notification));
  }
}

}  // namespace tether::storage::sqlite
