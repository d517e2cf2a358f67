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
