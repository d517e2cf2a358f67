// The SQLite store's groups of unattended devices (POLICY.md "Groups and scope"). Group 0
// is the organisation's default group: it has no row, and a device in it has group_id
// NULL. The devices themselves are in sqlite_devices.cc.
#include <string>
#include <utility>

#include "sqlite_store.h"

namespace tether::storage::sqlite {
namespace {

constexpr const char* kGroupColumns =
    "id, org_id, name, department, created_by, created_at, session_confirmation FROM groups ";

Group ReadGroup(const Statement& row) {
  Group group;
  group.id = row.Int(0);
  group.org_id = row.Int(1);
  group.name = row.Text(2);
  group.department = row.Text(3);
  group.created_by = row.Int(4);
  group.created_at = row.Int(5);
  group.session_confirmation = row.Bool(6);
  return group;
}

Status GroupNotFound(std::int64_t group_id) {
  return Status::NotFound("group " + std::to_string(group_id) + " not found");
}

Status OrganizationNotFound(std::int64_t org_id) {
  return Status::NotFound("organisation " + std::to_string(org_id) + " not found");
}

}  // namespace

Result<Group> SqliteStore::CreateGroup(Group group) {
  if (group.created_at == 0) group.created_at = NowMs();
  Result<Statement> insert = Statement::Prepare(
      db_.get(),
      "INSERT INTO groups (org_id, name, department, created_by, created_at, session_confirmation) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  if (!insert.ok()) return insert.status();
  insert->Bind(1, group.org_id).Bind(2, group.name).Bind(3, group.department);
  insert->Bind(4, group.created_by).Bind(5, group.created_at).BindBool(6, group.session_confirmation);
  if (Status s = insert->Run(); !s.ok()) {
    if (IsUniqueViolation(insert->error_code())) {
      return Status::Conflict("group '" + group.name + "' already exists");
    }
    if (IsForeignKeyViolation(insert->error_code())) return OrganizationNotFound(group.org_id);
    return s;
  }
  group.id = sqlite3_last_insert_rowid(db_.get());
  return group;
}

// name, department and session_confirmation; by id within group.org_id.
Status SqliteStore::UpdateGroup(const Group& group) {
  Result<Statement> update = Statement::Prepare(
      db_.get(), "UPDATE groups SET name = ?3, department = ?4, session_confirmation = ?5 WHERE id = ?1 AND org_id = ?2");
  if (!update.ok()) return update.status();
  update->Bind(1, group.id).Bind(2, group.org_id).Bind(3, group.name).Bind(4, group.department);
  update->BindBool(5, group.session_confirmation);
  if (Status s = update->Run(); !s.ok()) {
    if (IsUniqueViolation(update->error_code())) return Status::Conflict("group '" + group.name + "' already exists");
    return s;
  }
  if (sqlite3_changes(db_.get()) == 0) return GroupNotFound(group.id);
  return Status::Ok();
}

Result<Group> SqliteStore::GetGroup(std::int64_t org_id, std::int64_t group_id) {
  Result<Statement> select = Statement::Prepare(
      db_.get(), std::string("SELECT ") + kGroupColumns + "WHERE id = ?1 AND org_id = ?2");
  if (!select.ok()) return select.status();
  select->Bind(1, group_id).Bind(2, org_id);
  Result<bool> row = select->Step();
  if (!row.ok()) return row.status();
  if (!*row) return GroupNotFound(group_id);
  return ReadGroup(*select);
}

Result<std::vector<Group>> SqliteStore::ListGroups(std::int64_t org_id) {
  Result<Statement> select = Statement::Prepare(
      db_.get(), std::string("SELECT ") + kGroupColumns + "WHERE org_id = ?1 ORDER BY name, id");
  if (!select.ok()) return select.status();
  select->Bind(1, org_id);
  std::vector<Group> groups;
  for (;;) {
    Result<bool> row = select->Step();
    if (!row.ok()) return row.status();
    if (!*row) return groups;
    groups.push_back(ReadGroup(*select));
  }
}

// The device count and the delete share one write transaction, so a device moved into
// the group meanwhile cannot be orphaned (the foreign key would refuse it anyway, but as
// internal rather than as the conflict the caller can explain). The group's deployment
// keys go with it (ON DELETE CASCADE, migration 3).
Status SqliteStore::DeleteGroup(std::int64_t org_id, std::int64_t group_id) {
  Transaction transaction(db_.get());
  if (Status s = transaction.Begin(); !s.ok()) return s;
  Result<Group> group = GetGroup(org_id, group_id);
  if (!group.ok()) return group.status();
  Result<std::uint32_t> devices = CountDevicesInGroup(org_id, group_id);
  if (!devices.ok()) return devices.status();
  if (*devices > 0) {
    return Status::Conflict("group '" + group->name + "' holds " + CountOf(*devices, "device"));
  }
  Result<Statement> remove =
      Statement::Prepare(db_.get(), "DELETE FROM groups WHERE id = ?1 AND org_id = ?2");
  if (!remove.ok()) return remove.status();
  remove->Bind(1, group_id).Bind(2, org_id);
  if (Status s = remove->Run(); !s.ok()) return s;
  return transaction.Commit();
}

// Group 0 counts the devices in the organisation's default group.
Result<std::uint32_t> SqliteStore::CountDevicesInGroup(std::int64_t org_id, std::int64_t group_id) {
  Result<Statement> count =
      Statement::Prepare(db_.get(), "SELECT COUNT(*) FROM devices WHERE group_id IS ?1 AND org_id = ?2");
  if (!count.ok()) return count.status();
  BindGroupId(*count, 1, group_id);
  count->Bind(2, org_id);
  Result<bool> row = count->Step();
  if (!row.ok()) return row.status();
  return static_cast<std::uint32_t>(*row ? count->Int(0) : 0);
}

Status SqliteStore::CheckGroupOfOrganization(std::int64_t org_id, std::int64_t group_id) {
  if (group_id == 0) return Status::Ok();
  Result<Group> group = GetGroup(org_id, group_id);
  return group.ok() ? Status::Ok() : group.status();
}

}  // namespace tether::storage::sqlite
