// End to end with the real binaries: tether-broker and tether-agent, a real PTY shell,
// a technician speaking the protocol (tests/e2e/tether_session_test.cc drives the real
// `tether` client in tmux). Issue 4's path: attended, unattended, an agent killed and
// restarted mid-session, and a 20 MiB file up and down with its hash checked.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "access_helpers.h"
#include "tether/protocol/data_frame.h"

namespace tether::e2e {
namespace {

using protocol::Value;



// Sends `line` to the shell and reads output until `expected` shows up.
bool ShellAnswers(client::BlockingClient& technician, const std::string& session, const std::string& line,
                  const std::string& expected) {
  std::vector<std::uint8_t> keys(line.begin(), line.end());
  if (!technician.SendDataFrame(session, 1, keys).ok()) return false;
  std::string seen;
  auto until = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < until && seen.find(expected) == std::string::npos) {
    auto frame = technician.NextDataFrame(1s);
    if (!frame.ok()) continue;
    auto view = protocol::PeekDataFrame(*frame);
    if (view.ok() && view->channel == 1) seen.append(view->payload.begin(), view->payload.end());
  }
  return seen.find(expected) != std::string::npos;
}

std::string Sha256Hex(const std::string& bytes) {
  unsigned char digest[32];
  unsigned int size = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &size, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char b : digest) {
    hex.push_back(kHex[b >> 4]);
    hex.push_back(kHex[b & 15]);
  }
  return hex;
}

TEST(RealAgent, AttendedCustomerAcceptsAndTheShellEchoes) {
  BrokerProcess broker;
  auto technician = LoggedInOwner(broker);
  Value created = Ok(*technician, Req({{"t", "session.create"}, {"mode", "attended"}}));
  std::string session = created.Find("session_id")->as_string();
  ChildProcess agent({TETHER_AGENT_BIN, "--broker", broker.url(), "--key", created.Find("key")->as_string(),
                      "--name", "Customer", "--accept"},
                     broker.dir() + "/attended-agent.log", {"HOME=" + broker.dir()});
  Value active;
  for (int i = 0; i < 5 && (active.is_nil() || active.Find("state")->as_string() != "active"); ++i) {
    active = NextEvent(*technician, "session.state");
  }
  ASSERT_FALSE(active.is_nil()) << "never active";
  EXPECT_TRUE(ShellAnswers(*technician, session, "echo hello-from-$((6*7))\r", "hello-from-42"));
  Ok(*technician, Req({{"t", "session.end"}, {"session_id", session}}));
  EXPECT_TRUE(agent.Wait(10s).has_value()) << "the agent did not exit when the session ended";
}

TEST(RealAgent, SupervisorInputNeverReachesTheShell) {
  BrokerProcess broker;
  auto technician = LoggedInOwner(broker);
  Value created = Ok(*technician, Req({{"t", "session.create"}, {"mode", "attended"}}));
  std::string session = created.Find("session_id")->as_string();
  ChildProcess agent({TETHER_AGENT_BIN, "--broker", broker.url(), "--key", created.Find("key")->as_string(),
                      "--name", "Customer", "--accept"},
                     broker.dir() + "/attended-agent.log", {"HOME=" + broker.dir()});
  Value state;
  for (int i = 0; i < 5 && (state.is_nil() || state.Find("state")->as_string() != "active"); ++i) {
    state = NextEvent(*technician, "session.state");
  }
  auto supervisor = InviteAndAccept(broker, *technician, "watch@acme.test", "admin");
  Ok(*supervisor, Req({{"t", "session.supervise"}, {"session_id", session}}));
  std::string injected = "echo INJECTED-$((3*3))\r";
  ASSERT_TRUE(supervisor->SendDataFrame(session, 1, std::vector<std::uint8_t>(injected.begin(), injected.end())).ok());
  auto refused = supervisor->NextMessage(kWait);
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ(refused->Find("code") ? refused->Find("code")->as_string() : refused->ToJson(), "view_only");
  // The shell's own output: the controller's command ran, the supervisor's never did.
  std::string line = "echo ok-$((2*2)); history | tail -3\r";
  ASSERT_TRUE(technician->SendDataFrame(session, 1, std::vector<std::uint8_t>(line.begin(), line.end())).ok());
  std::string seen;
  auto until = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < until && seen.find("ok-4") == std::string::npos) {
    auto frame = technician->NextDataFrame(1s);
    if (!frame.ok()) continue;
    auto view = protocol::PeekDataFrame(*frame);
    if (view.ok()) seen.append(view->payload.begin(), view->payload.end());
  }
  EXPECT_NE(seen.find("ok-4"), std::string::npos) << seen;
  EXPECT_EQ(seen.find("INJECTED-9"), std::string::npos) << seen;
  // The customer was told someone is watching (the agent prints it to its user).
  std::string told;
  for (int i = 0; i < 100 && told.find("watching, view only") == std::string::npos; ++i) {
    std::ifstream log(broker.dir() + "/attended-agent.log");
    told.assign(std::istreambuf_iterator<char>(log), {});
    if (told.find("watching, view only") == std::string::npos) std::this_thread::sleep_for(20ms);
  }
  EXPECT_NE(told.find("watch@acme.test"), std::string::npos) << told;
  EXPECT_NE(told.find("watching, view only"), std::string::npos) << told;
}

struct Enrolled {
  std::string config;
  std::unique_ptr<ChildProcess> agent;
  std::string device_id;
};

Enrolled EnrolAndRun(const BrokerProcess& broker, client::BlockingClient& owner) {
  Enrolled e;
  std::string key = Ok(owner, Req({{"t", "deploy_key.create"}, {"group_id", "0"}})).Find("deployment_key")->as_string();
  e.config = broker.dir() + "/agent/device.json";
  std::string out;
  EXPECT_EQ(RunProgram({TETHER_AGENT_BIN, "enroll", "--broker", broker.url(), "--deployment-key", key, "--name",
                        "server-1", "--config", e.config},
                       "", &out),
            0)
      << out;
  struct stat info {};
  EXPECT_EQ(::stat(e.config.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u) << "the device secret must be readable by its owner only";
  e.agent = std::make_unique<ChildProcess>(std::vector<std::string>{TETHER_AGENT_BIN, "run", "--config", e.config},
                                           broker.dir() + "/device-agent.log", std::vector<std::string>{"HOME=" + broker.dir()});
  for (int i = 0; i < 100 && e.device_id.empty(); ++i) {
    Value devices = Ok(owner, Req({{"t", "device.list"}}));
    for (const Value& d : devices.Find("devices")->as_array()) {
      if (d.Find("online")->as_bool()) e.device_id = d.Find("device_id")->as_string();
    }
    if (e.device_id.empty()) std::this_thread::sleep_for(50ms);  // the agent process is starting
  }
  EXPECT_FALSE(e.device_id.empty()) << "the device never came online";
  return e;
}

std::string ConnectAndWaitActive(client::BlockingClient& owner, const std::string& device_id) {
  std::string session = Ok(owner, Req({{"t", "session.connect"}, {"device_id", device_id}})).Find("session_id")->as_string();
  Value state = NextEvent(owner, "session.state");
  EXPECT_EQ(state.is_nil() ? "" : state.Find("state")->as_string(), "active");
  return session;
}

TEST(RealAgent, EnrolRunConnectAndSurviveAnAgentKilledMidSession) {
  BrokerProcess broker;
  auto owner = LoggedInOwner(broker);
  Enrolled e = EnrolAndRun(broker, *owner);
  ASSERT_FALSE(e.device_id.empty());
  std::string session = ConnectAndWaitActive(*owner, e.device_id);
  EXPECT_TRUE(ShellAnswers(*owner, session, "echo first-$((1+1))\r", "first-2"));
  // kill -9 the agent and start it again: it reconnects and the session resumes.
  e.agent->Kill();
  e.agent = std::make_unique<ChildProcess>(std::vector<std::string>{TETHER_AGENT_BIN, "run", "--config", e.config},
                                           broker.dir() + "/device-agent.log", std::vector<std::string>{"HOME=" + broker.dir()});
  Value resumed = NextEvent(*owner, "session.state", 15s);
  ASSERT_FALSE(resumed.is_nil()) << "the session did not resume";
  EXPECT_EQ(resumed.Find("state")->as_string(), "active");
  EXPECT_TRUE(ShellAnswers(*owner, session, "echo second-$((2+1))\r", "second-3"));
}

TEST(RealAgent, TwentyMebibytesUpAndDownWithTheirHashChecked) {
  BrokerProcess broker;
  auto owner = LoggedInOwner(broker);
  Enrolled e = EnrolAndRun(broker, *owner);
  ASSERT_FALSE(e.device_id.empty());
  std::string session = ConnectAndWaitActive(*owner, e.device_id);
  std::string content(20 << 20, '\0');
  std::mt19937 random(42);
  for (char& c : content) c = static_cast<char>(random());
  std::string sha = Sha256Hex(content);
  const std::string transfer = "00112233445566778899aabbccddeeff";
  std::vector<std::uint8_t> id_bytes;
  for (std::size_t i = 0; i < 32; i += 2) id_bytes.push_back(static_cast<std::uint8_t>(std::stoi(transfer.substr(i, 2), nullptr, 16)));

  // Upload: file.begin, chunks (16-byte transfer id, then data), the agent's file.end.
  Ok(*owner, Req({{"t", "file.begin"}, {"session_id", session}, {"transfer_id", transfer}, {"direction", "upload"},
                  {"name", "upload.bin"}, {"size", static_cast<std::uint64_t>(content.size())}, {"sha256", sha}}));
  constexpr std::size_t kChunk = 64 * 1024 - 16;
  for (std::size_t at = 0; at < content.size(); at += kChunk) {
    std::vector<std::uint8_t> payload = id_bytes;
    std::size_t n = std::min(kChunk, content.size() - at);
    payload.insert(payload.end(), content.begin() + static_cast<long>(at), content.begin() + static_cast<long>(at + n));
    ASSERT_TRUE(owner->SendDataFrame(session, 2, payload).ok());
  }
  Value uploaded = NextEvent(*owner, "file.end", 30s);
  ASSERT_FALSE(uploaded.is_nil());
  EXPECT_TRUE(uploaded.Find("ok")->as_bool()) << uploaded.ToJson();
  EXPECT_EQ(uploaded.Find("sha256")->as_string(), sha);
  std::ifstream written(broker.dir() + "/upload.bin", std::ios::binary);
  std::string on_disk((std::istreambuf_iterator<char>(written)), {});
  EXPECT_EQ(on_disk.size(), content.size());
  EXPECT_TRUE(on_disk == content);

  // Download it back: the agent announces size and hash, sends the chunks, we confirm.
  const std::string back = "ffeeddccbbaa99887766554433221100";
  Ok(*owner, Req({{"t", "file.begin"}, {"session_id", session}, {"transfer_id", back}, {"direction", "download"},
                  {"name", "upload.bin"}, {"size", 0u}}));
  Value announced = NextEvent(*owner, "file.begin", 30s);
  ASSERT_FALSE(announced.is_nil());
  EXPECT_EQ(announced.Find("size")->as_uint(), content.size());
  std::string received;
  while (received.size() < content.size()) {
    auto frame = owner->NextDataFrame(10s);
    ASSERT_TRUE(frame.ok()) << "after " << received.size() << " bytes: " << frame.status().ToString();
    auto view = protocol::PeekDataFrame(*frame);
    ASSERT_TRUE(view.ok());
    if (view->channel != 2) continue;
    received.append(view->payload.begin() + 16, view->payload.end());
  }
  EXPECT_EQ(Sha256Hex(received), sha);
  Ok(*owner, Req({{"t", "file.end"}, {"session_id", session}, {"transfer_id", back}, {"sha256", Sha256Hex(received)},
                  {"ok", true}}));
}

}  // namespace
}  // namespace tether::e2e
