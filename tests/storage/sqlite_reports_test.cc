// The SQLite store's session reports (schema version 6): newest first by (created_at,
// id), keyset paging, the time range, a technician's own sessions (hand-overs
// included), and what a report shows of controllers, devices and participants.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "storage_test_support.h"

namespace tether::storage {
namespace {

using testing::MakeDevice;
using testing::MakeGroup;
using testing::MakeSession;

class SessionReports : public testing::SqliteStoreTest {
 protected:
  void SetUp() override {
    SqliteStoreTest::SetUp();
    org_ = NewOrganization("acme");
    other_org_ = NewOrganization("globex");
    tom_ = NewUser(org_, "tom@acme.test");
    sue_ = NewUser(org_, "sue@acme.test", "admin");
  }
  void Save(SessionRecord session) { ASSERT_TRUE(store_->SaveSession(session).ok()); }
  SessionRecord Attended(const std::string& id, std::int64_t created_at, std::int64_t controller) {
    SessionRecord s = MakeSession(org_, id, created_at);
    s.mode = "attended";
    s.device_id = "";
    s.agent_name = "Customer " + id;
    s.controller_id = controller;
    return s;
  }
  std::vector<std::string> Ids(SessionReportQuery query) {
    query.org_id = org_;
    auto rows = store_->ReportSessions(query);
    EXPECT_TRUE(rows.ok()) << rows.status().ToString();
    std::vector<std::string> ids;
    if (rows.ok()) {
      for (const SessionReportRow& row : *rows) ids.push_back(row.session.id);
    }
    return ids;
  }

  std::int64_t org_ = 0, other_org_ = 0;
  User tom_, sue_;
};

TEST_F(SessionReports, NewestFirstWithinTheOrganisationAndKeysetPaging) {
  Save(Attended("s_a", 1000, tom_.id));
  Save(Attended("s_b", 2000, tom_.id));
  Save(Attended("s_c", 2000, sue_.id));  // same time: the id breaks the tie
  Save(Attended("s_d", 3000, sue_.id));
  SessionRecord theirs = MakeSession(other_org_, "s_x", 2500);
  Save(theirs);
  SessionReportQuery query;
  query.limit = 2;
  EXPECT_EQ(Ids(query), (std::vector<std::string>{"s_d", "s_c"}));
  query.before = std::make_pair(std::int64_t{2000}, std::string("s_c"));
  EXPECT_EQ(Ids(query), (std::vector<std::string>{"s_b", "s_a"}));
  query.before = std::make_pair(std::int64_t{1000}, std::string("s_a"));
  EXPECT_TRUE(Ids(query).empty());
}

TEST_F(SessionReports, TimeRangeIsOnCreationFromInclusiveToExclusive) {
  Save(Attended("s_a", 1000, tom_.id));
  Save(Attended("s_b", 2000, tom_.id));
  Save(Attended("s_c", 3000, tom_.id));
  SessionReportQuery query;
  query.from = 2000;
  query.to = 3000;
  EXPECT_EQ(Ids(query), (std::vector<std::string>{"s_b"}));
}

TEST_F(SessionReports, ControlledByFindsOwnSessionsAndThoseHandedOverFromOrToThem) {
  Save(Attended("s_mine", 1000, tom_.id));
  Save(Attended("s_sues", 2000, sue_.id));
  Save(Attended("s_handed", 3000, sue_.id));  // tom handed it to sue
  ASSERT_TRUE(store_->AddSessionParticipant("s_handed", tom_.id, "control", 3100).ok());
  ASSERT_TRUE(store_->AddSessionParticipant("s_sues", tom_.id, "view", 2100).ok());  // watching is not controlling
  SessionReportQuery query;
  query.controlled_by = tom_.id;
  EXPECT_EQ(Ids(query), (std::vector<std::string>{"s_handed", "s_mine"}));
}

TEST_F(SessionReports, RowsCarryControllerDeviceAndParticipantsInJoinOrder) {
  auto group = store_->CreateGroup(MakeGroup(org_, "Servers", "IT"));
  ASSERT_TRUE(group.ok());
  Device device = MakeDevice(org_, "d_0123456789abcdef01234567", group->id);
  ASSERT_TRUE(store_->CreateDevice(device).ok());
  SessionRecord session = MakeSession(org_, "s_u", 1000);
  session.controller_id = tom_.id;
  session.ended_at = 5000;
  session.end_reason = "controller_ended";
  Save(session);
  ASSERT_TRUE(store_->AddSessionParticipant("s_u", sue_.id, "view", 2500).ok());
  ASSERT_TRUE(store_->AddSessionParticipant("s_u", sue_.id, "view", 2600).ok());  // again: the first time stays
  ASSERT_TRUE(store_->AddSessionParticipant("s_u", 99, "view", 2400).ok());      // a user removed since
  SessionReportQuery query;
  query.org_id = org_;
  auto rows = store_->ReportSessions(query);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  const SessionReportRow& row = rows->front();
  EXPECT_EQ(row.session.end_reason, "controller_ended");
  EXPECT_EQ(row.controller_email, "tom@acme.test");
  EXPECT_TRUE(row.controller_scope.is_nil());  // all groups
  EXPECT_EQ(row.device_name, device.name);
  EXPECT_EQ(row.device_group, group->id);
  EXPECT_EQ(row.device_department, "IT");
  ASSERT_EQ(row.participants.size(), 2u);
  EXPECT_EQ(row.participants[0].user_id, 99);
  EXPECT_EQ(row.participants[0].email, "");
  EXPECT_EQ(row.participants[1].email, "sue@acme.test");
  EXPECT_EQ(row.participants[1].joined_at, 2500);
}

TEST_F(SessionReports, RemovedControllerReadsAsScopeOfNoGroupNotAllGroups) {
  Save(Attended("s_gone", 1000, 4242));
  SessionReportQuery query;
  query.org_id = org_;
  auto rows = store_->ReportSessions(query);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ(rows->front().controller_email, "");
  EXPECT_TRUE(rows->front().controller_scope.is_map());
}

TEST_F(SessionReports, ParticipantModeMustBeViewOrControl) {
  EXPECT_FALSE(store_->AddSessionParticipant("s_a", tom_.id, "admin", 1).ok());
}

}  // namespace
}  // namespace tether::storage
