// Behaviour of the SQLite store's groups and devices: unique names, deletion only while
// empty, the default group (0), never-reused group ids, and isolation between
// organisations.
#include <gtest/gtest.h>

#include "storage_test_support.h"
#include "tether/storage/store.h"

namespace tether::storage {
namespace {

using protocol::ErrorCode;
using testing::IsError;
using testing::MakeDevice;
using testing::MakeGroup;
using testing::RawDb;

using SqliteStore = testing::SqliteStoreTest;

TEST_F(SqliteStore, CreatesAndGetsGroup) {
  const std::int64_t org_id = NewOrganization("demo");
  Group group = MakeGroup(org_id, "Servers", "IT");
  group.created_by = 7;
  Result<Group> created = store_->CreateGroup(group);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_GT(created->id, 0);
  EXPECT_GT(created->created_at, 0);
  Result<Group> got = store_->GetGroup(org_id, created->id);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->org_id, org_id);
  EXPECT_EQ(got->name, "Servers");
  EXPECT_EQ(got->department, "IT");
  EXPECT_EQ(got->created_by, 7);
  EXPECT_EQ(got->created_at, created->created_at);
  EXPECT_TRUE(IsError(store_->GetGroup(org_id, created->id + 1).status(), ErrorCode::kNotFound,
                      "group " + std::to_string(created->id + 1) + " not found"));
}

TEST_F(SqliteStore, RefusesSecondGroupWithSameNameInOrganisation) {
  const std::int64_t org_id = NewOrganization("demo");
  ASSERT_TRUE(store_->CreateGroup(MakeGroup(org_id, "Servers")).ok());
  EXPECT_TRUE(IsError(store_->CreateGroup(MakeGroup(org_id, "Servers", "IT")).status(), ErrorCode::kConflict,
                      "group 'Servers' already exists"));
  EXPECT_TRUE(store_->CreateGroup(MakeGroup(NewOrganization("other"), "Servers")).ok());
  EXPECT_TRUE(IsError(store_->CreateGroup(MakeGroup(99, "Lost")).status(), ErrorCode::kNotFound,
                      "organisation 99 not found"));
}

TEST_F(SqliteStore, ListsGroupsOfOneOrganisationByName) {
  const std::int64_t org_id = NewOrganization("demo");
  const std::int64_t other_org = NewOrganization("other");
  for (const char* name : {"Tills", "Laptops", "Servers"}) {
    ASSERT_TRUE(store_->CreateGroup(MakeGroup(org_id, name, "Shop")).ok());
  }
  ASSERT_TRUE(store_->CreateGroup(MakeGroup(other_org, "Desktops")).ok());
  Result<std::vector<Group>> groups = store_->ListGroups(org_id);
  ASSERT_TRUE(groups.ok()) << groups.status().ToString();
  ASSERT_EQ(groups->size(), 3u);
  EXPECT_EQ((*groups)[0].name, "Laptops");
  EXPECT_EQ((*groups)[1].name, "Servers");
  EXPECT_EQ((*groups)[2].name, "Tills");
  EXPECT_EQ((*groups)[2].department, "Shop");
}

TEST_F(SqliteStore, GroupOfAnotherOrganisationIsNotFound) {
  const std::int64_t mine = NewOrganization("mine");
  const std::int64_t theirs = NewOrganization("theirs");
  Result<Group> group = store_->CreateGroup(MakeGroup(theirs, "Servers"));
  ASSERT_TRUE(group.ok());
  const std::string not_found = "group " + std::to_string(group->id) + " not found";
  EXPECT_TRUE(IsError(store_->GetGroup(mine, group->id).status(), ErrorCode::kNotFound, not_found));
  EXPECT_TRUE(IsError(store_->DeleteGroup(mine, group->id), ErrorCode::kNotFound, not_found));
  EXPECT_TRUE(store_->GetGroup(theirs, group->id).ok());
  ASSERT_TRUE(store_->CreateDevice(MakeDevice(theirs, "their-device", group->id)).ok());
  Result<std::uint32_t> count = store_->CountDevicesInGroup(mine, group->id);
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, 0u);
}

TEST_F(SqliteStore, DeletesAnEmptyGroup) {
  const std::int64_t org_id = NewOrganization("demo");
  Result<Group> group = store_->CreateGroup(MakeGroup(org_id, "Servers"));
  ASSERT_TRUE(group.ok());
  ASSERT_TRUE(store_->DeleteGroup(org_id, group->id).ok());
  EXPECT_TRUE(IsError(store_->GetGroup(org_id, group->id).status(), ErrorCode::kNotFound));
  EXPECT_TRUE(IsError(store_->DeleteGroup(org_id, group->id), ErrorCode::kNotFound));
}

TEST_F(SqliteStore, DeletingAGroupHoldingDevicesIsConflict) {
  const std::int64_t org_id = NewOrganization("demo");
  Result<Group> group = store_->CreateGroup(MakeGroup(org_id, "Servers"));
  ASSERT_TRUE(group.ok());
  ASSERT_TRUE(store_->CreateDevice(MakeDevice(org_id, "d1", group->id)).ok());
  ASSERT_TRUE(store_->CreateDevice(MakeDevice(org_id, "d2", group->id)).ok());
  EXPECT_TRUE(IsError(store_->DeleteGroup(org_id, group->id), ErrorCode::kConflict,
                      "group 'Servers' holds 2 devices"));
  ASSERT_TRUE(store_->MoveDevice(org_id, "d1", 0).ok());
  EXPECT_TRUE(IsError(store_->DeleteGroup(org_id, group->id), ErrorCode::kConflict,
                      "group 'Servers' holds 1 device"));
  ASSERT_TRUE(store_->MoveDevice(org_id, "d2", 0).ok());
  EXPECT_TRUE(store_->DeleteGroup(org_id, group->id).ok());
}

// Scopes name groups by id: a new group taking a deleted one's id would join those scopes.
TEST_F(SqliteStore, GroupIdsAreNeverReused) {
  const std::int64_t org_id = NewOrganization("demo");
  Result<Group> first = store_->CreateGroup(MakeGroup(org_id, "First"));
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(store_->DeleteGroup(org_id, first->id).ok());
  Result<Group> second = store_->CreateGroup(MakeGroup(org_id, "Second"));
  ASSERT_TRUE(second.ok());
  EXPECT_GT(second->id, first->id);
}

TEST_F(SqliteStore, CountsDevicesPerGroupAndInTheDefaultGroup) {
  const std::int64_t org_id = NewOrganization("demo");
  const std::int64_t other_org = NewOrganization("other");
  Result<Group> group = store_->CreateGroup(MakeGroup(org_id, "Servers"));
  ASSERT_TRUE(group.ok());
  ASSERT_TRUE(store_->CreateDevice(MakeDevice(org_id, "g1", group->id)).ok());
  ASSERT_TRUE(store_->CreateDevice(MakeDevice(org_id, "default-1")).ok());
  ASSERT_TRUE(store_->CreateDevice(MakeDevice(org_id, "default-2")).ok());
  ASSERT_TRUE(store_->CreateDevice(MakeDevice(other_org, "theirs-1")).ok());
  auto count = [&](std::int64_t org, std::int64_t group_id) {
    Result<std::uint32_t> n = store_->CountDevicesInGroup(org, group_id);
    EXPECT_TRUE(n.ok()) << n.status().ToString();
    return n.ok() ? *n : 9999u;
  };
  EXPECT_EQ(count(org_id, group->id), 1u);
  EXPECT_EQ(count(org_id, 0), 2u);
  EXPECT_EQ(count(other_org, 0), 1u);
}

TEST_F(SqliteStore, CreatesAndGetsDevice) {
  const std::int64_t org_id = NewOrganization("demo");
  Result<Group> group = store_->CreateGroup(MakeGroup(org_id, "Servers"));
  ASSERT_TRUE(group.ok());
  ASSERT_TRUE(store_->CreateDevice(MakeDevice(org_id, "dev-1", group->id)).ok());
  Result<Device> got = store_->GetDevice(org_id, "dev-1");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  const Device expected = MakeDevice(org_id, "dev-1", group->id);
  EXPECT_EQ(got->id, "dev-1");
  EXPECT_EQ(got->org_id, org_id);
  EXPECT_EQ(got->group_id, group->id);
  EXPECT_EQ(got->name, expected.name);
  EXPECT_EQ(got->os, "linux");
  EXPECT_EQ(got->mac, expected.mac);
  EXPECT_EQ(got->secret_hash, expected.secret_hash);
  EXPECT_EQ(got->created_at, 1000);
  EXPECT_EQ(got->last_seen, 2000);
  EXPECT_TRUE(IsError(store_->CreateDevice(MakeDevice(org_id, "dev-1")).status(), ErrorCode::kConflict,
                      "device 'dev-1' already exists"));
  EXPECT_TRUE(IsError(store_->GetDevice(org_id, "dev-2").status(), ErrorCode::kNotFound,
                      "device 'dev-2' not found"));
}

TEST_F(SqliteStore, DefaultGroupIsStoredAsNull) {
  const std::string path = UseFileStore();
  ASSERT_NE(store_, nullptr);
  const std::int64_t org_id = NewOrganization("demo");
  ASSERT_TRUE(store_->CreateDevice(MakeDevice(org_id, "dev-1", 0)).ok());
  EXPECT_EQ(RawDb(path).QueryText("SELECT typeof(group_id) FROM devices WHERE id = 'dev-1'"), "null");
  Result<Device> got = store_->GetDevice(org_id, "dev-1");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->group_id, 0);
}

TEST_F(SqliteStore, DeviceCannotBeCreatedInAGroupOfAnotherOrganisation) {
  const std::int64_t mine = NewOrganization("mine");
  Result<Group> theirs = store_->CreateGroup(MakeGroup(NewOrganization("theirs"), "Servers"));
  ASSERT_TRUE(theirs.ok());
  EXPECT_TRUE(IsError(store_->CreateDevice(MakeDevice(mine, "dev-1", theirs->id)).status(),
                      ErrorCode::kNotFound, "group " + std::to_string(theirs->id) + " not found"));
  EXPECT_TRUE(IsError(store_->GetDevice(mine, "dev-1").status(), ErrorCode::kNotFound));
}

TEST_F(SqliteStore, MovesDeviceBetweenGroups) {
  const std::int64_t org_id = NewOrganization("demo");
  Result<Group> servers = store_->CreateGroup(MakeGroup(org_id, "Servers"));
  Result<Group> laptops = store_->CreateGroup(MakeGroup(org_id, "Laptops"));
  ASSERT_TRUE(servers.ok() && laptops.ok());
  ASSERT_TRUE(store_->CreateDevice(MakeDevice(org_id, "dev-1", servers->id)).ok());
  ASSERT_TRUE(store_->MoveDevice(org_id, "dev-1", laptops->id).ok());
  EXPECT_EQ(store_->GetDevice(org_id, "dev-1")->group_id, laptops->id);
  ASSERT_TRUE(store_->MoveDevice(org_id, "dev-1", 0).ok());
  EXPECT_EQ(store_->GetDevice(org_id, "dev-1")->group_id, 0);
  ASSERT_TRUE(store_->MoveDevice(org_id, "dev-1", servers->id).ok());
  EXPECT_EQ(store_->GetDevice(org_id, "dev-1")->group_id, servers->id);
}

TEST_F(SqliteStore, DeviceOfAnotherOrganisationIsNotFound) {
  const std::int64_t mine = NewOrganization("mine");
  const std::int64_t theirs = NewOrganization("theirs");
  Result<Group> my_group = store_->CreateGroup(MakeGroup(mine, "Mine"));
  ASSERT_TRUE(my_group.ok());
  ASSERT_TRUE(store_->CreateDevice(MakeDevice(theirs, "their-device")).ok());
  EXPECT_TRUE(IsError(store_->GetDevice(mine, "their-device").status(), ErrorCode::kNotFound,
                      "device 'their-device' not found"));
  EXPECT_TRUE(IsError(store_->MoveDevice(mine, "their-device", my_group->id), ErrorCode::kNotFound,
                      "device 'their-device' not found"));
  EXPECT_TRUE(IsError(store_->MoveDevice(mine, "their-device", 0), ErrorCode::kNotFound));
  EXPECT_EQ(store_->GetDevice(theirs, "their-device")->group_id, 0);
}

TEST_F(SqliteStore, MovingADeviceIntoAGroupOfAnotherOrganisationIsNotFound) {
  const std::int64_t mine = NewOrganization("mine");
  Result<Group> their_group = store_->CreateGroup(MakeGroup(NewOrganization("theirs"), "Theirs"));
  ASSERT_TRUE(their_group.ok());
  ASSERT_TRUE(store_->CreateDevice(MakeDevice(mine, "my-device")).ok());
  EXPECT_TRUE(IsError(store_->MoveDevice(mine, "my-device", their_group->id), ErrorCode::kNotFound,
                      "group " + std::to_string(their_group->id) + " not found"));
  EXPECT_TRUE(IsError(store_->MoveDevice(mine, "my-device", their_group->id + 100), ErrorCode::kNotFound));
  EXPECT_EQ(store_->GetDevice(mine, "my-device")->group_id, 0);
}

}  // namespace
}  // namespace tether::storage
