// End to end: the command-line contract of tetherctl and the tether client.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include "broker_process.h"

namespace tether::e2e {
namespace {

int Init(const std::string& db, const std::string& slug, const std::string& password, std::string* out,
         std::vector<std::string> extra = {}) {
  std::vector<std::string> argv = {TETHER_CTL_BIN, "init", "--db", db, "--org", slug, "--name", "Org " + slug,
                                   "--admin-email", "boss@" + slug + ".test"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return RunProgram(argv, password + "\n", out);
}

TEST(Tetherctl, SeveralOrganisationsLiveInOneDatabaseAndASlugIsNeverOverwritten) {
  BrokerProcess broker;  // already holds "acme"
  std::string out;
  EXPECT_EQ(Init(broker.db_path(), "globex", "another-long-password", &out, {"--plan", "free", "--seats", "3"}), 0)
      << out;
  EXPECT_NE(Init(broker.db_path(), kOrg, "another-long-password", &out), 0);
  EXPECT_NE(out.find("conflict"), std::string::npos) << out;

  auto boss = Connect(broker);
  ASSERT_TRUE(boss->Hello(PasswordAuth("globex", "boss@globex.test", "another-long-password"), kWait).ok());
  auto org = boss->Call(protocol::Value::MapOf({{"t", "org.get"}}), kWait);
  ASSERT_TRUE(org.ok());
  EXPECT_EQ(org->Find("org")->Find("plan")->as_string(), "free");
  EXPECT_EQ(org->Find("org")->Find("seats")->as_uint(), 3u);
  // The owner of acme still logs in with acme's password, not globex's.
  auto owner = Connect(broker);
  EXPECT_TRUE(owner->Hello(PasswordAuth(), kWait).ok());
}

TEST(Tetherctl, InitRefusesBadInputNamingTheProblem) {
  BrokerProcess scratch(BrokerOptions().WithoutTestClock());
  std::string db = scratch.dir() + "/fresh.db", out;
  EXPECT_EQ(Init(db, "Bad Slug", "long-enough-password", &out), 2);
  EXPECT_NE(out.find("--org"), std::string::npos) << out;
  EXPECT_EQ(Init(db, "fine", "short", &out), 2);
  EXPECT_NE(out.find("at least"), std::string::npos) << out;
  EXPECT_EQ(Init(db, "fine", "long-enough-password", &out, {"--plan", "gold"}), 2);
  EXPECT_NE(out.find("--plan"), std::string::npos) << out;
}

TEST(Tetherctl, AuditVerifyReportsTheFirstTamperedEvent) {
  BrokerProcess broker;
  { auto owner = LoggedInOwner(broker); }
  ASSERT_EQ(broker.Stop(), 0);
  std::string out;
  ASSERT_EQ(RunProgram({TETHER_CTL_BIN, "audit", "verify", "--db", broker.db_path()}, "", &out), 0) << out;
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(broker.db_path().c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "UPDATE audit_events SET outcome = 'denied' WHERE chain = 1 AND seq = 2", nullptr,
                         nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  EXPECT_EQ(RunProgram({TETHER_CTL_BIN, "audit", "verify", "--db", broker.db_path()}, "", &out), 1);
  EXPECT_NE(out.find("seq 2"), std::string::npos) << out;
}

TEST(TetherClient, LogsInShowsTheOrganisationAndLogsOut) {
  BrokerProcess broker;
  std::string config = "XDG_CONFIG_HOME=" + broker.dir() + "/config", out;
  ASSERT_EQ(RunProgram({"/usr/bin/env", config, TETHER_CLIENT_BIN, "login", "--broker", broker.url(), "--org", kOrg,
                        "--email", kOwnerEmail},
                       std::string(kOwnerPassword) + "\n", &out),
            0)
      << out;
  EXPECT_NE(out.find("super_admin"), std::string::npos) << out;
  ASSERT_EQ(RunProgram({"/usr/bin/env", config, TETHER_CLIENT_BIN, "org"}, "", &out), 0) << out;
  EXPECT_NE(out.find("\"seats_used\": 1"), std::string::npos) << out;
  ASSERT_EQ(RunProgram({"/usr/bin/env", config, TETHER_CLIENT_BIN, "logout"}, "", &out), 0) << out;
  EXPECT_NE(RunProgram({"/usr/bin/env", config, TETHER_CLIENT_BIN, "org"}, "", &out), 0);
  EXPECT_NE(out.find("not logged in"), std::string::npos) << out;
}

TEST(TetherClient, WrongPasswordFailsWithTheBrokersAnswer) {
  BrokerProcess broker;
  std::string config = "XDG_CONFIG_HOME=" + broker.dir() + "/config", out;
  EXPECT_EQ(RunProgram({"/usr/bin/env", config, TETHER_CLIENT_BIN, "login", "--broker", broker.url(), "--org", kOrg,
                        "--email", kOwnerEmail},
                       "not-the-password\n", &out),
            1);
  EXPECT_NE(out.find("unauthenticated"), std::string::npos) << out;
}

}  // namespace
}  // namespace tether::e2e

namespace tether::e2e {
namespace {

TEST(Tetherctl, DatabaseFileIsReadableByItsOwnerOnly) {
  BrokerProcess broker;
  struct stat info {};
  ASSERT_EQ(::stat(broker.db_path().c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0077, 0u) << std::oct << info.st_mode;
}

}  // namespace
}  // namespace tether::e2e
