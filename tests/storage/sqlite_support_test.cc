// Support grants in the SQLite store: the hidden user comes and goes with its grant.
#include <gtest/gtest.h>

#include "storage_test_support.h"
#include "tether/storage/store.h"

namespace tether::storage {
namespace {

using protocol::ErrorCode;
using testing::IsError;
using testing::MakeUser;

using SqliteStore = testing::SqliteStoreTest;

SupportGrant GrantUntil(std::int64_t org_id, std::int64_t granted_by, std::int64_t until) {
  SupportGrant grant;
  grant.org_id = org_id;
  grant.granted_by = granted_by;
  grant.granted_at = 1000;
  grant.until = until;
  return grant;
}

TEST_F(SqliteStore, SupportGrantCreatesAHiddenUserOutsideListsAndSeats) {
  const std::int64_t org = NewOrganization("acme");
  User owner = NewUser(org, "owner@acme.test", "super_admin");
  Result<SupportGrant> grant =
      store_->CreateSupportGrant(GrantUntil(org, owner.id, 90000), MakeUser(org, "support-1@support.invalid", "admin"));
  ASSERT_TRUE(grant.ok()) << grant.status().ToString();

  Result<User> support = store_->GetUser(grant->user_id);
  ASSERT_TRUE(support.ok());
  EXPECT_TRUE(support->hidden);
  EXPECT_EQ(store_->ListUsers(org, false)->size(), 1u);
  EXPECT_EQ(store_->ListUsers(org, true)->size(), 2u);
  EXPECT_EQ(*store_->CountActiveUsersWithRoles(org, {"admin", "super_admin"}), 1u);
  Result<SupportGrant> in_force = store_->FindSupportGrantInForce(org);
  ASSERT_TRUE(in_force.ok());
  EXPECT_EQ(in_force->until, 90000);
  EXPECT_EQ(in_force->ended_at, 0);
}

TEST_F(SqliteStore, SecondSupportGrantWhileOneIsInForceIsConflictAndCreatesNoUser) {
  const std::int64_t org = NewOrganization("acme");
  User owner = NewUser(org, "owner@acme.test", "super_admin");
  ASSERT_TRUE(store_->CreateSupportGrant(GrantUntil(org, owner.id, 9000), MakeUser(org, "s1@support.invalid")).ok());
  EXPECT_TRUE(IsError(store_->CreateSupportGrant(GrantUntil(org, owner.id, 9000), MakeUser(org, "s2@support.invalid"))
                          .status(),
                      ErrorCode::kConflict));
  EXPECT_EQ(store_->ListUsers(org, true)->size(), 2u);
}

TEST_F(SqliteStore, EndingASupportGrantDisablesItsUserAndRevokesItsTokens) {
  const std::int64_t org = NewOrganization("acme");
  User owner = NewUser(org, "owner@acme.test", "super_admin");
  Result<SupportGrant> grant =
      store_->CreateSupportGrant(GrantUntil(org, owner.id, 9000), MakeUser(org, "s1@support.invalid"));
  ASSERT_TRUE(grant.ok());
  User support = *store_->GetUser(grant->user_id);
  NewToken(support, "tok");
  NewToken(owner, "owner-tok");

  ASSERT_TRUE(store_->EndSupportGrant(grant->id, 5000, "revoked").ok());

  EXPECT_EQ(store_->GetUser(support.id)->status, "disabled");
  EXPECT_TRUE(Revoked("tok"));
  EXPECT_FALSE(Revoked("owner-tok"));
  EXPECT_TRUE(IsError(store_->FindSupportGrantInForce(org).status(), ErrorCode::kNotFound));
  EXPECT_TRUE(IsError(store_->EndSupportGrant(grant->id, 6000, "revoked"), ErrorCode::kNotFound));
  EXPECT_TRUE(IsError(store_->SetSupportGrantUntil(grant->id, 9999), ErrorCode::kNotFound));
  // A new grant may follow, with a user of its own.
  Result<SupportGrant> next = store_->CreateSupportGrant(GrantUntil(org, owner.id, 9000), MakeUser(org, "s2@support.invalid"));
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_NE(next->user_id, support.id);
}

TEST_F(SqliteStore, SupportGrantUntilCanBeChangedWhileInForceAndIsListed) {
  const std::int64_t acme = NewOrganization("acme");
  const std::int64_t globex = NewOrganization("globex");
  User owner = NewUser(acme, "owner@acme.test", "super_admin");
  User other = NewUser(globex, "owner@globex.test", "super_admin");
  Result<SupportGrant> grant = store_->CreateSupportGrant(GrantUntil(acme, owner.id, 9000), MakeUser(acme, "s@x.invalid"));
  ASSERT_TRUE(grant.ok());
  ASSERT_TRUE(store_->CreateSupportGrant(GrantUntil(globex, other.id, 7000), MakeUser(globex, "s@x.invalid")).ok());

  ASSERT_TRUE(store_->SetSupportGrantUntil(grant->id, 12000).ok());

  Result<std::vector<SupportGrant>> grants = store_->ListSupportGrantsInForce();
  ASSERT_TRUE(grants.ok());
  ASSERT_EQ(grants->size(), 2u);
  EXPECT_EQ((*grants)[0].until, 12000);
  EXPECT_EQ((*grants)[1].until, 7000);
}

}  // namespace
}  // namespace tether::storage
