// End to end: audit.query and audit.verify over the protocol (audit_view).
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "access_helpers.h"

namespace tether::e2e {
namespace {

using protocol::ErrorCode;
using protocol::Value;


TEST(AuditQuery, NewestFirstWithFiltersAndCursorPaging) {
  BrokerProcess broker;
  auto owner = LoggedInOwner(broker);
  for (int i = 0; i < 5; ++i) InviteToken(*owner, "p" + std::to_string(i) + "@acme.test", "technician");
  Value first = Ok(*owner, Req({{"t", "audit.query"}, {"action", "user.invite"}, {"limit", 3}}));
  const auto& page = first.Find("events")->as_array();
  ASSERT_EQ(page.size(), 3u);
  EXPECT_GT(page[0].Find("seq")->as_uint(), page[1].Find("seq")->as_uint());  // newest first
  for (const Value& e : page) EXPECT_EQ(e.Find("action")->as_string(), "user.invite");
  std::string cursor = first.Find("cursor")->as_string();
  ASSERT_FALSE(cursor.empty());
  Value second = Ok(*owner, Req({{"t", "audit.query"}, {"action", "user.invite"}, {"limit", 3}, {"cursor", cursor}}));
  EXPECT_EQ(second.Find("events")->as_array().size(), 2u);
  Value failed = Ok(*owner, Req({{"t", "audit.query"}, {"outcome", "failed"}}));
  EXPECT_TRUE(failed.Find("events")->as_array().empty());
  Value verified = Ok(*owner, Req({{"t", "audit.verify"}}));
  EXPECT_TRUE(verified.Find("ok")->as_bool());
  EXPECT_GT(verified.Find("events_checked")->as_uint(), 6u);
}

TEST(AuditQuery, NeedsAuditViewAndSeesOnlyItsOwnOrganisation) {
  BrokerProcess broker;
  auto owner = LoggedInOwner(broker);
  auto tech = InviteAndAccept(broker, *owner, "t@acme.test", "technician");
  Refused(*tech, Req({{"t", "audit.query"}}), ErrorCode::kPermissionDenied);
  auto other = SecondOrganisationOwner(broker, "globex");
  Value theirs = Ok(*other, Req({{"t", "audit.query"}, {"limit", 1000}}));
  EXPECT_EQ(theirs.ToJson().find("acme.test"), std::string::npos);
}

// Runs SQL on the broker's database file beside the running broker (as a failing disk
// or a hostile operator would see it).
void ExecOnDatabase(const BrokerProcess& broker, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(broker.db_path().c_str(), &db), SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  char* error = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK) << (error ? error : "");
  sqlite3_free(error);
  sqlite3_close(db);
}

TEST(AuditDurability, AnAdminChangeWhoseAuditEventCannotBeWrittenIsUndoneAndAnsweredInternal) {
  BrokerProcess broker;
  auto owner = LoggedInOwner(broker);
  ExecOnDatabase(broker,
                 "CREATE TRIGGER refuse_group_audit BEFORE INSERT ON audit_events WHEN NEW.action = 'group.create' "
                 "BEGIN SELECT RAISE(ABORT, 'audit disk gone'); END");

  Refused(*owner, Req({{"t", "group.create"}, {"name", "Servers"}}), ErrorCode::kInternal);

  Value groups = Ok(*owner, Req({{"t", "group.list"}}));
  EXPECT_EQ(groups.ToJson().find("Servers"), std::string::npos) << groups.ToJson();
  ExecOnDatabase(broker, "DROP TRIGGER refuse_group_audit");
  Ok(*owner, Req({{"t", "group.create"}, {"name", "Servers"}}));  // the same change goes through, recorded
  Value recorded = Ok(*owner, Req({{"t", "audit.query"}, {"action", "group.create"}}));
  EXPECT_EQ(recorded.Find("events")->as_array().size(), 1u);
  EXPECT_TRUE(Ok(*owner, Req({{"t", "audit.verify"}})).Find("ok")->as_bool());
}

}  // namespace
}  // namespace tether::e2e
