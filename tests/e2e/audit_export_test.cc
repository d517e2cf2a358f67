// End to end: audit.export (protocol/PROTOCOL.md §6.11) — a long chain seeded straight
// into the database, exported by the real tetherctl as CSV that python3's csv module
// reads back and that matches audit.query; JSON Lines that re-link the hash chain;
// backpressure that bounds the broker's memory when the client does not read; and who
// may export (never a support user), each refusal audited.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "access_helpers.h"
#include "ctl_runner.h"
#include "auth/password.h"
#include "tether/storage/store.h"

namespace tether::e2e {
namespace {

using protocol::ErrorCode;
using protocol::Value;

constexpr std::int64_t kAcmeChain = 1;  // the organisation tetherctl init made first
constexpr const char* kSupportEmail = "support@vendor.test";
constexpr const char* kSupportPassword = "vendor-password-1";

// Appends `count` events to the organisation's chain through the store's own
// AppendAudit (so the hash chain is valid), while the broker is stopped. Their texts
// hold commas, quotes and line breaks, which CSV must quote.
void SeedAuditEvents(const std::string& db_path, int count) {
  auto store = storage::OpenSqliteStore(db_path);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  constexpr int kBatch = 10000;
  for (int done = 0; done < count;) {
    std::vector<storage::AuditEvent> batch;
    for (int i = 0; i < kBatch && done < count; ++i, ++done) {
      storage::AuditEvent e;
      e.chain = kAcmeChain;
      e.time = 1767225600000 + done;
      e.actor_kind = "user";
      e.actor_id = std::to_string(done % 7);
      e.action = done % 3 == 0 ? "seed.alpha" : "seed.beta";
      e.target = "target, \"" + std::to_string(done) + "\"";
      e.outcome = done % 5 == 0 ? "denied" : "ok";
      e.source = "::ffff:127.0.0.1";
      e.details = Value::MapOf({{"n", static_cast<std::uint64_t>(done)},
                                {"note", "line one\nline two, with \"quotes\" and padding to look like a request"}});
      batch.push_back(std::move(e));
    }
    ASSERT_TRUE((*store)->AppendAudit(batch).ok());
  }
}

// Stops the broker, seeds `count` events, starts it again on the same database.
void SeedWhileStopped(BrokerProcess& broker, int count) {
  ASSERT_EQ(broker.Stop(), 0);
  SeedAuditEvents(broker.db_path(), count);
  ASSERT_TRUE(broker.Restart());
}

// A hidden support user (POLICY.md "Support access") with Admin privileges, made in the
// database as support_access.grant will make it.
void AddSupportUser(const std::string& db_path) {
  auto store = storage::OpenSqliteStore(db_path);
  ASSERT_TRUE(store.ok());
  storage::User user;
  user.org_id = kAcmeChain;
  user.email = kSupportEmail;
  user.name = "Vendor support";
  user.role_id = "admin";
  user.hidden = true;
  user.password_hash = broker::auth::HashPassword(kSupportPassword).value();
  ASSERT_TRUE((*store)->CreateUser(user).ok());
}

// Peak resident memory of a process in KiB (VmHWM), 0 if unreadable.
std::uint64_t PeakRssKib(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoull(line.substr(6));
  }
  return 0;
}

// Every event of the chain up to `upto_seq` through audit.query, oldest first, as JSON.
std::vector<nlohmann::json> QueryAll(client::BlockingClient& client, std::uint64_t upto_seq) {
  std::vector<nlohmann::json> events;
  std::string cursor;
  do {
    Value page = Ok(client, Req({{"t", "audit.query"}, {"limit", 1000}, {"cursor", cursor}}));
    for (const Value& e : page.Find("events")->as_array()) {
      if (e.Find("seq")->as_uint() <= upto_seq) events.push_back(nlohmann::json::parse(e.ToJson()));
    }
    cursor = page.Find("cursor")->as_string();
  } while (!cursor.empty());
  std::reverse(events.begin(), events.end());
  return events;
}

// The newest audit.export event's details.upto_seq: the last seq the export covered.
std::uint64_t ExportedUpTo(client::BlockingClient& client) {
  Value found = Ok(client, Req({{"t", "audit.query"}, {"action", "audit.export"}, {"limit", 1}}));
  return found.Find("events")->as_array().at(0).Find("details")->Find("upto_seq")->as_uint();
}

// Reads a CSV file with python3's csv module and prints each row as a JSON array.
constexpr const char* kCsvToJson = R"py(
import csv, json, sys
with open(sys.argv[1], newline='') as f:
    for row in csv.reader(f):
        print(json.dumps(row))
)py";

std::vector<nlohmann::json> ReadCsvWithPython(const BrokerProcess& broker, const std::string& csv_path) {
  const std::string script = broker.dir() + "/csv_to_json.py";
  std::ofstream(script) << kCsvToJson;
  std::string output;
  EXPECT_EQ(RunProgram({"/usr/bin/python3", script, csv_path}, "", &output), 0) << output.substr(0, 2000);
  std::vector<nlohmann::json> rows;
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);) rows.push_back(nlohmann::json::parse(line));
  return rows;
}

TEST(AuditExport, HundredThousandEventsAsCsvParseWithPythonAndMatchAuditQuery) {
  BrokerProcess broker(BrokerOptions().MeasuresMemory());
  ASSERT_NO_FATAL_FAILURE(SeedWhileStopped(broker, 100000));
  Ctl ctl(broker);
  ASSERT_EQ(ctl.Login(broker), 0) << ctl.out;
  const std::uint64_t rss_before = PeakRssKib(broker.pid());
  const std::string csv_path = broker.dir() + "/audit.csv";
  ASSERT_EQ(ctl.Run({"audit", "export", "--format", "csv", "-o", csv_path}), 0) << ctl.out;
  const std::uint64_t rss_after = PeakRssKib(broker.pid());

  std::vector<nlohmann::json> rows = ReadCsvWithPython(broker, csv_path);
  ASSERT_FALSE(rows.empty());
  EXPECT_EQ(rows[0], nlohmann::json({"chain", "seq", "time", "actor_kind", "actor", "support", "action", "target",
                                     "session_id", "source", "outcome", "details", "prev_hash", "hash"}));
  auto owner = LoggedInOwner(broker);
  const std::uint64_t upto = ExportedUpTo(*owner);
  std::vector<nlohmann::json> queried = QueryAll(*owner, upto);
  ASSERT_GT(queried.size(), 100000u);
  ASSERT_EQ(rows.size(), queried.size() + 1);  // the header, then every event oldest first
  for (std::size_t i = 0; i < queried.size(); ++i) {
    const nlohmann::json& row = rows[i + 1];
    const nlohmann::json& e = queried[i];
    SCOPED_TRACE("row " + std::to_string(i + 1));
    ASSERT_EQ(row[1], std::to_string(e["seq"].get<std::uint64_t>()));
    ASSERT_EQ(row[2], std::to_string(e["time"].get<std::uint64_t>()));
    ASSERT_EQ(row[4], e["actor"]);
    ASSERT_EQ(row[6], e["action"]);
    ASSERT_EQ(row[7], e["target"]);
    ASSERT_EQ(row[10], e["outcome"]);
    ASSERT_EQ(nlohmann::json::parse(row[11].get<std::string>()), e["details"]);
    ASSERT_EQ(row[13].get<std::string>().size(), 64u);
    if (i > 0) {
      ASSERT_EQ(row[12], rows[i][13]);  // prev_hash links to the row before
    }
  }
  // The broker never held the export: its peak memory grew by far less than the
  // export's size (a client this fast would hide a missing flow control; the next test
  // covers that).
  std::ifstream csv(csv_path, std::ios::ate | std::ios::binary);
  const std::uint64_t export_kib = static_cast<std::uint64_t>(csv.tellg()) / 1024;
  ASSERT_GT(rss_before, 0u);
  EXPECT_LT(rss_after - rss_before, export_kib / 4) << "export " << export_kib << " KiB, peak RSS " << rss_before
                                                    << " -> " << rss_after << " KiB";
}

TEST(AuditExport, JsonLinesCarryTheChainAndTheFiltersOfAuditQuery) {
  BrokerProcess broker;
  ASSERT_NO_FATAL_FAILURE(SeedWhileStopped(broker, 3000));
  Ctl ctl(broker);
  ASSERT_EQ(ctl.Login(broker), 0) << ctl.out;
  const std::string path = broker.dir() + "/alpha.jsonl";
  ASSERT_EQ(ctl.Run({"audit", "export", "--format", "jsonl", "--action", "seed.al", "--outcome", "denied",
                     "--from", "1767225600100", "-o", path}),
            0)
      << ctl.out;
  std::ifstream in(path);
  std::vector<nlohmann::json> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
  auto owner = LoggedInOwner(broker);
  Value query = Req({{"t", "audit.query"}, {"action", "seed.al"}, {"outcome", "denied"}, {"from", 1767225600100},
                     {"limit", 1000}});
  ASSERT_EQ(lines.size(), Ok(*owner, query).Find("events")->as_array().size());
  ASSERT_GT(lines.size(), 100u);
  std::uint64_t previous = 0;
  for (const nlohmann::json& e : lines) {
    EXPECT_EQ(e["action"], "seed.alpha");
    EXPECT_EQ(e["outcome"], "denied");
    EXPECT_EQ(e["chain"], kAcmeChain);
    EXPECT_EQ(e["hash"].get<std::string>().size(), 64u);
    EXPECT_EQ(e["prev_hash"].get<std::string>().size(), 64u);
    EXPECT_GT(e["seq"].get<std::uint64_t>(), previous);  // oldest first
    previous = e["seq"];
  }
  // The export is itself audited, with its filters.
  Value audited = Ok(*owner, Req({{"t", "audit.query"}, {"action", "audit.export"}}));
  const Value& event = audited.Find("events")->as_array().at(0);
  EXPECT_EQ(event.Find("outcome")->as_string(), "ok");
  EXPECT_EQ(event.Find("details")->Find("request")->Find("action")->as_string(), "seed.al");
}

// The client sends audit.export and reads nothing: the broker queues about a frame
// budget and stops reading the chain; once the client reads, every event arrives.
TEST(AuditExport, BrokerStopsReadingTheChainWhileTheClientDoesNotRead) {
  BrokerProcess broker(BrokerOptions().Config("frame_budget_bytes = 65536\n").MeasuresMemory());
  ASSERT_NO_FATAL_FAILURE(SeedWhileStopped(broker, 100000));
  auto exporter = LoggedInOwner(broker);
  auto other = LoggedInOwner(broker);
  const std::uint64_t rss_before = PeakRssKib(broker.pid());
  std::uint64_t id = exporter->StartCall(Req({{"t", "audit.export"}}));
  // The first page: the request has gone out and the export runs. From here on the
  // exporter's loop does not run, so nothing more is read from its socket.
  bool is_reply = false;
  auto first = exporter->NextMessageOrReply(id, kWait, &is_reply);
  ASSERT_TRUE(first.ok() && !is_reply);
  std::uint64_t events = first->Find("events")->as_array().size();
  // Each request of `other` passes through the storage thread after a page job of the
  // export, if one is queued: an export that ignored backpressure would meanwhile have
  // queued hundreds of pages (tens of MiB) for the client that does not read.
  for (int i = 0; i < 300; ++i) Ok(*other, Req({{"t", "audit.query"}, {"limit", 1}}));
  const std::uint64_t queued = ReadMetric(broker, "tether_output_queued_bytes_max");
  EXPECT_LT(queued, 65536u + 2 * 256 * 1024) << "bytes queued for the client that does not read";
  const std::uint64_t rss_growth = PeakRssKib(broker.pid()) - rss_before;
  EXPECT_LT(rss_growth, 16u * 1024) << "KiB of peak memory grown while the client did not read";
  for (;;) {
    auto message = exporter->NextMessageOrReply(id, kWait, &is_reply);
    ASSERT_TRUE(message.ok()) << message.status().ToString();
    if (is_reply) {
      EXPECT_EQ(message->Find("count")->as_uint(), events);
      break;
    }
    if (message->Find("event")->as_string() == "audit.export.page") {
      events += message->Find("events")->as_array().size();
    }
  }
  EXPECT_GT(events, 100000u);
}

TEST(AuditExport, OneExportAtATimePerConnection) {
  BrokerProcess broker;
  // Enough events that the first export outlasts the client's queue (it stalls until the
  // client reads): it is surely still running when the second one arrives.
  ASSERT_NO_FATAL_FAILURE(SeedWhileStopped(broker, 5000));
  auto owner = LoggedInOwner(broker);
  std::uint64_t first = owner->StartCall(Req({{"t", "audit.export"}}));
  std::uint64_t second = owner->StartCall(Req({{"t", "audit.export"}}));
  auto refused = owner->WaitReply(second, kWait);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), ErrorCode::kLimitReached);
  bool is_reply = false;
  while (!is_reply) ASSERT_TRUE(owner->NextMessageOrReply(first, kWait, &is_reply).ok());
  Ok(*owner, Req({{"t", "audit.export"}, {"action", "nothing.matches"}}));  // the next one runs
}

TEST(AuditExport, NeedsAuditExportAndNeverASupportUserEachRefusalAudited) {
  BrokerProcess broker;
  ASSERT_EQ(broker.Stop(), 0);
  AddSupportUser(broker.db_path());
  ASSERT_TRUE(broker.Restart());
  auto owner = LoggedInOwner(broker);
  auto tech = InviteAndAccept(broker, *owner, "t@acme.test", "technician");
  EXPECT_NE(Refused(*tech, Req({{"t", "audit.export"}}), ErrorCode::kPermissionDenied).find("audit_export"),
            std::string::npos);
  auto support = Connect(broker);
  ASSERT_TRUE(support->Hello(PasswordAuth(kOrg, kSupportEmail, kSupportPassword), kWait).ok());
  EXPECT_NE(Refused(*support, Req({{"t", "audit.export"}}), ErrorCode::kPermissionDenied).find("support user"),
            std::string::npos);
  // Policy comes before the fields: a support user hears permission_denied whatever it sent.
  Refused(*support, Req({{"t", "audit.export"}, {"from", "yesterday"}}), ErrorCode::kPermissionDenied);
  Refused(*owner, Req({{"t", "audit.export"}, {"from", "yesterday"}}), ErrorCode::kBadRequest);
  // A report is readable to the support user (Admin privileges), but not as an export.
  Ok(*support, Req({{"t", "report.sessions"}}));
  Refused(*support, Req({{"t", "report.sessions"}, {"export", true}}), ErrorCode::kPermissionDenied);
  Ok(*support, Req({{"t", "audit.query"}, {"limit", 1}}));  // reading the log stays allowed

  Value denied = Ok(*owner, Req({{"t", "audit.query"}, {"outcome", "denied"}}));
  std::vector<std::pair<std::string, bool>> refusals;  // action, by the support user
  for (const Value& e : denied.Find("events")->as_array()) {
    refusals.emplace_back(e.Find("action")->as_string(), e.Find("support")->as_bool());
  }
  std::reverse(refusals.begin(), refusals.end());
  EXPECT_EQ(refusals, (std::vector<std::pair<std::string, bool>>{
                          {"audit.export", false}, {"audit.export", true}, {"audit.export", true},
                          {"report.sessions", true}}));
  Value failed = Ok(*owner, Req({{"t", "audit.query"}, {"action", "audit.export"}, {"outcome", "failed"}}));
  EXPECT_EQ(failed.Find("events")->as_array().size(), 1u);  // the owner's bad field
  // tetherctl says so too, with exit 1.
  Ctl ctl(broker, "support-ctl");
  ASSERT_EQ(ctl.Login(broker, kSupportEmail, kSupportPassword), 0) << ctl.out;
  EXPECT_EQ(ctl.Run({"audit", "export", "--format", "jsonl"}), 1);
  EXPECT_NE(ctl.out.find("permission_denied"), std::string::npos) << ctl.out;
}

}  // namespace
}  // namespace tether::e2e
