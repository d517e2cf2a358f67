// Behaviour of the SQLite store's invitations and password resets: stored all or none,
// single use, expiring, and whatever they grant done in the same transaction as the use.
#include <gtest/gtest.h>

#include "storage_test_support.h"
#include "tether/storage/store.h"

namespace tether::storage {
namespace {

using protocol::ErrorCode;
using testing::IsError;
using testing::MakeInvitation;
using testing::MakeReset;
using testing::MakeUser;

using SqliteStore = testing::SqliteStoreTest;

// A user as the broker builds it from an invitation, before it is stored.
User Invitee(const Invitation& invitation) {
  User user = MakeUser(invitation.org_id, invitation.email, invitation.role_id);
  user.scope = invitation.scope;
  return user;
}

std::int64_t UsedAt(Store& store, const std::string& token_hash) {
  Result<Invitation> invitation = store.FindInvitation(token_hash);
  EXPECT_TRUE(invitation.ok()) << invitation.status().ToString();
  return invitation.ok() ? invitation->used_at : -1;
}

TEST_F(SqliteStore, StoresAndFindsInvitations) {
  const std::int64_t org_id = NewOrganization("demo");
  Invitation first = MakeInvitation(org_id, "h1", "New@Example.com", "r_abc");
  first.scope =
      Value::MapOf({{"groups", Value(Value::Array{Value(4)})}, {"departments", Value::MakeArray()}});
  Invitation second = MakeInvitation(org_id, "h2", "other@example.com");
  ASSERT_TRUE(store_->CreateInvitations({first, second}).ok());

  Result<Invitation> found = store_->FindInvitation("h1");
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  EXPECT_EQ(found->org_id, org_id);
  EXPECT_EQ(found->kind, "invite");
  EXPECT_EQ(found->email, "new@example.com");
  EXPECT_EQ(found->role_id, "r_abc");
  EXPECT_EQ(found->scope, first.scope);
  EXPECT_EQ(found->created_by, 1);
  EXPECT_EQ(found->created_at, 1000);
  EXPECT_EQ(found->expires_at, 10000);
  EXPECT_EQ(found->used_at, 0);
  Result<Invitation> other = store_->FindInvitation("h2");
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(other->scope.is_nil());
  EXPECT_TRUE(IsError(store_->FindInvitation("nope").status(), ErrorCode::kNotFound, "invitation not found"));
}

TEST_F(SqliteStore, CreateInvitationsStoresAllOrNone) {
  const std::int64_t org_id = NewOrganization("demo");
  ASSERT_TRUE(store_->CreateInvitations({MakeInvitation(org_id, "taken", "a@x")}).ok());
  Status batch = store_->CreateInvitations(
      {MakeInvitation(org_id, "fresh-1", "b@x"), MakeInvitation(org_id, "taken", "c@x"),
       MakeInvitation(org_id, "fresh-2", "d@x")});
  EXPECT_TRUE(IsError(batch, ErrorCode::kConflict));
  EXPECT_TRUE(IsError(store_->FindInvitation("fresh-1").status(), ErrorCode::kNotFound));
  EXPECT_TRUE(IsError(store_->FindInvitation("fresh-2").status(), ErrorCode::kNotFound));
  EXPECT_TRUE(IsError(store_->CreateInvitations({MakeInvitation(99, "orphan", "e@x")}), ErrorCode::kNotFound,
                      "organisation 99 not found"));
  EXPECT_TRUE(store_->CreateInvitations({}).ok());
}

TEST_F(SqliteStore, AcceptingAnInvitationCreatesTheUserAndUsesIt) {
  const std::int64_t org_id = NewOrganization("demo");
  Invitation invitation = MakeInvitation(org_id, "h1", "new@x", "r_abc");
  invitation.scope =
      Value::MapOf({{"groups", Value::MakeArray()}, {"departments", Value(Value::Array{"Sales"})}});
  ASSERT_TRUE(store_->CreateInvitations({invitation}).ok());
  Result<User> user = store_->AcceptInvitation("h1", Invitee(invitation), 5000);
  ASSERT_TRUE(user.ok()) << user.status().ToString();
  EXPECT_GT(user->id, 0);
  Result<User> stored = store_->GetUser(user->id);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->org_id, org_id);
  EXPECT_EQ(stored->email, "new@x");
  EXPECT_EQ(stored->role_id, "r_abc");
  EXPECT_EQ(stored->scope, invitation.scope);
  EXPECT_EQ(UsedAt(*store_, "h1"), 5000);
}

TEST_F(SqliteStore, AcceptingAnInvitationTwiceIsConflict) {
  const std::int64_t org_id = NewOrganization("demo");
  const Invitation invitation = MakeInvitation(org_id, "h1", "new@x");
  ASSERT_TRUE(store_->CreateInvitations({invitation}).ok());
  ASSERT_TRUE(store_->AcceptInvitation("h1", Invitee(invitation), 5000).ok());
  User again = Invitee(invitation);
  again.email = "";  // even with the email left to the invitation
  EXPECT_TRUE(IsError(store_->AcceptInvitation("h1", again, 6000).status(), ErrorCode::kConflict,
                      "invitation already used"));
  EXPECT_EQ(UsedAt(*store_, "h1"), 5000);
}

TEST_F(SqliteStore, AcceptingForAnExistingEmailRollsBackTheUse) {
  const std::int64_t org_id = NewOrganization("demo");
  const Invitation invitation = MakeInvitation(org_id, "h1", "taken@x");
  ASSERT_TRUE(store_->CreateInvitations({invitation}).ok());
  NewUser(org_id, "Taken@X");  // became a user meanwhile
  EXPECT_TRUE(IsError(store_->AcceptInvitation("h1", Invitee(invitation), 5000).status(),
                      ErrorCode::kConflict, "user 'taken@x' already exists"));
  EXPECT_EQ(UsedAt(*store_, "h1"), 0);
}

TEST_F(SqliteStore, ExpiredOrUnknownInvitationIsRefused) {
  const std::int64_t org_id = NewOrganization("demo");
  const Invitation invitation = MakeInvitation(org_id, "h1", "new@x");
  ASSERT_TRUE(store_->CreateInvitations({invitation}).ok());
  EXPECT_TRUE(IsError(store_->AcceptInvitation("h1", Invitee(invitation), 10000).status(),
                      ErrorCode::kExpired, "invitation expired"));
  EXPECT_EQ(UsedAt(*store_, "h1"), 0);
  EXPECT_TRUE(IsError(store_->AcceptInvitation("nope", Invitee(invitation), 5000).status(),
                      ErrorCode::kNotFound, "invitation not found"));
  Result<std::vector<User>> users = store_->ListUsers(org_id, true);
  ASSERT_TRUE(users.ok());
  EXPECT_TRUE(users->empty());
}

TEST_F(SqliteStore, InvitationCannotCreateAUserElsewhere) {
  const std::int64_t org_id = NewOrganization("demo");
  const std::int64_t other_org = NewOrganization("other");
  const Invitation invitation = MakeInvitation(org_id, "h1", "new@x");
  ASSERT_TRUE(store_->CreateInvitations({invitation}).ok());
  User elsewhere = Invitee(invitation);
  elsewhere.org_id = other_org;
  EXPECT_TRUE(IsError(store_->AcceptInvitation("h1", elsewhere, 5000).status(), ErrorCode::kNotFound));
  User other_email = Invitee(invitation);
  other_email.email = "someone-else@x";
  EXPECT_TRUE(IsError(store_->AcceptInvitation("h1", other_email, 5000).status(), ErrorCode::kBadRequest));
  EXPECT_EQ(UsedAt(*store_, "h1"), 0);
  // Left empty, both come from the invitation.
  User blank = Invitee(invitation);
  blank.org_id = 0;
  blank.email = "";
  Result<User> user = store_->AcceptInvitation("h1", blank, 5000);
  ASSERT_TRUE(user.ok()) << user.status().ToString();
  EXPECT_EQ(user->org_id, org_id);
  EXPECT_EQ(user->email, "new@x");
}

TEST_F(SqliteStore, AResetIsNotAnInvitationNorTheOtherWayRound) {
  const std::int64_t org_id = NewOrganization("demo");
  User user = NewUser(org_id, "a@x");
  const Invitation invitation = MakeInvitation(org_id, "invite", "new@x");
  ASSERT_TRUE(store_->CreateInvitations({invitation, MakeReset(org_id, "reset", user.id)}).ok());
  EXPECT_TRUE(IsError(store_->AcceptInvitation("reset", Invitee(invitation), 5000).status(),
                      ErrorCode::kNotFound));
  EXPECT_TRUE(IsError(store_->ConsumeReset("invite", "$argon2id$x", 5000), ErrorCode::kNotFound));
  EXPECT_EQ(UsedAt(*store_, "reset"), 0);
  EXPECT_EQ(UsedAt(*store_, "invite"), 0);
}

TEST_F(SqliteStore, ConsumingAResetSetsThePasswordAndRevokesEveryToken) {
  const std::int64_t org_id = NewOrganization("demo");
  User user = NewUser(org_id, "a@x");
  User other = NewUser(org_id, "b@x");
  NewToken(user, "t1");
  NewToken(user, "t2");
  NewToken(other, "o1");
  ASSERT_TRUE(store_->CreateInvitations({MakeReset(org_id, "reset", user.id)}).ok());
  ASSERT_TRUE(store_->ConsumeReset("reset", "$argon2id$new", 5000).ok());
  EXPECT_EQ(store_->GetUser(user.id)->password_hash, "$argon2id$new");
  EXPECT_EQ(store_->GetUser(other.id)->password_hash, other.password_hash);
  EXPECT_TRUE(Revoked("t1"));
  EXPECT_TRUE(Revoked("t2"));
  EXPECT_FALSE(Revoked("o1"));
  EXPECT_EQ(UsedAt(*store_, "reset"), 5000);
}

TEST_F(SqliteStore, ConsumingAResetTwiceIsConflict) {
  const std::int64_t org_id = NewOrganization("demo");
  User user = NewUser(org_id, "a@x");
  ASSERT_TRUE(store_->CreateInvitations({MakeReset(org_id, "reset", user.id)}).ok());
  ASSERT_TRUE(store_->ConsumeReset("reset", "$argon2id$first", 5000).ok());
  EXPECT_TRUE(IsError(store_->ConsumeReset("reset", "$argon2id$second", 6000), ErrorCode::kConflict,
                      "password reset already used"));
  EXPECT_EQ(store_->GetUser(user.id)->password_hash, "$argon2id$first");
}

TEST_F(SqliteStore, ExpiredResetChangesNothing) {
  const std::int64_t org_id = NewOrganization("demo");
  User user = NewUser(org_id, "a@x");
  NewToken(user, "t1");
  ASSERT_TRUE(store_->CreateInvitations({MakeReset(org_id, "reset", user.id)}).ok());
  EXPECT_TRUE(IsError(store_->ConsumeReset("reset", "$argon2id$new", 10001), ErrorCode::kExpired));
  EXPECT_EQ(store_->GetUser(user.id)->password_hash, user.password_hash);
  EXPECT_FALSE(Revoked("t1"));
}

TEST_F(SqliteStore, ResetOfAUserOfAnotherOrganisationRollsBack) {
  const std::int64_t org_id = NewOrganization("demo");
  const std::int64_t other_org = NewOrganization("other");
  User stranger = NewUser(other_org, "s@x");
  NewToken(stranger, "s1");
  // A reset row naming a user outside its organisation (a bug, or a tampered file).
  ASSERT_TRUE(store_->CreateInvitations({MakeReset(org_id, "reset", stranger.id)}).ok());
  EXPECT_TRUE(IsError(store_->ConsumeReset("reset", "$argon2id$new", 5000), ErrorCode::kNotFound));
  EXPECT_EQ(store_->GetUser(stranger.id)->password_hash, stranger.password_hash);
  EXPECT_FALSE(Revoked("s1"));
  EXPECT_EQ(UsedAt(*store_, "reset"), 0);
}

}  // namespace
}  // namespace tether::storage
