// Behaviour of the SQLite store's notifications: stored for one user of the
// organisation, listed newest first, optionally unread only, up to a limit.
#include <gtest/gtest.h>

#include "storage_test_support.h"
#include "tether/storage/store.h"

namespace tether::storage {
namespace {

using protocol::ErrorCode;
using testing::IsError;

using SqliteStore = testing::SqliteStoreTest;

Notification MakeNotification(const User& recipient, std::int64_t created_at, bool read = false) {
  Notification notification;
  notification.org_id = recipient.org_id;
  notification.user_id = recipient.id;
  notification.kind = "technician_invited";
  notification.body = Value::MapOf({{"text", "invited at " + std::to_string(created_at)},
                                    {"actor", "7"},
                                    {"target", "new@x"}});
  notification.created_at = created_at;
  notification.read = read;
  return notification;
}

std::vector<std::int64_t> Times(const std::vector<Notification>& notifications) {
  std::vector<std::int64_t> times;
  for (const Notification& n : notifications) times.push_back(n.created_at);
  return times;
}

TEST_F(SqliteStore, CreatesAndListsANotification) {
  const User owner = NewUser(NewOrganization("demo"), "owner@x", "super_admin");
  Result<Notification> created = store_->CreateNotification(MakeNotification(owner, 1000));
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_GT(created->id, 0);
  Result<std::vector<Notification>> listed = store_->ListNotifications(owner.id, false, 10);
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  ASSERT_EQ(listed->size(), 1u);
  const Notification& got = (*listed)[0];
  EXPECT_EQ(got.id, created->id);
  EXPECT_EQ(got.org_id, owner.org_id);
  EXPECT_EQ(got.user_id, owner.id);
  EXPECT_EQ(got.kind, "technician_invited");
  EXPECT_EQ(got.body, MakeNotification(owner, 1000).body);
  EXPECT_EQ(got.created_at, 1000);
  EXPECT_FALSE(got.read);
}

TEST_F(SqliteStore, ListsNotificationsNewestFirstUpToTheLimit) {
  const std::int64_t org_id = NewOrganization("demo");
  const User owner = NewUser(org_id, "owner@x", "super_admin");
  const User other = NewUser(org_id, "other@x");
  for (std::int64_t t : {3000, 1000, 5000, 2000, 4000}) {
    ASSERT_TRUE(store_->CreateNotification(MakeNotification(owner, t)).ok());
  }
  ASSERT_TRUE(store_->CreateNotification(MakeNotification(other, 9000)).ok());
  Result<std::vector<Notification>> all = store_->ListNotifications(owner.id, false, 100);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(Times(*all), (std::vector<std::int64_t>{5000, 4000, 3000, 2000, 1000}));
  Result<std::vector<Notification>> two = store_->ListNotifications(owner.id, false, 2);
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(Times(*two), (std::vector<std::int64_t>{5000, 4000}));
  Result<std::vector<Notification>> none = store_->ListNotifications(owner.id, false, 0);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST_F(SqliteStore, NotificationsOfTheSameTimeListNewestIdFirst) {
  const User owner = NewUser(NewOrganization("demo"), "owner@x", "super_admin");
  Result<Notification> first = store_->CreateNotification(MakeNotification(owner, 1000));
  Result<Notification> second = store_->CreateNotification(MakeNotification(owner, 1000));
  ASSERT_TRUE(first.ok() && second.ok());
  Result<std::vector<Notification>> listed = store_->ListNotifications(owner.id, false, 10);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].id, second->id);
  EXPECT_EQ((*listed)[1].id, first->id);
}

TEST_F(SqliteStore, ListsOnlyUnreadNotificationsWhenAsked) {
  const User owner = NewUser(NewOrganization("demo"), "owner@x", "super_admin");
  ASSERT_TRUE(store_->CreateNotification(MakeNotification(owner, 1000, /*read=*/true)).ok());
  ASSERT_TRUE(store_->CreateNotification(MakeNotification(owner, 2000)).ok());
  ASSERT_TRUE(store_->CreateNotification(MakeNotification(owner, 3000, /*read=*/true)).ok());
  Result<std::vector<Notification>> unread = store_->ListNotifications(owner.id, true, 10);
  ASSERT_TRUE(unread.ok());
  EXPECT_EQ(Times(*unread), std::vector<std::int64_t>{2000});
  Result<std::vector<Notification>> all = store_->ListNotifications(owner.id, false, 10);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_TRUE((*all)[0].read);
}

TEST_F(SqliteStore, NotificationForAUserOutsideTheOrganisationIsNotFound) {
  const std::int64_t mine = NewOrganization("mine");
  const User stranger = NewUser(NewOrganization("theirs"), "s@x");
  Notification notification = MakeNotification(stranger, 1000);
  notification.org_id = mine;
  EXPECT_TRUE(IsError(store_->CreateNotification(notification).status(), ErrorCode::kNotFound,
                      "user " + std::to_string(stranger.id) + " not found"));
  notification.user_id = 404;
  EXPECT_TRUE(IsError(store_->CreateNotification(notification).status(), ErrorCode::kNotFound));
  Result<std::vector<Notification>> listed = store_->ListNotifications(stranger.id, false, 10);
  ASSERT_TRUE(listed.ok());
  EXPECT_TRUE(listed->empty());
}

}  // namespace
}  // namespace tether::storage
