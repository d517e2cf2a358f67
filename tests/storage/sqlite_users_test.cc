// Behaviour of the SQLite store's users beyond creation: the access-model fields, updates,
// removal with their tokens, listing, role counts, token revocation and ownership transfer.
#include <gtest/gtest.h>

#include "storage_test_support.h"
#include "tether/storage/store.h"

namespace tether::storage {
namespace {

using protocol::ErrorCode;
using testing::IsError;
using testing::MakeUser;
using testing::RawDb;

using SqliteStore = testing::SqliteStoreTest;

Value ScopeOf(std::initializer_list<Value> groups, std::initializer_list<Value> departments) {
  return Value::MapOf({{"groups", Value(Value::Array(groups))},
                       {"departments", Value(Value::Array(departments))}});
}

TEST_F(SqliteStore, StoresScopeAndTotpOfANewUser) {
  const std::int64_t org_id = NewOrganization("demo");
  User user = MakeUser(org_id, "a@b");
  user.scope = ScopeOf({3, 5}, {"Sales"});
  user.totp_secret = "JBSWY3DPEHPK3PXP";
  user.totp_enabled = true;
  Result<User> created = store_->CreateUser(user);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  Result<User> got = store_->GetUser(created->id);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->scope, user.scope);
  EXPECT_EQ(got->totp_secret, "JBSWY3DPEHPK3PXP");
  EXPECT_TRUE(got->totp_enabled);

  Result<User> plain = store_->GetUser(NewUser(org_id, "c@d").id);
  ASSERT_TRUE(plain.ok());
  EXPECT_TRUE(plain->scope.is_nil());
  EXPECT_EQ(plain->totp_secret, "");
  EXPECT_FALSE(plain->totp_enabled);
}

TEST_F(SqliteStore, AllGroupsScopeIsStoredAsNull) {
  const std::string path = UseFileStore();
  ASSERT_NE(store_, nullptr);
  const std::int64_t org_id = NewOrganization("demo");
  User all = NewUser(org_id, "all@x");
  User some = MakeUser(org_id, "some@x");
  some.scope = ScopeOf({1}, {});
  ASSERT_TRUE(store_->CreateUser(some).ok());
  RawDb raw(path);
  EXPECT_EQ(raw.QueryText("SELECT typeof(scope) FROM users WHERE email = 'all@x'"), "null");
  EXPECT_EQ(raw.QueryText("SELECT typeof(scope) FROM users WHERE email = 'some@x'"), "blob");
}

TEST_F(SqliteStore, UpdatesEveryMutableFieldOfAUser) {
  const std::int64_t org_id = NewOrganization("demo");
  User user = NewUser(org_id, "a@b");
  user.name = "New Name";
  user.role_id = "admin";
  user.password_hash = "$argon2id$new";
  user.status = "disabled";
  user.scope = ScopeOf({9}, {"Support"});
  user.totp_secret = "SECRET";
  user.totp_enabled = true;
  user.totp_last_step = 59'000'123;
  ASSERT_TRUE(store_->UpdateUser(user).ok());
  Result<User> got = store_->GetUser(user.id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->name, "New Name");
  EXPECT_EQ(got->role_id, "admin");
  EXPECT_EQ(got->password_hash, "$argon2id$new");
  EXPECT_EQ(got->status, "disabled");
  EXPECT_EQ(got->scope, user.scope);
  EXPECT_EQ(got->totp_secret, "SECRET");
  EXPECT_TRUE(got->totp_enabled);
  EXPECT_EQ(got->totp_last_step, 59'000'123);

  user.scope = Value();  // back to all groups
  user.totp_enabled = false;
  ASSERT_TRUE(store_->UpdateUser(user).ok());
  got = store_->GetUser(user.id);
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(got->scope.is_nil());
  EXPECT_FALSE(got->totp_enabled);
}

TEST_F(SqliteStore, DeletedUsersIdIsNeverGivenToANewUser) {
  // Audit events name actors by id: an id must keep naming one person forever.
  const std::int64_t org_id = NewOrganization("demo");
  User first = NewUser(org_id, "first@b");
  User last = NewUser(org_id, "last@b");
  ASSERT_TRUE(store_->DeleteUser(last.id).ok());
  User next = NewUser(org_id, "next@b");
  EXPECT_GT(next.id, last.id);
  EXPECT_NE(next.id, first.id);
}

TEST_F(SqliteStore, UpdateUserLeavesEmailAndOrganisationAlone) {
  const std::int64_t org_id = NewOrganization("demo");
  const std::int64_t other_org = NewOrganization("other");
  User user = NewUser(org_id, "a@b");
  User changed = user;
  changed.email = "evil@x";
  changed.org_id = other_org;
  changed.hidden = true;
  ASSERT_TRUE(store_->UpdateUser(changed).ok());
  Result<User> got = store_->GetUser(user.id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->email, "a@b");
  EXPECT_EQ(got->org_id, org_id);
  EXPECT_FALSE(got->hidden);
}

TEST_F(SqliteStore, UpdateOfMissingUserIsNotFound) {
  User ghost = MakeUser(NewOrganization("demo"), "ghost@x");
  ghost.id = 404;
  EXPECT_TRUE(IsError(store_->UpdateUser(ghost), ErrorCode::kNotFound, "user 404 not found"));
}

TEST_F(SqliteStore, DeleteUserRemovesTheirTokens) {
  const std::int64_t org_id = NewOrganization("demo");
  User gone = NewUser(org_id, "gone@x");
  User stays = NewUser(org_id, "stays@x");
  NewToken(gone, "gone-1");
  NewToken(gone, "gone-2");
  NewToken(stays, "stays-1");
  ASSERT_TRUE(store_->DeleteUser(gone.id).ok());
  EXPECT_TRUE(IsError(store_->GetUser(gone.id).status(), ErrorCode::kNotFound));
  EXPECT_TRUE(IsError(store_->FindToken("gone-1").status(), ErrorCode::kNotFound));
  EXPECT_TRUE(IsError(store_->FindToken("gone-2").status(), ErrorCode::kNotFound));
  EXPECT_TRUE(store_->FindToken("stays-1").ok());
  EXPECT_TRUE(store_->GetUser(stays.id).ok());
}

TEST_F(SqliteStore, DeleteUserRemovesTheirNotificationsAndPendingResets) {
  const std::int64_t org_id = NewOrganization("demo");
  User gone = NewUser(org_id, "gone@x");
  Notification notification;
  notification.org_id = org_id;
  notification.user_id = gone.id;
  notification.kind = "technician_invited";
  ASSERT_TRUE(store_->CreateNotification(notification).ok());
  ASSERT_TRUE(store_->CreateInvitations({testing::MakeReset(org_id, "reset-1", gone.id)}).ok());
  ASSERT_TRUE(store_->DeleteUser(gone.id).ok());
  Result<std::vector<Notification>> left = store_->ListNotifications(gone.id, false, 10);
  ASSERT_TRUE(left.ok());
  EXPECT_TRUE(left->empty());
  // A user created next may get the same id: the old reset must not set their password.
  EXPECT_TRUE(IsError(store_->FindInvitation("reset-1").status(), ErrorCode::kNotFound));
}

TEST_F(SqliteStore, DeleteOfMissingUserIsNotFound) {
  EXPECT_TRUE(IsError(store_->DeleteUser(404), ErrorCode::kNotFound, "user 404 not found"));
}

TEST_F(SqliteStore, FailedDeleteUserKeepsTheirTokens) {
  const std::string path = UseFileStore();
  ASSERT_NE(store_, nullptr);
  User user = NewUser(NewOrganization("demo"), "a@b");
  NewToken(user, "tok");
  RawDb(path).Exec(
      "CREATE TRIGGER refuse_delete BEFORE DELETE ON users BEGIN SELECT RAISE(ABORT, 'injected'); END");
  EXPECT_TRUE(IsError(store_->DeleteUser(user.id), ErrorCode::kInternal));
  EXPECT_TRUE(store_->FindToken("tok").ok());  // the token delete was rolled back
  EXPECT_TRUE(store_->GetUser(user.id).ok());
}

TEST_F(SqliteStore, ListsUsersOfOneOrganisationById) {
  const std::int64_t org_id = NewOrganization("demo");
  const std::int64_t other_org = NewOrganization("other");
  const User first = NewUser(org_id, "zed@x");
  NewUser(other_org, "elsewhere@x");
  const User second = NewUser(org_id, "amy@x");
  User support = MakeUser(org_id, "support@vendor", "admin");
  support.hidden = true;
  Result<User> hidden = store_->CreateUser(support);
  ASSERT_TRUE(hidden.ok());

  Result<std::vector<User>> visible = store_->ListUsers(org_id, /*include_hidden=*/false);
  ASSERT_TRUE(visible.ok()) << visible.status().ToString();
  ASSERT_EQ(visible->size(), 2u);
  EXPECT_EQ((*visible)[0].id, first.id);
  EXPECT_EQ((*visible)[1].id, second.id);
  EXPECT_EQ((*visible)[1].email, "amy@x");

  Result<std::vector<User>> all = store_->ListUsers(org_id, /*include_hidden=*/true);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[2].id, hidden->id);
  EXPECT_TRUE((*all)[2].hidden);
}

TEST_F(SqliteStore, CountsUsersWithARoleOfAnyStatus) {
  const std::int64_t org_id = NewOrganization("demo");
  const std::int64_t other_org = NewOrganization("other");
  NewUser(org_id, "a@x", "r_1");
  User disabled = MakeUser(org_id, "b@x", "r_1");
  disabled.status = "disabled";
  ASSERT_TRUE(store_->CreateUser(disabled).ok());
  User hidden = MakeUser(org_id, "c@x", "r_1");
  hidden.hidden = true;
  ASSERT_TRUE(store_->CreateUser(hidden).ok());
  NewUser(org_id, "d@x", "r_2");
  NewUser(other_org, "e@x", "r_1");
  Result<std::uint32_t> n = store_->CountUsersWithRole(org_id, "r_1");
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 3u);
  n = store_->CountUsersWithRole(org_id, "r_3");
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0u);
}

TEST_F(SqliteStore, RevokesEveryTokenOfAUserButTheOneKept) {
  const std::int64_t org_id = NewOrganization("demo");
  User user = NewUser(org_id, "a@x");
  User other = NewUser(org_id, "b@x");
  NewToken(user, "t1");
  NewToken(user, "t2");
  NewToken(user, "t3");
  NewToken(other, "o1");
  ASSERT_TRUE(store_->RevokeUserTokens(user.id, "t2").ok());
  EXPECT_TRUE(Revoked("t1"));
  EXPECT_FALSE(Revoked("t2"));
  EXPECT_TRUE(Revoked("t3"));
  EXPECT_FALSE(Revoked("o1"));
  ASSERT_TRUE(store_->RevokeUserTokens(user.id, "").ok());
  EXPECT_TRUE(Revoked("t2"));
  EXPECT_FALSE(Revoked("o1"));
}

TEST_F(SqliteStore, TransferOwnershipSwapsRoles) {
  const std::int64_t org_id = NewOrganization("demo");
  const User owner = NewUser(org_id, "owner@x", "super_admin");
  const User tech = NewUser(org_id, "tech@x", "technician");
  ASSERT_TRUE(store_->TransferOwnership(owner.id, tech.id).ok());
  EXPECT_EQ(store_->GetUser(owner.id)->role_id, "admin");
  EXPECT_EQ(store_->GetUser(tech.id)->role_id, "super_admin");
}

TEST_F(SqliteStore, TransferOwnershipSwapsRolesAtomically) {
  const std::string path = UseFileStore();
  ASSERT_NE(store_, nullptr);
  const std::int64_t org_id = NewOrganization("demo");
  const User owner = NewUser(org_id, "owner@x", "super_admin");
  const User tech = NewUser(org_id, "tech@x", "technician");
  // Fail the second update (demoting the old owner) after the first has run.
  RawDb(path).Exec(
      "CREATE TRIGGER refuse_demotion BEFORE UPDATE OF role_id ON users WHEN NEW.role_id = 'admin' "
      "BEGIN SELECT RAISE(ABORT, 'injected'); END");
  EXPECT_TRUE(IsError(store_->TransferOwnership(owner.id, tech.id), ErrorCode::kInternal));
  EXPECT_EQ(store_->GetUser(owner.id)->role_id, "super_admin");
  EXPECT_EQ(store_->GetUser(tech.id)->role_id, "technician");  // promotion rolled back
}

TEST_F(SqliteStore, TransferOwnershipRefusesWhatWouldBreakTheSingleOwner) {
  const std::int64_t org_id = NewOrganization("demo");
  const std::int64_t other_org = NewOrganization("other");
  const User owner = NewUser(org_id, "owner@x", "super_admin");
  const User admin = NewUser(org_id, "admin@x", "admin");
  const User tech = NewUser(org_id, "tech@x");
  const User stranger = NewUser(other_org, "stranger@x");
  User disabled = MakeUser(org_id, "off@x");
  disabled.status = "disabled";
  disabled = *store_->CreateUser(disabled);
  User support = MakeUser(org_id, "support@vendor", "admin");
  support.hidden = true;
  support = *store_->CreateUser(support);

  EXPECT_TRUE(IsError(store_->TransferOwnership(admin.id, tech.id), ErrorCode::kConflict,
                      "user " + std::to_string(admin.id) + " is not the super admin"));
  EXPECT_TRUE(IsError(store_->TransferOwnership(owner.id, stranger.id), ErrorCode::kNotFound));
  EXPECT_TRUE(IsError(store_->TransferOwnership(owner.id, support.id), ErrorCode::kNotFound));
  EXPECT_TRUE(IsError(store_->TransferOwnership(owner.id, disabled.id), ErrorCode::kConflict));
  EXPECT_TRUE(IsError(store_->TransferOwnership(owner.id, owner.id), ErrorCode::kConflict));
  EXPECT_TRUE(IsError(store_->TransferOwnership(owner.id, 404), ErrorCode::kNotFound, "user 404 not found"));
  EXPECT_EQ(store_->GetUser(owner.id)->role_id, "super_admin");
  Result<std::uint32_t> owners = store_->CountUsersWithRole(org_id, "super_admin");
  ASSERT_TRUE(owners.ok());
  EXPECT_EQ(*owners, 1u);
}

TEST_F(SqliteStore, CountActiveUsersWithRolesStillExcludesHiddenUsers) {
  const std::int64_t org_id = NewOrganization("demo");
  NewUser(org_id, "tech@x", "r_custom");
  User support = MakeUser(org_id, "support@vendor", "r_custom");
  support.hidden = true;
  ASSERT_TRUE(store_->CreateUser(support).ok());
  Result<std::uint32_t> seats = store_->CountActiveUsersWithRoles(org_id, {"r_custom"});
  ASSERT_TRUE(seats.ok());
  EXPECT_EQ(*seats, 1u);
}

}  // namespace
}  // namespace tether::storage
