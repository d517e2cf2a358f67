// The SQLite store's custom roles (POLICY.md "Privileges"). The three built-in roles live
// in code; a custom role's id is generated here and can never be mistaken for one of them.
#include <array>
#include <string>
#include <utility>

#include "sqlite_store.h"

namespace tether::storage::sqlite {
namespace {

// Ids that name built-in roles (policy/privileges.h): a stored role must never take one.
constexpr std::array<std::string_view, 3> kBuiltInRoleIds = {"super_admin", "admin", "technician"};

constexpr const char* kRoleColumns =
    "id, org_id, name, description, privileges, created_by, created_at FROM roles ";

// "r_" and 16 lowercase hex digits: 64 random bits, so ids are neither guessable nor
// sequential, and the prefix keeps them apart from the built-in ids.
Result<std::string> NewRoleId() { return RandomId("r_", 8, "role id"); }

// Privileges are stored as one comma-separated column; wire names never hold a comma,
// but a name that did (or an empty one) would not read back as written, so it is refused.
Result<std::string> JoinPrivileges(const std::vector<std::string>& privileges) {
  std::string joined;
  for (const std::string& privilege : privileges) {
    if (privilege.empty() || privilege.find(',') != std::string::npos) {
      return Status::BadRequest("privilege '" + privilege + "' is not a privilege name");
    }
    if (!joined.empty()) joined += ',';
    joined += privilege;
  }
  return joined;
}

std::vector<std::string> SplitPrivileges(const std::string& joined) {
  std::vector<std::string> privileges;
  std::size_t start = 0;
  while (start < joined.size()) {
    std::size_t comma = joined.find(',', start);
    if (comma == std::string::npos) comma = joined.size();
    privileges.push_back(joined.substr(start, comma - start));
    start = comma + 1;
  }
  return privileges;
}

Role ReadRole(const Statement& row) {
  Role role;
  role.id = row.Text(0);
  role.org_id = row.Int(1);
  role.name = row.Text(2);
  role.description = row.Text(3);
  role.privileges = SplitPrivileges(row.Text(4));
  role.created_by = row.Int(5);
  role.created_at = row.Int(6);
  return role;
}

Status RoleNotFound(std::string_view role_id) {
  return Status::NotFound("role '" + std::string(role_id) + "' not found");
}

Status RoleNameTaken(const std::string& name) {
  return Status::Conflict("role '" + name + "' already exists");
}

}  // namespace

Result<Role> SqliteStore::CreateRole(Role role) {
  for (std::string_view builtin : kBuiltInRoleIds) {
    if (role.id == builtin) return Status::Conflict("role id '" + role.id + "' is a built-in role");
  }
  if (role.id.empty()) {
    Result<std::string> id = NewRoleId();
    if (!id.ok()) return id.status();
    role.id = std::move(*id);
  }
  Result<std::string> privileges = JoinPrivileges(role.privileges);
  if (!privileges.ok()) return privileges.status();
  if (role.created_at == 0) role.created_at = NowMs();
  Result<Statement> insert = Statement::Prepare(
      db_.get(),
      "INSERT INTO roles (id, org_id, name, description, privileges, created_by, created_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  if (!insert.ok()) return insert.status();
  insert->Bind(1, role.id).Bind(2, role.org_id).Bind(3, role.name).Bind(4, role.description);
  insert->Bind(5, *privileges).Bind(6, role.created_by).Bind(7, role.created_at);
  if (Status s = insert->Run(); !s.ok()) {
    if (insert->error_code() == SQLITE_CONSTRAINT_PRIMARYKEY) {
      return Status::Conflict("role id '" + role.id + "' already exists");
    }
    if (IsUniqueViolation(insert->error_code())) return RoleNameTaken(role.name);
    if (IsForeignKeyViolation(insert->error_code())) {
      return Status::NotFound("organisation " + std::to_string(role.org_id) + " not found");
    }
    return s;
  }
  return role;
}

// Writes name, description and privileges; id, org_id and the creation fields are fixed.
Status SqliteStore::UpdateRole(const Role& role) {
  Result<std::string> privileges = JoinPrivileges(role.privileges);
  if (!privileges.ok()) return privileges.status();
  Result<Statement> update = Statement::Prepare(
      db_.get(),
      "UPDATE roles SET name = ?3, description = ?4, privileges = ?5 WHERE id = ?1 AND org_id = ?2");
  if (!update.ok()) return update.status();
  update->Bind(1, role.id).Bind(2, role.org_id).Bind(3, role.name).Bind(4, role.description);
  update->Bind(5, *privileges);
  if (Status s = update->Run(); !s.ok()) {
    if (IsUniqueViolation(update->error_code())) return RoleNameTaken(role.name);
    return s;
  }
  if (sqlite3_changes(db_.get()) == 0) return RoleNotFound(role.id);
  return Status::Ok();
}

// The holder count and the delete share one write transaction: a user assigned the role
// between a separate check and the delete would otherwise be left holding nothing.
Status SqliteStore::DeleteRole(std::int64_t org_id, std::string_view role_id) {
  Transaction transaction(db_.get());
  if (Status s = transaction.Begin(); !s.ok()) return s;
  Result<Role> role = GetRole(org_id, role_id);
  if (!role.ok()) return role.status();
  Result<std::uint32_t> holders = CountUsersWithRole(org_id, role_id);
  if (!holders.ok()) return holders.status();
  if (*holders > 0) {
    return Status::Conflict("role '" + role->name + "' is held by " + CountOf(*holders, "user"));
  }
  Result<Statement> remove = Statement::Prepare(db_.get(), "DELETE FROM roles WHERE id = ?1 AND org_id = ?2");
  if (!remove.ok()) return remove.status();
  remove->Bind(1, role_id).Bind(2, org_id);
  if (Status s = remove->Run(); !s.ok()) return s;
  return transaction.Commit();
}

Result<Role> SqliteStore::GetRole(std::int64_t org_id, std::string_view role_id) {
  Result<Statement> select = Statement::Prepare(
      db_.get(), std::string("SELECT ") + kRoleColumns + "WHERE id = ?1 AND org_id = ?2");
  if (!select.ok()) return select.status();
  select->Bind(1, role_id).Bind(2, org_id);
  Result<bool> row = select->Step();
  if (!row.ok()) return row.status();
  if (!*row) return RoleNotFound(role_id);
  return ReadRole(*select);
}

Result<std::vector<Role>> SqliteStore::ListRoles(std::int64_t org_id) {
  Result<Statement> select = Statement::Prepare(
      db_.get(), std::string("SELECT ") + kRoleColumns + "WHERE org_id = ?1 ORDER BY name, id");
  if (!select.ok()) return select.status();
  select->Bind(1, org_id);
  std::vector<Role> roles;
  for (;;) {
    Result<bool> row = select->Step();
    if (!row.ok()) return row.status();
    if (!*row) return roles;
    roles.push_back(ReadRole(*select));
  }
}

}  // namespace tether::storage::sqlite
