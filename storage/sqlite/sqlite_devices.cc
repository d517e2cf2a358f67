// The SQLite store's unattended devices and the deployment keys that enrol them
// (protocol/PROTOCOL.md §5 "Agent side"). A device or key in group 0, the organisation's
// default group, has group_id NULL (BindGroupId). Every lookup but FindDevice and
// TouchDevice is per organisation: a device of another organisation is not_found, as if
// it did not exist. Those two serve the device hello, which names no organisation.
#include <string>
#include <utility>

#include "sqlite_store.h"

namespace tether::storage::sqlite {
namespace {

// ListDevices: every group of the organisation.
constexpr std::int64_t kAllGroups = -1;

// "d_" + 24 hex digits: 96 random bits (protocol/PROTOCOL.md §5 "Identifiers").
constexpr std::size_t kDeviceIdRandomBytes = 12;

constexpr const char* kDeviceColumns =
    "id, org_id, group_id, name, os, mac, secret_hash, created_at, last_seen FROM devices ";

Device ReadDevice(const Statement& row) {
  Device device;
  device.id = row.Text(0);
  device.org_id = row.Int(1);
  device.group_id = row.Int(2);  // NULL reads as 0: the default group
  device.name = row.Text(3);
  device.os = row.Text(4);
  device.mac = row.Text(5);
  device.secret_hash = row.Text(6);
  device.created_at = row.Int(7);
  device.last_seen = row.Int(8);
  return device;
}

Status DeviceNotFound(std::string_view device_id) {
  return Status::NotFound("device '" + std::string(device_id) + "' not found");
}

Status OrganizationNotFound(std::int64_t org_id) {
  return Status::NotFound("organisation " + std::to_string(org_id) + " not found");
}

// Runs a SELECT of at most one device.
Result<Device> QueryDevice(Statement& select, std::string_view device_id) {
  Result<bool> row = select.Step();
  if (!row.ok()) return row.status();
  if (!*row) return DeviceNotFound(device_id);
  return ReadDevice(select);
}

}  // namespace

// The foreign key only proves the group exists; that it is of the device's organisation
// is checked here, in the same transaction as the insert.
Result<Device> SqliteStore::CreateDevice(Device device) {
  if (device.id.empty()) {
    Result<std::string> id = RandomId("d_", kDeviceIdRandomBytes, "device id");
    if (!id.ok()) return id.status();
    device.id = std::move(*id);
  }
  if (device.created_at == 0) device.created_at = NowMs();
  Transaction transaction(db_.get());
  if (Status s = transaction.Begin(); !s.ok()) return s;
  if (Status s = CheckGroupOfOrganization(device.org_id, device.group_id); !s.ok()) return s;
  Result<Statement> insert = Statement::Prepare(
      db_.get(),
      "INSERT INTO devices (id, org_id, group_id, name, os, mac, secret_hash, created_at, last_seen) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
  if (!insert.ok()) return insert.status();
  insert->Bind(1, device.id).Bind(2, device.org_id);
  BindGroupId(*insert, 3, device.group_id);
  insert->Bind(4, device.name).Bind(5, device.os).Bind(6, device.mac).Bind(7, device.secret_hash);
  insert->Bind(8, device.created_at).Bind(9, device.last_seen);
  if (Status s = insert->Run(); !s.ok()) {
    if (IsUniqueViolation(insert->error_code())) {
      return Status::Conflict("device '" + device.id + "' already exists");
    }
    if (IsForeignKeyViolation(insert->error_code())) return OrganizationNotFound(device.org_id);
    return s;
  }
  if (Status s = transaction.Commit(); !s.ok()) return s;
  return device;
}

Result<Device> SqliteStore::GetDevice(std::int64_t org_id, std::string_view device_id) {
  Result<Statement> select = Statement::Prepare(
      db_.get(), std::string("SELECT ") + kDeviceColumns + "WHERE id = ?1 AND org_id = ?2");
  if (!select.ok()) return select.status();
  select->Bind(1, device_id).Bind(2, org_id);
  return QueryDevice(*select, device_id);
}

Result<Device> SqliteStore::FindDevice(std::string_view device_id) {
  Result<Statement> select =
      Statement::Prepare(db_.get(), std::string("SELECT ") + kDeviceColumns + "WHERE id = ?1");
  if (!select.ok()) return select.status();
  select->Bind(1, device_id);
  return QueryDevice(*select, device_id);
}

// A group of another organisation, or one that does not exist, simply holds none of this
// organisation's devices: the list is empty. Whether the caller may see the group is
// policy's question, asked before.
Result<std::vector<Device>> SqliteStore::ListDevices(std::int64_t org_id, std::int64_t group_id) {
  if (group_id < kAllGroups) {
    return Status::BadRequest("group " + std::to_string(group_id) + " is not a group");
  }
  std::string sql = std::string("SELECT ") + kDeviceColumns + "WHERE org_id = ?1 ";
  if (group_id != kAllGroups) sql += "AND group_id IS ?2 ";
  sql += "ORDER BY name, id";
  Result<Statement> select = Statement::Prepare(db_.get(), sql);
  if (!select.ok()) return select.status();
  select->Bind(1, org_id);
  if (group_id != kAllGroups) BindGroupId(*select, 2, group_id);
  std::vector<Device> devices;
  for (;;) {
    Result<bool> row = select->Step();
    if (!row.ok()) return row.status();
    if (!*row) return devices;
    devices.push_back(ReadDevice(*select));
  }
}

// Both the device and the target group must be of `org_id`: either of another
// organisation is not_found, as if it did not exist.
Status SqliteStore::MoveDevice(std::int64_t org_id, std::string_view device_id, std::int64_t group_id) {
  Transaction transaction(db_.get());
  if (Status s = transaction.Begin(); !s.ok()) return s;
  if (Status s = CheckGroupOfOrganization(org_id, group_id); !s.ok()) return s;
  Result<Statement> update =
      Statement::Prepare(db_.get(), "UPDATE devices SET group_id = ?3 WHERE id = ?1 AND org_id = ?2");
  if (!update.ok()) return update.status();
  update->Bind(1, device_id).Bind(2, org_id);
  BindGroupId(*update, 3, group_id);
  if (Status s = update->Run(); !s.ok()) return s;
  if (sqlite3_changes(db_.get()) == 0) return DeviceNotFound(device_id);
  return transaction.Commit();
}

Status SqliteStore::SetDeviceSecret(std::int64_t org_id, std::string_view device_id,
                                    std::string_view secret_hash) {
  Result<Statement> update =
      Statement::Prepare(db_.get(), "UPDATE devices SET secret_hash = ?3 WHERE id = ?1 AND org_id = ?2");
  if (!update.ok()) return update.status();
  update->Bind(1, device_id).Bind(2, org_id).Bind(3, secret_hash);
  if (Status s = update->Run(); !s.ok()) return s;
  if (sqlite3_changes(db_.get()) == 0) return DeviceNotFound(device_id);
  return Status::Ok();
}

Status SqliteStore::TouchDevice(std::string_view device_id, std::int64_t last_seen) {
  Result<Statement> update = Statement::Prepare(db_.get(), "UPDATE devices SET last_seen = ?2 WHERE id = ?1");
  if (!update.ok()) return update.status();
  update->Bind(1, device_id).Bind(2, last_seen);
  if (Status s = update->Run(); !s.ok()) return s;
  if (sqlite3_changes(db_.get()) == 0) return DeviceNotFound(device_id);
  return Status::Ok();
}

// Session records that name the device stay: sessions.device_id has no foreign key.
Status SqliteStore::DeleteDevice(std::int64_t org_id, std::string_view device_id) {
  Result<Statement> remove =
      Statement::Prepare(db_.get(), "DELETE FROM devices WHERE id = ?1 AND org_id = ?2");
  if (!remove.ok()) return remove.status();
  remove->Bind(1, device_id).Bind(2, org_id);
  if (Status s = remove->Run(); !s.ok()) return s;
  if (sqlite3_changes(db_.get()) == 0) return DeviceNotFound(device_id);
  return Status::Ok();
}

// As with devices, the group must be of the key's organisation, checked in the same
// transaction as the insert.
Status SqliteStore::CreateDeployKey(const DeployKey& key) {
  const std::int64_t created_at = key.created_at != 0 ? key.created_at : NowMs();
  Transaction transaction(db_.get());
  if (Status s = transaction.Begin(); !s.ok()) return s;
  if (Status s = CheckGroupOfOrganization(key.org_id, key.group_id); !s.ok()) return s;
  Result<Statement> insert = Statement::Prepare(
      db_.get(),
      "INSERT INTO deploy_keys (key_hash, org_id, group_id, created_by, created_at, revoked) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  if (!insert.ok()) return insert.status();
  insert->Bind(1, key.key_hash).Bind(2, key.org_id);
  BindGroupId(*insert, 3, key.group_id);
  insert->Bind(4, key.created_by).Bind(5, created_at).BindBool(6, key.revoked);
  if (Status s = insert->Run(); !s.ok()) {
    // Like token hashes, a key hash is no use to anyone reading the message.
    if (IsUniqueViolation(insert->error_code())) return Status::Conflict("deployment key already exists");
    if (IsForeignKeyViolation(insert->error_code())) return OrganizationNotFound(key.org_id);
    return s;
  }
  return transaction.Commit();
}

Result<DeployKey> SqliteStore::FindDeployKey(std::string_view key_hash) {
  Result<Statement> select = Statement::Prepare(
      db_.get(),
      "SELECT key_hash, org_id, group_id, created_by, created_at, revoked FROM deploy_keys "
      "WHERE key_hash = ?1");
  if (!select.ok()) return select.status();
  select->Bind(1, key_hash);
  Result<bool> row = select->Step();
  if (!row.ok()) return row.status();
  if (!*row) return Status::NotFound("deployment key not found");
  DeployKey key;
  key.key_hash = select->Text(0);
  key.org_id = select->Int(1);
  key.group_id = select->Int(2);  // NULL reads as 0: the default group
  key.created_by = select->Int(3);
  key.created_at = select->Int(4);
  key.revoked = select->Bool(5);
  return key;
}

}  // namespace tether::storage::sqlite
