// The attended and unattended agents end to end: real WebSocket connections to a
// FakeBroker, a real shell, a real UDP socket for wake-on-LAN.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <optional>

#include "attended_agent.h"
#include "device_agent.h"
#include "fake_broker.h"
#include "temp_dir.h"
#include "test_loop.h"
#include "tether/protocol/codec.h"
#include "tether/protocol/data_frame.h"
#include "wake_on_lan.h"

namespace tether::agent {
namespace {

using namespace std::chrono_literals;
using testing::AgentLoop;
using testing::FakeBroker;
using testing::TempDir;

constexpr const char* kSession = "s_000000000000000000000001";

Value Event(const std::string& name, Value::Map fields) {
  Value event = Value::MapOf({{"t", "event"}, {"event", name}, {"session_id", kSession}});
  for (auto& [key, value] : fields) event.Set(key, value);
  return event;
}

Value SessionRequest(bool consent_required) {
  Value tom = Value::MapOf({{"id", "7"}, {"email", "tom@acme.example"}, {"name", "Tom Baker"},
                            {"role", "technician"}, {"hidden", false}});
  return Event("session.request", {{"controller", tom}, {"consent_required", consent_required}, {"recorded", false}});
}

std::vector<std::uint8_t> Keys(const std::string& text) {
  return protocol::EncodeDataFrame(kSession, 1, std::vector<std::uint8_t>(text.begin(), text.end()));
}

// Terminal output the broker received from the agent, all connections together.
std::string TerminalOutput(const FakeBroker& broker) {
  std::string out;
  for (const auto& r : broker.received()) {
    if (r.control) continue;
    auto frame = protocol::PeekDataFrame(r.frame);
    if (frame.ok() && frame->channel == 1) out.append(frame->payload.begin(), frame->payload.end());
  }
  return out;
}

class AgentE2eTest : public ::testing::Test {
 protected:
  AgentE2eTest() : broker_(FakeBroker::Start()) {
    runner_.shell = ShellOptions{"/bin/sh", {}};
    runner_.files.home = home_.path();
    auto context = client::ClientContext::Create(loop_.get());
    EXPECT_TRUE(context.ok());
    context_ = std::move(*context);
  }
  ~AgentE2eTest() override {
    attended_.reset();
    device_.reset();
    context_.reset();
  }
  bool WaitFor(const std::string& type, std::size_t count = 1) {
    return loop_.RunUntil([&] { return broker_->Count(type) >= count; });
  }
  bool WaitForOutput(const std::string& text) {
    return loop_.RunUntil([&] { return TerminalOutput(*broker_).find(text) != std::string::npos; });
  }
  AttendedOptions Attended() { return AttendedOptions{broker_->url(), "", "481 516-234", "Jane Customer", runner_}; }
  DeviceAgentOptions Device() {
    DeviceAgentOptions options;
    options.config = DeviceConfig{broker_->url(), "d_0123456789abcdef01234567", std::string(64, 'a'), ""};
    options.reconnect = client::ReconnectPolicy{true, 10ms, 50ms, 0.2};
    options.runner = runner_;
    return options;
  }
  void StartAttended(ConsentAsker& consent) {
    auto agent = AttendedAgent::Start(*context_, Attended(), consent, [this](int code) { exit_code_ = code; }, Log());
    ASSERT_TRUE(agent.ok()) << agent.status().ToString();
    attended_ = std::move(*agent);
  }
  void StartDevice(ConsentAsker& consent) {
    auto agent = DeviceAgent::Start(*context_, Device(), consent, [this](int code) { exit_code_ = code; }, Log());
    ASSERT_TRUE(agent.ok()) << agent.status().ToString();
    device_ = std::move(*agent);
  }
  std::function<void(const std::string&)> Log() {
    return [this](const std::string& line) { log_ += line + "\n"; };
  }

  AgentLoop loop_;  // first: destroyed last
  std::unique_ptr<FakeBroker> broker_;
  TempDir home_;
  SessionRunnerOptions runner_;
  std::unique_ptr<client::ClientContext> context_;
  std::unique_ptr<AttendedAgent> attended_;
  std::unique_ptr<DeviceAgent> device_;
  std::optional<int> exit_code_;
  std::string log_;
};

TEST_F(AgentE2eTest, AttendedSessionRunsFromKeyToShellExit) {
  FixedConsent consent(true);
  StartAttended(consent);
  ASSERT_TRUE(WaitFor("hello"));
  Value auth = *broker_->Find("hello")->Find("auth");
  EXPECT_EQ(auth.Find("kind")->as_string(), "session_key");
  EXPECT_EQ(auth.Find("key")->as_string(), "481516234") << "spaces and dashes dropped";
  EXPECT_EQ(auth.Find("name")->as_string(), "Jane Customer");
  EXPECT_FALSE(auth.Find("os")->as_string().empty());

  broker_->Push(SessionRequest(true));
  ASSERT_TRUE(WaitFor("session.consent"));
  EXPECT_TRUE(broker_->Find("session.consent")->Find("accept")->as_bool());
  broker_->Push(Event("session.state", {{"state", "active"}, {"recorded", false}}));
  broker_->PushFrame(Keys("echo hel''lo\n"));
  ASSERT_TRUE(WaitForOutput("hello")) << log_;
  broker_->Push(Event("session.resize", {{"cols", 100}, {"rows", 30}}));
  broker_->PushFrame(Keys("stty size; echo do''ne\n"));
  ASSERT_TRUE(WaitForOutput("done"));
  EXPECT_NE(TerminalOutput(*broker_).find("30 100"), std::string::npos);

  broker_->PushFrame(Keys("exit 3\n"));
  ASSERT_TRUE(WaitFor("session.exit"));
  EXPECT_EQ(broker_->Find("session.exit")->Find("status")->as_uint(), 3u);
  ASSERT_TRUE(loop_.RunUntil([&] { return exit_code_.has_value(); }));
  EXPECT_EQ(*exit_code_, 0) << "the session ran";
}

TEST_F(AgentE2eTest, AttendedRefusalExitsOne) {
  FixedConsent consent(false);
  StartAttended(consent);
  ASSERT_TRUE(WaitFor("hello"));
  broker_->Push(SessionRequest(true));
  ASSERT_TRUE(WaitFor("session.consent"));
  EXPECT_FALSE(broker_->Find("session.consent")->Find("accept")->as_bool());
  ASSERT_TRUE(loop_.RunUntil([&] { return exit_code_.has_value(); }));
  EXPECT_EQ(*exit_code_, 1);
  EXPECT_NE(log_.find("refused"), std::string::npos) << log_;
}

TEST_F(AgentE2eTest, AttendedWrongKeyExitsOneAndSaysWhy) {
  broker_->SetHelloError(protocol::ErrorCode::kUnauthenticated, "invalid session key");
  FixedConsent consent(true);
  StartAttended(consent);
  ASSERT_TRUE(loop_.RunUntil([&] { return exit_code_.has_value(); }));
  EXPECT_EQ(*exit_code_, 1);
  EXPECT_NE(log_.find("invalid session key"), std::string::npos) << log_;
}

TEST_F(AgentE2eTest, AttendedKeyMustBeNineDigits) {
  FixedConsent consent(true);
  AttendedOptions options = Attended();
  options.key = "12345";
  EXPECT_FALSE(AttendedAgent::Start(*context_, options, consent, [](int) {}, Log()).ok());
  EXPECT_EQ(*NormalizeSessionKey("012 345 678"), "012345678") << "leading zeros kept";
}

TEST_F(AgentE2eTest, DeviceSaysHelloReportsInfoAndReconnectsAfterADrop) {
  FixedConsent consent(false);
  StartDevice(consent);
  ASSERT_TRUE(WaitFor("agent.info"));
  Value auth = *broker_->Find("hello")->Find("auth");
  EXPECT_EQ(auth.Find("kind")->as_string(), "device");
  EXPECT_EQ(auth.Find("device_id")->as_string(), "d_0123456789abcdef01234567");
  EXPECT_EQ(auth.Find("secret")->as_string(), std::string(64, 'a'));
  Value info = *broker_->Find("agent.info");
  EXPECT_FALSE(info.Find("hostname")->as_string().empty());
  EXPECT_FALSE(info.Find("os")->as_string().empty());
  EXPECT_TRUE(info.Find("uptime_s")->is_uint());

  broker_->DropConnections();  // a broker restart
  ASSERT_TRUE(WaitFor("agent.info", 2)) << log_;
  EXPECT_EQ(broker_->Count("hello"), 2u);
  EXPECT_EQ(device_->connections(), 2);
  EXPECT_FALSE(exit_code_.has_value());

  device_->Stop();
  ASSERT_TRUE(loop_.RunUntil([&] { return exit_code_.has_value(); }));
  EXPECT_EQ(*exit_code_, 0);
}

TEST_F(AgentE2eTest, DeviceRunsAnUnconfirmedSessionAndSurvivesItsEnd) {
  FixedConsent consent(false);  // never asked: the session needs no confirmation
  StartDevice(consent);
  ASSERT_TRUE(WaitFor("agent.info"));
  broker_->Push(SessionRequest(false));
  broker_->Push(Event("session.state", {{"state", "active"}, {"recorded", false}}));
  broker_->PushFrame(Keys("echo hel''lo\n"));
  ASSERT_TRUE(WaitForOutput("hello")) << log_;
  EXPECT_EQ(broker_->Count("session.consent"), 0u);
  broker_->Push(Event("session.ended", {{"reason", "controller_ended"}}));
  ASSERT_TRUE(loop_.RunUntil([&] { return log_.find("controller_ended") != std::string::npos; }));
  EXPECT_FALSE(exit_code_.has_value()) << "an unattended agent stays connected";
}

TEST_F(AgentE2eTest, DeviceWakeRequestSendsTheMagicPacket) {
  int receiver = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(receiver, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t length = sizeof addr;
  ::getsockname(receiver, reinterpret_cast<sockaddr*>(&addr), &length);

  FixedConsent consent(false);
  StartDevice(consent);
  ASSERT_TRUE(WaitFor("agent.info"));
  broker_->Push(Value::MapOf({{"t", "event"}, {"event", "device.wake_request"}, {"mac", "00:1a:2b:3c:4d:5e"},
                              {"address", "127.0.0.1"}, {"port", ntohs(addr.sin_port)}}));
  std::uint8_t buffer[512];
  ssize_t n = -1;
  ASSERT_TRUE(loop_.RunUntil([&] {
    if (n < 0) n = ::recv(receiver, buffer, sizeof buffer, 0);
    return n >= 0;
  }));
  ::close(receiver);
  ASSERT_EQ(n, 102);
  MagicPacket expected = BuildMagicPacket(*ParseMac("00:1a:2b:3c:4d:5e"));
  EXPECT_TRUE(std::equal(expected.begin(), expected.end(), buffer));
}

TEST_F(AgentE2eTest, DeviceWithRefusedCredentialsGivesUp) {
  broker_->SetHelloError(protocol::ErrorCode::kUnauthenticated, "invalid device credentials");
  FixedConsent consent(false);
  StartDevice(consent);
  ASSERT_TRUE(loop_.RunUntil([&] { return exit_code_.has_value(); }));
  EXPECT_EQ(*exit_code_, 1);
  EXPECT_NE(log_.find("enroll it again"), std::string::npos) << log_;
}

TEST(DeviceConnectOptions, PinsTheStoredFingerprintOverTls) {
  DeviceAgentOptions options;
  options.config = DeviceConfig{"wss://broker.example/v1/ws", "d_1", "s", std::string(64, 'c')};
  options.ca_file = "/etc/ssl/ignored.pem";
  client::ConnectOptions connect = DeviceConnectOptions(options);
  EXPECT_EQ(connect.pinned_sha256, std::string(64, 'c'));
  EXPECT_TRUE(connect.ca_file.empty()) << "the pin replaces CA verification";
  EXPECT_TRUE(connect.reconnect.enabled);

  options.config.broker_fingerprint = "";
  connect = DeviceConnectOptions(options);
  EXPECT_TRUE(connect.pinned_sha256.empty());
  EXPECT_EQ(connect.ca_file, "/etc/ssl/ignored.pem");
}

}  // namespace
}  // namespace tether::agent
