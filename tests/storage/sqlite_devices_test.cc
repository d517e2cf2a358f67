// Behaviour of the SQLite store's device management and deployment keys (issue 4):
// generated device ids, lookups by id alone, listings per group, secrets, last seen,
// deletion, and isolation between organisations. Creating and moving devices is in
// sqlite_groups_test.cc.
#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>
#include <vector>

#include "storage_test_support.h"
#include "tether/storage/store.h"

namespace tether::storage {
namespace {

using protocol::ErrorCode;
using testing::IsError;
using testing::MakeDeployKey;
using testing::MakeDevice;
using testing::MakeGroup;
using testing::MakeSession;
using testing::RawDb;

using SqliteStore = testing::SqliteStoreTest;

std::vector<std::string> IdsOf(const std::vector<Device>& devices) {
  std::vector<std::string> ids;
  for (const Device& device : devices) ids.push_back(device.id);
  return ids;
}

TEST_F(SqliteStore, CreateDeviceGeneratesDistinctWellFormedIds) {
  const std::int64_t org_id = NewOrganization("demo");
  const std::regex well_formed("d_[0-9a-f]{24}");
  std::set<std::string> ids;
  for (int i = 0; i < 32; ++i) {
    Result<Device> created = store_->CreateDevice(MakeDevice(org_id, ""));
    ASSERT_TRUE(created.ok()) << created.status().ToString();
    EXPECT_TRUE(std::regex_match(created->id, well_formed)) << created->id;
    ids.insert(created->id);
    Result<Device> stored = store_->GetDevice(org_id, created->id);
    ASSERT_TRUE(stored.ok()) << stored.status().ToString();
    EXPECT_EQ(stored->id, created->id);
  }
  EXPECT_EQ(ids.size(), 32u);
}

TEST_F(SqliteStore, CreateDeviceKeepsAnIdItIsGiven) {
  const std::int64_t org_id = NewOrganization("demo");
  Result<Device> created = store_->CreateDevice(MakeDevice(org_id, "d_given"));
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_EQ(created->id, "d_given");
  EXPECT_TRUE(store_->GetDevice(org_id, "d_given").ok());
}

// The device hello names no organisation: the id alone finds the device, of any.
TEST_F(SqliteStore, FindsDeviceByIdAlone) {
  NewOrganization("first");
  const std::int64_t org_id = NewOrganization("second");
  Result<Group> group = store_->CreateGroup(MakeGroup(org_id, "Servers"));
  ASSERT_TRUE(group.ok());
  ASSERT_TRUE(store_->CreateDevice(MakeDevice(org_id, "dev-1", group->id)).ok());
  Result<Device> found = store_->FindDevice("dev-1");
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  const Device expected = MakeDevice(org_id, "dev-1", group->id);
  EXPECT_EQ(found->id, "dev-1");
  EXPECT_EQ(found->org_id, org_id);
  EXPECT_EQ(found->group_id, group->id);
  EXPECT_EQ(found->name, expected.name);
  EXPECT_EQ(found->os, expected.os);
  EXPECT_EQ(found->mac, expected.mac);
  EXPECT_EQ(found->secret_hash, expected.secret_hash);
  EXPECT_EQ(found->created_at, 1000);
  EXPECT_EQ(found->last_seen, 2000);
  EXPECT_TRUE(IsError(store_->FindDevice("dev-2").status(), ErrorCode::kNotFound, "device 'dev-2' not found"));
}

TEST_F(SqliteStore, ListsDevicesOfOneOrganisationByGroupAndName) {
  const std::int64_t org_id = NewOrganization("demo");
  const std::int64_t other_org = NewOrganization("other");
  Result<Group> servers = store_->CreateGroup(MakeGroup(org_id, "Servers"));
  Result<Group> theirs = store_->CreateGroup(MakeGroup(other_org, "Theirs"));
  ASSERT_TRUE(servers.ok() && theirs.ok());
  auto create = [&](std::int64_t org, const std::string& id, const std::string& name, std::int64_t group_id) {
    Device device = MakeDevice(org, id, group_id);
    device.name = name;
    ASSERT_TRUE(store_->CreateDevice(device).ok()) << id;
  };
  create(org_id, "s-zed", "Zed", servers->id);
  create(org_id, "s-alpha", "Alpha", servers->id);
  create(org_id, "default-mid", "Mid", 0);
  create(org_id, "default-bee", "Bee", 0);
  create(other_org, "their-default", "Aardvark", 0);
  create(other_org, "their-group", "Aaron", theirs->id);
  auto list = [&](std::int64_t org, std::int64_t group_id) {
    Result<std::vector<Device>> devices = store_->ListDevices(org, group_id);
    EXPECT_TRUE(devices.ok()) << devices.status().ToString();
    return devices.ok() ? IdsOf(*devices) : std::vector<std::string>{"<error>"};
  };
  using Ids = std::vector<std::string>;
  EXPECT_EQ(list(org_id, -1), (Ids{"s-alpha", "default-bee", "default-mid", "s-zed"}));
  EXPECT_EQ(list(org_id, 0), (Ids{"default-bee", "default-mid"}));
  EXPECT_EQ(list(org_id, servers->id), (Ids{"s-alpha", "s-zed"}));
  EXPECT_EQ(list(org_id, theirs->id), Ids{});
  EXPECT_EQ(list(other_org, -1), (Ids{"their-default", "their-group"}));
  EXPECT_EQ(list(other_org, 0), Ids{"their-default"});
  Result<std::vector<Device>> full = store_->ListDevices(org_id, servers->id);
  ASSERT_TRUE(full.ok() && full->size() == 2u);
  EXPECT_EQ((*full)[0].group_id, servers->id);
  EXPECT_EQ((*full)[0].org_id, org_id);
  EXPECT_EQ((*full)[0].secret_hash, MakeDevice(org_id, "x").secret_hash);
}

TEST_F(SqliteStore, ListDevicesRefusesAGroupIdBelowMinusOne) {
  const std::int64_t org_id = NewOrganization("demo");
  ASSERT_TRUE(store_->CreateDevice(MakeDevice(org_id, "dev-1")).ok());
  EXPECT_TRUE(IsError(store_->ListDevices(org_id, -2).status(), ErrorCode::kBadRequest,
                      "group -2 is not a group"));
}

TEST_F(SqliteStore, SetDeviceSecretChangesOnlyTheSecret) {
  const std::int64_t org_id = NewOrganization("demo");
  ASSERT_TRUE(store_->CreateDevice(MakeDevice(org_id, "dev-1")).ok());
  const std::string new_hash(64, 'e');
  ASSERT_TRUE(store_->SetDeviceSecret(org_id, "dev-1", new_hash).ok());
  Result<Device> got = store_->GetDevice(org_id, "dev-1");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->secret_hash, new_hash);
  EXPECT_EQ(got->name, MakeDevice(org_id, "dev-1").name);
  EXPECT_EQ(got->last_seen, 2000);
  EXPECT_TRUE(IsError(store_->SetDeviceSecret(org_id, "dev-2", new_hash), ErrorCode::kNotFound,
                      "device 'dev-2' not found"));
}

TEST_F(SqliteStore, TouchDeviceSetsLastSeen) {
  const std::int64_t org_id = NewOrganization("demo");
  ASSERT_TRUE(store_->CreateDevice(MakeDevice(org_id, "dev-1")).ok());
  ASSERT_TRUE(store_->TouchDevice("dev-1", 123456).ok());
  Result<Device> got = store_->FindDevice("dev-1");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->last_seen, 123456);
  EXPECT_EQ(got->created_at, 1000);
  EXPECT_EQ(got->secret_hash, MakeDevice(org_id, "dev-1").secret_hash);
  EXPECT_TRUE(IsError(store_->TouchDevice("dev-2", 1), ErrorCode::kNotFound, "device 'dev-2' not found"));
}

TEST_F(SqliteStore, DeletesDevice) {
  const std::int64_t org_id = NewOrganization("demo");
  Result<Group> group = store_->CreateGroup(MakeGroup(org_id, "Servers"));
  ASSERT_TRUE(group.ok());
  ASSERT_TRUE(store_->CreateDevice(MakeDevice(org_id, "dev-1", group->id)).ok());
  ASSERT_TRUE(store_->CreateDevice(MakeDevice(org_id, "dev-2", group->id)).ok());
  ASSERT_TRUE(store_->DeleteDevice(org_id, "dev-1").ok());
  EXPECT_TRUE(IsError(store_->FindDevice("dev-1").status(), ErrorCode::kNotFound));
  EXPECT_TRUE(store_->FindDevice("dev-2").ok());
  EXPECT_TRUE(IsError(store_->DeleteDevice(org_id, "dev-1"), ErrorCode::kNotFound, "device 'dev-1' not found"));
  // Once its last device is gone, the group may go too.
  ASSERT_TRUE(store_->DeleteDevice(org_id, "dev-2").ok());
  EXPECT_TRUE(store_->DeleteGroup(org_id, group->id).ok());
}

// Organisation 1 can neither see, re-key, list nor delete a device of organisation 2.
TEST_F(SqliteStore, DeviceOfAnotherOrganisationCannotBeManaged) {
  const std::int64_t mine = NewOrganization("mine");
  const std::int64_t theirs = NewOrganization("theirs");
  ASSERT_TRUE(store_->CreateDevice(MakeDevice(theirs, "their-device")).ok());
  const std::string not_found = "device 'their-device' not found";
  EXPECT_TRUE(IsError(store_->GetDevice(mine, "their-device").status(), ErrorCode::kNotFound, not_found));
  EXPECT_TRUE(IsError(store_->SetDeviceSecret(mine, "their-device", std::string(64, 'e')),
                      ErrorCode::kNotFound, not_found));
  EXPECT_TRUE(IsError(store_->DeleteDevice(mine, "their-device"), ErrorCode::kNotFound, not_found));
  Result<std::vector<Device>> listed = store_->ListDevices(mine, -1);
  ASSERT_TRUE(listed.ok());
  EXPECT_TRUE(listed->empty());
  Result<Device> untouched = store_->GetDevice(theirs, "their-device");
  ASSERT_TRUE(untouched.ok()) << untouched.status().ToString();
  EXPECT_EQ(untouched->secret_hash, MakeDevice(theirs, "their-device").secret_hash);
}

// Session records name devices (and controllers) without a foreign key: deleting either
// leaves the record for reports and the audit trail.
TEST_F(SqliteStore, DeletingADeviceOrUserKeepsTheirSessionRecords) {
  const std::int64_t org_id = NewOrganization("demo");
  const User controller = NewUser(org_id, "tech@example.com");
  ASSERT_TRUE(store_->CreateDevice(MakeDevice(org_id, "dev-1")).ok());
  SessionRecord session = MakeSession(org_id, "s_1");
  session.controller_id = controller.id;
  session.device_id = "dev-1";
  ASSERT_TRUE(store_->SaveSession(session).ok());
  ASSERT_TRUE(store_->DeleteDevice(org_id, "dev-1").ok());
  Status deleted_user = store_->DeleteUser(controller.id);
  ASSERT_TRUE(deleted_user.ok()) << deleted_user.ToString();
  Result<SessionRecord> kept = store_->GetSession("s_1");
  ASSERT_TRUE(kept.ok()) << kept.status().ToString();
  EXPECT_EQ(kept->device_id, "dev-1");
  EXPECT_EQ(kept->controller_id, controller.id);
}

TEST_F(SqliteStore, CreatesAndFindsDeployKey) {
  const std::int64_t org_id = NewOrganization("demo");
  Result<Group> group = store_->CreateGroup(MakeGroup(org_id, "Servers"));
  ASSERT_TRUE(group.ok());
  DeployKey key = MakeDeployKey(org_id, std::string(64, 'a'), group->id);
  key.created_by = 42;
  key.created_at = 777;
  ASSERT_TRUE(store_->CreateDeployKey(key).ok());
  Result<DeployKey> found = store_->FindDeployKey(key.key_hash);
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  EXPECT_EQ(found->key_hash, key.key_hash);
  EXPECT_EQ(found->org_id, org_id);
  EXPECT_EQ(found->group_id, group->id);
  EXPECT_EQ(found->created_by, 42);
  EXPECT_EQ(found->created_at, 777);
  EXPECT_FALSE(found->revoked);
  EXPECT_TRUE(IsError(store_->FindDeployKey(std::string(64, 'b')).status(), ErrorCode::kNotFound,
                      "deployment key not found"));
}

TEST_F(SqliteStore, FindDeployKeyReturnsRevokedKeysToo) {
  const std::int64_t org_id = NewOrganization("demo");
  DeployKey key = MakeDeployKey(org_id, std::string(64, 'a'));
  key.revoked = true;
  ASSERT_TRUE(store_->CreateDeployKey(key).ok());
  Result<DeployKey> found = store_->FindDeployKey(key.key_hash);
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  EXPECT_TRUE(found->revoked);
}

TEST_F(SqliteStore, DeployKeyOfTheDefaultGroupIsStoredAsNullAndGetsACreationTime) {
  const std::string path = UseFileStore();
  ASSERT_NE(store_, nullptr);
  const std::int64_t org_id = NewOrganization("demo");
  DeployKey key = MakeDeployKey(org_id, std::string(64, 'a'), 0);
  key.created_at = 0;
  ASSERT_TRUE(store_->CreateDeployKey(key).ok());
  EXPECT_EQ(RawDb(path).QueryText("SELECT typeof(group_id) FROM deploy_keys"), "null");
  Result<DeployKey> found = store_->FindDeployKey(key.key_hash);
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->group_id, 0);
  EXPECT_GT(found->created_at, 1600000000000);  // "now", in ms
}

TEST_F(SqliteStore, RefusesDeployKeyThatCannotBeKept) {
  const std::int64_t org_id = NewOrganization("demo");
  Result<Group> their_group = store_->CreateGroup(MakeGroup(NewOrganization("theirs"), "Theirs"));
  ASSERT_TRUE(their_group.ok());
  const std::string hash(64, 'a');
  ASSERT_TRUE(store_->CreateDeployKey(MakeDeployKey(org_id, hash)).ok());
  EXPECT_TRUE(IsError(store_->CreateDeployKey(MakeDeployKey(org_id, hash)), ErrorCode::kConflict,
                      "deployment key already exists"));
  EXPECT_TRUE(IsError(store_->CreateDeployKey(MakeDeployKey(org_id, std::string(64, 'b'), their_group->id)),
                      ErrorCode::kNotFound, "group " + std::to_string(their_group->id) + " not found"));
  EXPECT_TRUE(IsError(store_->CreateDeployKey(MakeDeployKey(99, std::string(64, 'c'))), ErrorCode::kNotFound,
                      "organisation 99 not found"));
  EXPECT_TRUE(IsError(store_->FindDeployKey(std::string(64, 'b')).status(), ErrorCode::kNotFound));
}

// A key of a deleted group has nowhere to enrol into: it goes with the group, and does
// not stand in the way of deleting it.
TEST_F(SqliteStore, DeletingAGroupDeletesItsDeployKeys) {
  const std::int64_t org_id = NewOrganization("demo");
  Result<Group> group = store_->CreateGroup(MakeGroup(org_id, "Servers"));
  ASSERT_TRUE(group.ok());
  ASSERT_TRUE(store_->CreateDeployKey(MakeDeployKey(org_id, std::string(64, 'a'), group->id)).ok());
  ASSERT_TRUE(store_->CreateDeployKey(MakeDeployKey(org_id, std::string(64, 'b'), 0)).ok());
  Status deleted = store_->DeleteGroup(org_id, group->id);
  ASSERT_TRUE(deleted.ok()) << deleted.ToString();
  EXPECT_TRUE(IsError(store_->FindDeployKey(std::string(64, 'a')).status(), ErrorCode::kNotFound));
  EXPECT_TRUE(store_->FindDeployKey(std::string(64, 'b')).ok());
}

}  // namespace
}  // namespace tether::storage
