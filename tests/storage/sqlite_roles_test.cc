// Behaviour of the SQLite store's custom roles: generated ids, unique names, updates,
// deletion only while nobody holds the role, and isolation between organisations.
#include <gtest/gtest.h>

#include <set>

#include "storage_test_support.h"
#include "tether/storage/store.h"

namespace tether::storage {
namespace {

using protocol::ErrorCode;
using testing::IsError;
using testing::MakeRole;

using SqliteStore = testing::SqliteStoreTest;

bool IsGeneratedRoleId(const std::string& id) {
  if (id.size() != 18 || id.rfind("r_", 0) != 0) return false;
  for (char c : id.substr(2)) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

TEST_F(SqliteStore, CreatesRoleWithGeneratedIdAndReadsItBack) {
  const std::int64_t org_id = NewOrganization("demo");
  Role role = MakeRole(org_id, "Helpdesk");
  role.privileges = {"remote_support", "reports_own", "preferences_own"};
  role.created_by = 42;
  Result<Role> created = store_->CreateRole(role);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_TRUE(IsGeneratedRoleId(created->id)) << created->id;
  EXPECT_GT(created->created_at, 0);

  Result<Role> got = store_->GetRole(org_id, created->id);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->id, created->id);
  EXPECT_EQ(got->org_id, org_id);
  EXPECT_EQ(got->name, "Helpdesk");
  EXPECT_EQ(got->description, "Description of Helpdesk");
  EXPECT_EQ(got->privileges, role.privileges);
  EXPECT_EQ(got->created_by, 42);
  EXPECT_EQ(got->created_at, created->created_at);
}

TEST_F(SqliteStore, GeneratedRoleIdsDiffer) {
  const std::int64_t org_id = NewOrganization("demo");
  std::set<std::string> ids;
  for (int i = 0; i < 20; ++i) {
    Result<Role> role = store_->CreateRole(MakeRole(org_id, "Role " + std::to_string(i)));
    ASSERT_TRUE(role.ok()) << role.status().ToString();
    ids.insert(role->id);
  }
  EXPECT_EQ(ids.size(), 20u);
}

TEST_F(SqliteStore, RoleWithoutPrivilegesReadsBackEmpty) {
  const std::int64_t org_id = NewOrganization("demo");
  Role role = MakeRole(org_id, "Nothing");
  role.privileges.clear();
  Result<Role> created = store_->CreateRole(role);
  ASSERT_TRUE(created.ok());
  Result<Role> got = store_->GetRole(org_id, created->id);
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(got->privileges.empty());
}

TEST_F(SqliteStore, RefusesPrivilegeNamesThatWouldNotReadBack) {
  const std::int64_t org_id = NewOrganization("demo");
  Role role = MakeRole(org_id, "Odd");
  role.privileges = {"remote_support,billing"};
  EXPECT_TRUE(IsError(store_->CreateRole(role).status(), ErrorCode::kBadRequest));
  role.privileges = {""};
  EXPECT_TRUE(IsError(store_->CreateRole(role).status(), ErrorCode::kBadRequest));
}

TEST_F(SqliteStore, KeepsAGivenRoleIdButNeverABuiltInOne) {
  const std::int64_t org_id = NewOrganization("demo");
  Role role = MakeRole(org_id, "Given");
  role.id = "r_00000000000000aa";
  Result<Role> created = store_->CreateRole(role);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_EQ(created->id, "r_00000000000000aa");
  for (const char* builtin : {"super_admin", "admin", "technician"}) {
    role.id = builtin;
    role.name = std::string("Named ") + builtin;
    EXPECT_TRUE(IsError(store_->CreateRole(role).status(), ErrorCode::kConflict)) << builtin;
  }
  role.id = "r_00000000000000aa";
  role.name = "Other name";
  EXPECT_TRUE(IsError(store_->CreateRole(role).status(), ErrorCode::kConflict,
                      "role id 'r_00000000000000aa' already exists"));
}

TEST_F(SqliteStore, RefusesSecondRoleWithSameNameInOrganisation) {
  const std::int64_t org_id = NewOrganization("demo");
  ASSERT_TRUE(store_->CreateRole(MakeRole(org_id, "Helpdesk")).ok());
  EXPECT_TRUE(IsError(store_->CreateRole(MakeRole(org_id, "Helpdesk")).status(), ErrorCode::kConflict,
                      "role 'Helpdesk' already exists"));
  // Another organisation may use the name.
  EXPECT_TRUE(store_->CreateRole(MakeRole(NewOrganization("other"), "Helpdesk")).ok());
}

TEST_F(SqliteStore, RoleOfUnknownOrganisationIsNotFound) {
  EXPECT_TRUE(IsError(store_->CreateRole(MakeRole(99, "Helpdesk")).status(), ErrorCode::kNotFound,
                      "organisation 99 not found"));
}

TEST_F(SqliteStore, UpdatesRole) {
  const std::int64_t org_id = NewOrganization("demo");
  Result<Role> role = store_->CreateRole(MakeRole(org_id, "Helpdesk"));
  ASSERT_TRUE(role.ok());
  role->name = "Front desk";
  role->description = "Answers first";
  role->privileges = {"screen_sharing"};
  ASSERT_TRUE(store_->UpdateRole(*role).ok());
  Result<Role> got = store_->GetRole(org_id, role->id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->name, "Front desk");
  EXPECT_EQ(got->description, "Answers first");
  EXPECT_EQ(got->privileges, std::vector<std::string>{"screen_sharing"});
}

TEST_F(SqliteStore, UpdateRoleToATakenNameIsConflict) {
  const std::int64_t org_id = NewOrganization("demo");
  ASSERT_TRUE(store_->CreateRole(MakeRole(org_id, "Helpdesk")).ok());
  Result<Role> other = store_->CreateRole(MakeRole(org_id, "Field"));
  ASSERT_TRUE(other.ok());
  other->name = "Helpdesk";
  EXPECT_TRUE(IsError(store_->UpdateRole(*other), ErrorCode::kConflict, "role 'Helpdesk' already exists"));
}

TEST_F(SqliteStore, RoleOfAnotherOrganisationIsNotFound) {
  const std::int64_t mine = NewOrganization("mine");
  const std::int64_t theirs = NewOrganization("theirs");
  Result<Role> role = store_->CreateRole(MakeRole(theirs, "Helpdesk"));
  ASSERT_TRUE(role.ok());
  const std::string not_found = "role '" + role->id + "' not found";
  EXPECT_TRUE(IsError(store_->GetRole(mine, role->id).status(), ErrorCode::kNotFound, not_found));
  EXPECT_TRUE(IsError(store_->DeleteRole(mine, role->id), ErrorCode::kNotFound, not_found));
  Role changed = *role;
  changed.org_id = mine;
  changed.name = "Hijacked";
  EXPECT_TRUE(IsError(store_->UpdateRole(changed), ErrorCode::kNotFound, not_found));
  Result<Role> untouched = store_->GetRole(theirs, role->id);
  ASSERT_TRUE(untouched.ok());
  EXPECT_EQ(untouched->name, "Helpdesk");
}

TEST_F(SqliteStore, DeletesAnUnheldRole) {
  const std::int64_t org_id = NewOrganization("demo");
  Result<Role> role = store_->CreateRole(MakeRole(org_id, "Helpdesk"));
  ASSERT_TRUE(role.ok());
  ASSERT_TRUE(store_->DeleteRole(org_id, role->id).ok());
  EXPECT_TRUE(IsError(store_->GetRole(org_id, role->id).status(), ErrorCode::kNotFound));
  EXPECT_TRUE(IsError(store_->DeleteRole(org_id, role->id), ErrorCode::kNotFound));
}

TEST_F(SqliteStore, DeletingARoleHeldByAUserIsConflict) {
  const std::int64_t org_id = NewOrganization("demo");
  Result<Role> role = store_->CreateRole(MakeRole(org_id, "Helpdesk"));
  ASSERT_TRUE(role.ok());
  NewUser(org_id, "a@x", role->id);
  EXPECT_TRUE(IsError(store_->DeleteRole(org_id, role->id), ErrorCode::kConflict,
                      "role 'Helpdesk' is held by 1 user"));
  User disabled = testing::MakeUser(org_id, "b@x", role->id);
  disabled.status = "disabled";  // a disabled holder still holds it
  ASSERT_TRUE(store_->CreateUser(disabled).ok());
  EXPECT_TRUE(IsError(store_->DeleteRole(org_id, role->id), ErrorCode::kConflict,
                      "role 'Helpdesk' is held by 2 users"));
  EXPECT_TRUE(store_->GetRole(org_id, role->id).ok());
}

TEST_F(SqliteStore, ListsRolesOfOneOrganisationByName) {
  const std::int64_t org_id = NewOrganization("demo");
  const std::int64_t other_org = NewOrganization("other");
  for (const char* name : {"Zulu", "Alpha", "Mike"}) {
    ASSERT_TRUE(store_->CreateRole(MakeRole(org_id, name)).ok());
  }
  ASSERT_TRUE(store_->CreateRole(MakeRole(other_org, "Bravo")).ok());
  Result<std::vector<Role>> roles = store_->ListRoles(org_id);
  ASSERT_TRUE(roles.ok()) << roles.status().ToString();
  ASSERT_EQ(roles->size(), 3u);
  EXPECT_EQ((*roles)[0].name, "Alpha");
  EXPECT_EQ((*roles)[1].name, "Mike");
  EXPECT_EQ((*roles)[2].name, "Zulu");
  EXPECT_EQ((*roles)[0].privileges, MakeRole(org_id, "x").privileges);
}

}  // namespace
}  // namespace tether::storage
