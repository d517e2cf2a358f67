// End to end: report.sessions (protocol/PROTOCOL.md §6.12) — a technician (reports_own)
// sees only the sessions they controlled, an Admin those in their scope, the Super Admin
// all; a report row carries times, end reason and supervisors; `tetherctl report
// sessions --format csv` is an export and needs audit_export.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <string>

#include "access_helpers.h"
#include "ctl_runner.h"

namespace tether::e2e {
namespace {

using protocol::ErrorCode;
using protocol::Value;

std::set<std::string> ReportedIds(client::BlockingClient& client) {
  Value report = Ok(client, Req({{"t", "report.sessions"}}));
  std::set<std::string> ids;
  for (const Value& row : report.Find("sessions")->as_array()) ids.insert(row.Find("session_id")->as_string());
  return ids;
}

std::string CreateSession(client::BlockingClient& technician) {
  return Ok(technician, Req({{"t", "session.create"}, {"mode", "attended"}})).Find("session_id")->as_string();
}

Value GroupScope(const std::string& group_id) {
  return Value::MapOf({{"groups", Value(Value::Array{group_id})}});
}

TEST(SessionReport, TechnicianSeesOwnSessionsAdminThoseInScopeOwnerAll) {
  BrokerProcess broker;
  auto owner = LoggedInOwner(broker);
  std::string front = Ok(*owner, Req({{"t", "group.create"}, {"name", "Front"}})).Find("group_id")->as_string();
  std::string back = Ok(*owner, Req({{"t", "group.create"}, {"name", "Back"}})).Find("group_id")->as_string();
  auto tom = InviteAndAccept(broker, *owner, "tom@acme.test", "technician", GroupScope(front));
  auto nia = InviteAndAccept(broker, *owner, "nia@acme.test", "technician", GroupScope(back));
  auto boss = InviteAndAccept(broker, *owner, "boss@acme.test", "admin", GroupScope(front));
  std::string toms = CreateSession(*tom);
  std::string nias = CreateSession(*nia);
  std::string owners = CreateSession(*owner);

  EXPECT_EQ(ReportedIds(*tom), (std::set<std::string>{toms}));
  EXPECT_EQ(ReportedIds(*nia), (std::set<std::string>{nias}));
  std::set<std::string> bosses = ReportedIds(*boss);  // shares the Front group with Tom only
  EXPECT_TRUE(bosses.count(toms));
  EXPECT_FALSE(bosses.count(nias));
  EXPECT_EQ(ReportedIds(*owner), (std::set<std::string>{toms, nias, owners}));

  // A role with neither reports nor reports_own reads no report, and that is audited.
  Value role = Ok(*owner, Req({{"t", "role.create"}, {"name", "Plain"}, {"description", ""},
                               {"privileges", Value(Value::Array{"remote_support"})}}));
  auto plain = InviteAndAccept(broker, *owner, "plain@acme.test", role.Find("role_id")->as_string());
  EXPECT_NE(Refused(*plain, Req({{"t", "report.sessions"}}), ErrorCode::kPermissionDenied).find("reports_own"),
            std::string::npos);
  Value audited = Ok(*owner, Req({{"t", "audit.query"}, {"action", "report.sessions"}, {"outcome", "denied"}}));
  EXPECT_EQ(audited.Find("events")->as_array().size(), 1u);
}

TEST(SessionReport, RowShowsCustomerTimesEndReasonAndSupervisors) {
  BrokerProcess broker;
  LiveSession live = StartAttendedSession(broker);
  auto boss = InviteAndAccept(broker, *live.technician, "boss@acme.test", "admin");
  Ok(*boss, Req({{"t", "session.supervise"}, {"session_id", live.id}}));
  Ok(*live.technician, Req({{"t", "test.clock.advance"}, {"ms", 60000}}));
  Ok(*live.technician, Req({{"t", "session.end"}, {"session_id", live.id}}));
  Value report = Ok(*live.technician, Req({{"t", "report.sessions"}, {"limit", 1}}));
  const Value& row = report.Find("sessions")->as_array().at(0);
  EXPECT_EQ(row.Find("session_id")->as_string(), live.id);
  EXPECT_EQ(row.Find("mode")->as_string(), "attended");
  EXPECT_EQ(row.Find("customer")->as_string(), "Customer");
  EXPECT_TRUE(row.Find("device")->is_nil());
  EXPECT_EQ(row.Find("controller")->Find("email")->as_string(), kOwnerEmail);
  EXPECT_EQ(row.Find("end_reason")->as_string(), "controller_ended");
  // The test clock also runs with real time: a minute and the test's own few milliseconds.
  EXPECT_GE(row.Find("duration_ms")->as_uint(), 60000u);
  EXPECT_LT(row.Find("duration_ms")->as_uint(), 60000u + 10000u);
  EXPECT_EQ(row.Find("ended_at")->as_uint() - row.Find("started_at")->as_uint(), row.Find("duration_ms")->as_uint());
  const auto& supervisors = row.Find("supervisors")->as_array();
  ASSERT_EQ(supervisors.size(), 1u);
  EXPECT_EQ(supervisors[0].Find("email")->as_string(), "boss@acme.test");
  EXPECT_EQ(report.Find("cursor")->as_string().empty(), false);  // a full page: more may follow
}

TEST(SessionReport, PagesWithTheCursorAndRefusesForeignCursors) {
  BrokerProcess broker;
  auto owner = LoggedInOwner(broker);
  std::set<std::string> created;
  for (int i = 0; i < 5; ++i) created.insert(CreateSession(*owner));
  std::set<std::string> seen;
  std::string cursor;
  int pages = 0;
  do {
    Value page = Ok(*owner, Req({{"t", "report.sessions"}, {"limit", 2}, {"cursor", cursor}}));
    for (const Value& row : page.Find("sessions")->as_array()) seen.insert(row.Find("session_id")->as_string());
    cursor = page.Find("cursor")->as_string();
    ++pages;
  } while (!cursor.empty() && pages < 10);
  EXPECT_EQ(seen, created);
  EXPECT_EQ(pages, 3);
  Refused(*owner, Req({{"t", "report.sessions"}, {"cursor", "not-a-cursor"}}), ErrorCode::kBadRequest);
  Refused(*owner, Req({{"t", "report.sessions"}, {"limit", 0}}), ErrorCode::kBadRequest);
}

TEST(SessionReport, TetherctlCsvIsAnExportThatNeedsAuditExport) {
  BrokerProcess broker;
  auto owner = LoggedInOwner(broker);
  auto tom = InviteAndAccept(broker, *owner, "tom@acme.test", "technician");
  std::string toms = CreateSession(*tom);
  std::string owners = CreateSession(*owner);

  Ctl tech_ctl(broker, "tom-ctl");
  ASSERT_EQ(tech_ctl.Login(broker, "tom@acme.test", kMemberPassword), 0) << tech_ctl.out;
  ASSERT_EQ(tech_ctl.Run({"report", "sessions"}), 0) << tech_ctl.out;  // the table of his own
  EXPECT_NE(tech_ctl.out.find(toms), std::string::npos) << tech_ctl.out;
  EXPECT_EQ(tech_ctl.out.find(owners), std::string::npos) << tech_ctl.out;
  EXPECT_EQ(tech_ctl.Run({"report", "sessions", "--format", "csv"}), 1);
  EXPECT_NE(tech_ctl.out.find("permission_denied"), std::string::npos) << tech_ctl.out;

  Ctl ctl(broker);
  ASSERT_EQ(ctl.Login(broker), 0) << ctl.out;
  ASSERT_EQ(ctl.Run({"report", "sessions", "--format", "csv"}), 0) << ctl.out;
  const std::string csv_path = broker.dir() + "/report.csv";
  std::ofstream(csv_path) << ctl.out;
  std::string rows;
  ASSERT_EQ(RunProgram({"/usr/bin/python3", "-c",
                        "import csv,sys; r=list(csv.DictReader(open(sys.argv[1],newline=''))); "
                        "print(len(r), sorted(x['session_id'] for x in r), sorted(x['controller_email'] for x in r))",
                        csv_path},
                       "", &rows),
            0)
      << rows;
  std::string expected_ids = toms < owners ? "['" + toms + "', '" + owners + "']" : "['" + owners + "', '" + toms + "']";
  EXPECT_EQ(rows, "2 " + expected_ids + " ['owner@acme.test', 'tom@acme.test']\n");
  Value audited = Ok(*owner, Req({{"t", "audit.query"}, {"action", "report.sessions"}, {"limit", 1}}));
  const Value& event = audited.Find("events")->as_array().at(0);
  EXPECT_TRUE(event.Find("details")->Find("request")->Find("export")->as_bool());
}

}  // namespace
}  // namespace tether::e2e
