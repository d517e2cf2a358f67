// End to end: "durable before confirmed" survives kill -9 (issue 6, PROTOCOL.md §8).
// Three clients run audited actions as fast as they can (org.update, group.create,
// logins); the broker is killed at a random moment (the seed is printed; set
// TETHER_CRASH_SEED to replay it) and restarted on the same database. Every action a
// client saw confirmed must have its event, and the chain must verify online and offline.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "access_helpers.h"

namespace tether::e2e {
namespace {

using protocol::Value;

// What the clients saw confirmed (a reply received).
struct Confirmed {
  std::mutex mutex;  // guards names and logins
  std::set<std::string> org_names;
  std::set<std::string> group_names;
  std::uint64_t logins = 0;
};

std::unique_ptr<client::BlockingClient> TryConnect(const BrokerProcess& broker) {
  client::ConnectOptions options;
  options.url = broker.url();
  options.subprotocol = "tether.v1";
  auto connected = client::BlockingClient::Connect(options, kWait);
  return connected.ok() ? std::move(connected).value() : nullptr;
}

// Runs `action(i)` for i = 0, 1, ... until it fails (the broker died) or `stop`.
template <typename Action>
std::thread Load(std::atomic<bool>& stop, Action action) {
  return std::thread([&stop, action] {
    for (int i = 0; !stop.load() && i < 100000; ++i) {
      if (!action(i)) return;
    }
  });
}

std::uint32_t Seed() {
  if (const char* fixed = std::getenv("TETHER_CRASH_SEED")) return static_cast<std::uint32_t>(std::strtoul(fixed, nullptr, 10));
  return std::random_device{}();
}

TEST(AuditCrash, EveryConfirmedActionIsInTheLogAfterKill9) {
  const std::uint32_t seed = Seed();
  std::mt19937 random(seed);
  const auto kill_after = std::chrono::milliseconds(std::uniform_int_distribution<int>(150, 700)(random));
  std::cout << "crash seed " << seed << ": kill -9 after " << kill_after.count() << " ms\n";
  ::testing::Test::RecordProperty("crash_seed", std::to_string(seed));

  BrokerProcess broker;
  auto updater = LoggedInOwner(broker);
  auto creator = LoggedInOwner(broker);
  ASSERT_TRUE(updater && creator);
  Confirmed confirmed;
  std::atomic<bool> stop{false};
  std::vector<std::thread> load;
  load.push_back(Load(stop, [&](int i) {
    std::string name = "Acme " + std::to_string(i);
    if (!updater->Call(Req({{"t", "org.update"}, {"name", name}}), kWait).ok()) return false;
    std::lock_guard lock(confirmed.mutex);
    return confirmed.org_names.insert(name).second;
  }));
  load.push_back(Load(stop, [&](int i) {
    std::string name = "Group " + std::to_string(i);
    if (!creator->Call(Req({{"t", "group.create"}, {"name", name}}), kWait).ok()) return false;
    std::lock_guard lock(confirmed.mutex);
    return confirmed.group_names.insert(name).second;
  }));
  load.push_back(Load(stop, [&](int) {
    auto client = TryConnect(broker);
    if (client == nullptr || !client->Hello(PasswordAuth(), kWait).ok()) return false;
    std::lock_guard lock(confirmed.mutex);
    ++confirmed.logins;
    return true;
  }));
  std::this_thread::sleep_for(kill_after);  // the random moment of the crash, not a wait for a result
  broker.Kill();
  stop = true;
  for (std::thread& t : load) t.join();
  std::cout << "confirmed before the crash: " << confirmed.org_names.size() << " org.update, "
            << confirmed.group_names.size() << " group.create, " << confirmed.logins << " logins\n";
  ASSERT_GT(confirmed.org_names.size() + confirmed.group_names.size() + confirmed.logins, 0u);

  ASSERT_TRUE(broker.Restart()) << broker.log();
  {
    auto owner = LoggedInOwner(broker);
    Value verified = Ok(*owner, Req({{"t", "audit.verify"}}));
    EXPECT_TRUE(verified.Find("ok")->as_bool()) << verified.ToJson();
  }
  ASSERT_EQ(broker.Stop(), 0);
  std::string out;
  EXPECT_EQ(RunProgram({TETHER_CTL_BIN, "audit", "verify", "--db", broker.db_path()}, "", &out), 0) << out;

  std::set<std::string> org_names, group_names;
  std::uint64_t logins = 0;
  for (const AuditRow& row : ReadAuditChain(broker.db_path(), 1)) {
    if (row.outcome != "ok") continue;
    const Value* request = row.details.Find("request");
    const Value* name = request != nullptr ? request->Find("name") : nullptr;
    if (row.action == "org.update" && name != nullptr) org_names.insert(name->as_string());
    if (row.action == "group.create" && name != nullptr) group_names.insert(name->as_string());
    if (row.action == "auth.login") ++logins;
  }
  for (const std::string& name : confirmed.org_names) EXPECT_EQ(org_names.count(name), 1u) << "org.update " << name;
  for (const std::string& name : confirmed.group_names) {
    EXPECT_EQ(group_names.count(name), 1u) << "group.create " << name;
  }
  // The two setup logins and the one after the restart are in the log too.
  EXPECT_GE(logins, confirmed.logins + 3);
}

}  // namespace
}  // namespace tether::e2e

namespace tether::e2e {
namespace {

// What one round of the crash loop saw confirmed before its kill -9.
struct Round {
  Confirmed confirmed;
  std::vector<std::string> active_sessions;  // seen `active` by their controller
};

// The real tether-agent, enrolled once, run with a short backoff so that it is back
// within a fraction of a second of each restart.
struct RealDevice {
  std::string config;
  std::unique_ptr<ChildProcess> process;
  std::string id;
};

RealDevice EnrolRealAgent(const BrokerProcess& broker, client::BlockingClient& owner) {
  RealDevice device;
  std::string key = Ok(owner, Req({{"t", "deploy_key.create"}, {"group_id", "0"}})).Find("deployment_key")->as_string();
  device.config = broker.dir() + "/agent/device.json";
  std::string out;
  EXPECT_EQ(RunProgram({TETHER_AGENT_BIN, "enroll", "--broker", broker.url(), "--deployment-key", key, "--name",
                        "crash-box", "--config", device.config},
                       "", &out),
            0)
      << out;
  device.process = std::make_unique<ChildProcess>(
      std::vector<std::string>{TETHER_AGENT_BIN, "run", "--config", device.config, "--retry-min-ms", "50",
                               "--retry-max-ms", "200"},
      broker.dir() + "/device-agent.log", std::vector<std::string>{"HOME=" + broker.dir()});
  return device;
}

using Clock = std::chrono::steady_clock;

// Polls device.list until the device is online; when it was seen so, or nullopt.
std::optional<Clock::time_point> WaitOnline(client::BlockingClient& owner, std::string* device_id,
                                            std::chrono::milliseconds deadline) {
  auto start = Clock::now();
  while (Clock::now() - start < deadline) {
    Value devices = Ok(owner, Req({{"t", "device.list"}}));
    for (const Value& d : devices.Find("devices")->as_array()) {
      if (!d.Find("online")->as_bool()) continue;
      *device_id = d.Find("device_id")->as_string();
      return Clock::now();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // polling a separate process, not timing
  }
  return std::nullopt;
}

// Checks the database of a dead broker against what was confirmed: every confirmed
// action has its event, the sessions `ended_before` list were ended broker_restart, and
// the chain verifies offline with tetherctl.
void CheckOffline(const BrokerProcess& broker, const Round& round, const std::vector<std::string>& ended_before,
                  std::uint64_t logins_so_far) {
  std::set<std::string> org_names, group_names, restarted;
  std::uint64_t logins = 0;
  for (const AuditRow& row : ReadAuditChain(broker.db_path(), 1)) {
    if (row.outcome != "ok") continue;
    const Value* request = row.details.Find("request");
    const Value* name = request != nullptr ? request->Find("name") : nullptr;
    if (row.action == "org.update" && name != nullptr) org_names.insert(name->as_string());
    if (row.action == "group.create" && name != nullptr) group_names.insert(name->as_string());
    if (row.action == "auth.login") ++logins;
    const Value* reason = row.details.Find("reason");
    if (row.action == "session.ended" && reason != nullptr && reason->as_string() == "broker_restart") {
      restarted.insert(row.session_id);
    }
  }
  for (const std::string& name : round.confirmed.org_names) EXPECT_EQ(org_names.count(name), 1u) << "org.update " << name;
  for (const std::string& name : round.confirmed.group_names) {
    EXPECT_EQ(group_names.count(name), 1u) << "group.create " << name;
  }
  EXPECT_GE(logins, logins_so_far);
  for (const std::string& id : ended_before) EXPECT_EQ(restarted.count(id), 1u) << "session " << id << " not ended broker_restart";
  std::string out;
  EXPECT_EQ(RunProgram({TETHER_CTL_BIN, "audit", "verify", "--db", broker.db_path()}, "", &out), 0) << out;
}

// Issue 9 item 4: twenty kill -9 in a row under logins, admin requests, an attended
// session streaming frames and an unattended session on the real agent.
TEST(AuditCrash, TwentyKillsInARowUnderMixedLoadLoseNothingAndEverythingComesBack) {
  constexpr int kRounds = 20;
  const std::uint32_t seed = Seed();
  std::mt19937 random(seed);
  std::cout << "crash loop seed " << seed << " (TETHER_CRASH_SEED replays it)\n";
  ::testing::Test::RecordProperty("crash_seed", std::to_string(seed));

  BrokerProcess broker;
  std::string device_id;
  RealDevice device;
  {
    auto owner = LoggedInOwner(broker);
    device = EnrolRealAgent(broker, *owner);
    ASSERT_TRUE(WaitOnline(*owner, &device_id, std::chrono::seconds(10))) << "the agent never came online";
  }
  std::vector<std::string> ended_before;  // active at the previous kill
  std::uint64_t logins_so_far = 1;
  Clock::time_point restarted_at = Clock::now();
  for (int round_no = 0; round_no < kRounds; ++round_no) {
    const auto kill_after = std::chrono::milliseconds(std::uniform_int_distribution<int>(50, 500)(random));
    Round round;
    auto owner = LoggedInOwner(broker);
    auto admin = LoggedInOwner(broker);
    ASSERT_TRUE(owner && admin);
    logins_so_far += 2;
    auto reconnected = WaitOnline(*owner, &device_id, std::chrono::seconds(3));
    ASSERT_TRUE(reconnected) << "round " << round_no << ": the agent did not reconnect by itself";
    // The unattended session on the real agent, and an attended one.
    std::string unattended =
        Ok(*owner, Req({{"t", "session.connect"}, {"device_id", device_id}})).Find("session_id")->as_string();
    ASSERT_EQ(NextEvent(*owner, "session.state").Find("state")->as_string(), "active") << "round " << round_no;
    LiveSession attended = StartAttendedSession(broker);
    ASSERT_FALSE(attended.id.empty());
    logins_so_far += 1;
    round.active_sessions = {unattended, attended.id};
    std::cout << "round " << round_no << ": agent online "
              << std::chrono::duration_cast<std::chrono::milliseconds>(*reconnected - restarted_at).count()
              << " ms after the restart; kill -9 after " << kill_after.count() << " ms of load";

    std::atomic<bool> stop{false};
    std::vector<std::thread> load;
    load.push_back(Load(stop, [&](int i) {
      std::string name = "Acme " + std::to_string(round_no) + "." + std::to_string(i);
      if (!admin->Call(Req({{"t", "org.update"}, {"name", name}}), kWait).ok()) return false;
      std::lock_guard lock(round.confirmed.mutex);
      return round.confirmed.org_names.insert(name).second;
    }));
    load.push_back(Load(stop, [&](int i) {
      std::string name = "G " + std::to_string(round_no) + "." + std::to_string(i);
      if (!owner->Call(Req({{"t", "group.create"}, {"name", name}}), kWait).ok()) return false;
      std::lock_guard lock(round.confirmed.mutex);
      return round.confirmed.group_names.insert(name).second;
    }));
    load.push_back(Load(stop, [&](int) {
      auto client = TryConnect(broker);
      if (client == nullptr || !client->Hello(PasswordAuth(), kWait).ok()) return false;
      std::lock_guard lock(round.confirmed.mutex);
      ++round.confirmed.logins;
      return true;
    }));
    load.push_back(Load(stop, [&](int i) {
      std::string line = "output " + std::to_string(i) + "\r\n";
      std::vector<std::uint8_t> bytes(line.begin(), line.end());
      if (!attended.agent->SendDataFrame(attended.id, 1, bytes).ok()) return false;
      // A round trip every 20 frames paces the stream to what the broker relays.
      return i % 20 != 19 || attended.agent->Call(Req({{"t", "agent.info"}, {"hostname", "pc"}}), kWait).ok();
    }));
    std::this_thread::sleep_for(kill_after);  // the random moment of the crash, not a wait for a result
    broker.Kill();
    stop = true;
    for (std::thread& t : load) t.join();
    logins_so_far += round.confirmed.logins;
    std::cout << " (confirmed " << round.confirmed.org_names.size() << " org.update, "
              << round.confirmed.group_names.size() << " group.create, " << round.confirmed.logins << " logins)\n";

    CheckOffline(broker, round, ended_before, logins_so_far);
    if (::testing::Test::HasFailure()) FAIL() << "round " << round_no << " (seed " << seed << ")";
    ended_before = round.active_sessions;
    ASSERT_TRUE(broker.Restart()) << "round " << round_no << ": the database did not open\n" << broker.log();
    restarted_at = Clock::now();
  }
  {
    auto owner = LoggedInOwner(broker);
    EXPECT_TRUE(WaitOnline(*owner, &device_id, std::chrono::seconds(3))) << "the agent did not come back the last time";
  }
  ASSERT_EQ(broker.Stop(), 0);
  CheckOffline(broker, Round{}, ended_before, logins_so_far + 1);
  EXPECT_TRUE(device.process->running()) << "the agent gave up";
}

}  // namespace
}  // namespace tether::e2e
