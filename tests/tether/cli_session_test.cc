// The `tether` binary against the FakeBroker: devices, logins, sessions without a
// terminal (piped input, --no-terminal). Interactive use on a real terminal is in
// cli_tmux_test.cc; file transfers in cli_transfer_test.cc.
#include <csignal>

#include "cli_fixture.h"

namespace tether::tools::cli::testing {
namespace {

bool Has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST_F(CliTest, DevicesShowsATableWithHostileNamesDefused) {
  std::string out;
  ASSERT_EQ(Tether({"devices"}, &out), 0) << out;
  EXPECT_TRUE(Has(out, "ID         NAME           OS     GROUP  ONLINE  LAST SEEN")) << out;
  EXPECT_TRUE(Has(out, "d_online   FRONT-DESK-01  linux  3      yes     2026-01-01 00:00 UTC")) << out;
  EXPECT_TRUE(Has(out, "Lab?]0;pwned?")) << out;
  EXPECT_FALSE(Has(out, "\x1b")) << out;
}

TEST_F(CliTest, DevicesFiltersByGroupAndPrintsJson) {
  std::string out;
  ASSERT_EQ(Tether({"devices", "--group", "3", "--json"}, &out), 0) << out;
  EXPECT_TRUE(Has(out, "\"device_id\": \"d_online\"")) << out;
  EXPECT_FALSE(Has(out, "d_offline")) << out;
  EXPECT_FALSE(Has(out, "\"re\"")) << out;
}

TEST_F(CliTest, WithoutALoginEveryCommandSaysHowToLogIn) {
  std::filesystem::remove_all(dir_ + "/config");
  for (std::vector<std::string> args : std::vector<std::vector<std::string>>{
           {"devices"}, {"connect", "d_online"}, {"session", "new"}, {"put", "s_1", "/etc/hostname"}}) {
    std::string out;
    EXPECT_EQ(Tether(args, &out), 1) << args[0];
    EXPECT_TRUE(Has(out, "tether login")) << out;
  }
}

TEST_F(CliTest, ARefusedTokenFailsWithTheBrokersAnswer) {
  Begin({}, "stale-token");
  std::string out;
  EXPECT_EQ(Tether({"connect", "d_online"}, &out), 1);
  EXPECT_TRUE(Has(out, "tether connect: unauthenticated: invalid token")) << out;
}

TEST_F(CliTest, AnUnreachableBrokerFailsAtOnceNamingIt) {
  SavedLogin login{"ws://127.0.0.1:1/v1/ws", "acme", "tom@acme.test", "good-token", 4102444800000ull};
  ASSERT_TRUE(SaveLogin(dir_ + "/config/tether/token", login).ok());
  for (std::vector<std::string> args : std::vector<std::vector<std::string>>{
           {"connect", "d_online"}, {"session", "new"}, {"get", "s_1", "x", dir_ + "/"}}) {
    std::string out;
    EXPECT_EQ(Tether(args, &out), 1) << args[0];
    EXPECT_TRUE(Has(out, "cannot connect to ws://127.0.0.1:1/v1/ws")) << out;
  }
}

TEST_F(CliTest, UsageErrorsExitTwo) {
  std::string out;
  EXPECT_EQ(Tether({"connect"}, &out), 2) << out;
  EXPECT_EQ(Tether({"put", "s_1"}, &out), 2) << out;
  EXPECT_EQ(Tether({"frobnicate"}, &out), 2) << out;
}

TEST_F(CliTest, ConnectToAnOfflineDeviceFailsWithTheBrokersAnswer) {
  std::string out;
  EXPECT_EQ(Tether({"connect", "d_offline"}, &out), 1);
  EXPECT_TRUE(Has(out, "tether connect: device_offline: the device is offline")) << out;
}

TEST_F(CliTest, ConnectRefusedByTheUserPrintsTheReasonAndExitsOne) {
  std::string out;
  EXPECT_EQ(Tether({"connect", "d_denied", "--no-terminal"}, &out), 1);
  EXPECT_TRUE(Has(out, "Waiting for the user of d_denied to accept")) << out;
  EXPECT_TRUE(Has(out, "The session ended: the user declined (or did not answer) (consent_denied)")) << out;
}

TEST_F(CliTest, PipedInputRunsInTheRemoteShellAndItsExitStatusIsOurs) {
  auto child = Spawn({"connect", "d_online"});
  child->WriteStdin("hello there\nexit 3\n");
  auto status = child->Wait(10s);
  ASSERT_TRUE(status.has_value()) << child->output();
  EXPECT_EQ(*status, 3) << child->output();
  EXPECT_TRUE(Has(child->output(), "you typed: hello there")) << child->output();
  EXPECT_TRUE(Has(child->output(), "Connection to d_online closed (agent_left).")) << child->output();
  EXPECT_EQ(broker_->keystrokes(), "hello there\nexit 3\n");
  EXPECT_TRUE(broker_->resizes().empty());  // no terminal, no size
}

TEST_F(CliTest, WithoutExitStatusANormalEndExitsZero) {
  Begin({AttendedOutcome::kActive, /*send_exit_status=*/false});
  auto child = Spawn({"connect", "d_online"});
  child->WriteStdin("exit 3\n");
  EXPECT_EQ(child->Wait(10s), 0) << child->output();
}

TEST_F(CliTest, EndOfPipedInputIsSentAsCtrlD) {
  auto child = Spawn({"connect", "d_online"});
  child->WriteStdin("ls\n");
  child->CloseStdin();
  ASSERT_TRUE(child->WaitForOutput("you typed: ls", 10s)) << child->output();
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (broker_->keystrokes() != "ls\n\x04" && std::chrono::steady_clock::now() < deadline) {
    child->WaitForOutput("never", 20ms);
  }
  EXPECT_EQ(broker_->keystrokes(), "ls\n\x04");
}

TEST_F(CliTest, SignalEndsTheSessionWithSessionEnd) {
  auto child = Spawn({"connect", "d_online", "--no-terminal"});
  ASSERT_TRUE(child->WaitForOutput("Ctrl-C ends the session", 10s)) << child->output();
  child->Signal(SIGINT);
  EXPECT_EQ(child->Wait(10s), 130) << child->output();
  EXPECT_TRUE(Has(child->output(), "Connection to d_online closed (controller_ended).")) << child->output();
  auto requests = broker_->requests();
  EXPECT_NE(std::find(requests.begin(), requests.end(), "session.end"), requests.end());
}

TEST_F(CliTest, ADroppedConnectionIsReconnectedAndTheSessionRejoined) {
  auto child = Spawn({"connect", "d_online"});
  child->WriteStdin("drop\n");
  ASSERT_TRUE(child->WaitForOutput("reconnected", 10s)) << child->output();
  child->WriteStdin("after\nexit 4\n");
  EXPECT_EQ(child->Wait(10s), 4) << child->output();
  EXPECT_TRUE(Has(child->output(), "the connection to the broker dropped; reconnecting")) << child->output();
  EXPECT_TRUE(Has(child->output(), "you typed: after")) << child->output();
  auto requests = broker_->requests();
  EXPECT_NE(std::find(requests.begin(), requests.end(), "session.rejoin"), requests.end());
}

TEST_F(CliTest, ARefusedRejoinEndsLikeALostConnection) {
  auto child = Spawn({"connect", "d_online"});
  child->WriteStdin("drop-for-good\n");
  EXPECT_EQ(child->Wait(10s), 255) << child->output();
  EXPECT_TRUE(Has(child->output(), "Connection to d_online lost: cannot rejoin the session: not_found"))
      << child->output();
}

TEST_F(CliTest, SessionNewShowsTheKeyGroupedAndTheCustomersCommand) {
  Begin({AttendedOutcome::kWait});
  auto child = Spawn({"session", "new"});
  ASSERT_TRUE(child->WaitForOutput("Waiting for the customer", 10s)) << child->output();
  EXPECT_TRUE(Has(child->output(), "Session key: 012 345 678")) << child->output();
  EXPECT_TRUE(Has(child->output(), "tether-agent --broker " + broker_->url() + " --key 012345678"))
      << child->output();
  child->Signal(SIGINT);  // the technician gives up waiting
  EXPECT_EQ(child->Wait(10s), 130) << child->output();
  EXPECT_TRUE(Has(child->output(), "The session ended: ended by you (controller_ended).")) << child->output();
}

TEST_F(CliTest, SessionNewJsonPrintsOneLineForScriptsThenFollowsTheSession) {
  auto child = Spawn({"session", "new", "--json", "--no-terminal"});
  ASSERT_TRUE(child->WaitForOutput("Connected to", 10s)) << child->output();
  EXPECT_TRUE(Has(child->output(), "\"key\":\"012345678\"")) << child->output();
  EXPECT_TRUE(Has(child->output(), "\"session_id\":\"s_")) << child->output();
  EXPECT_TRUE(Has(child->output(), "The customer joined; waiting for them to accept")) << child->output();
  child->Signal(SIGTERM);
  EXPECT_EQ(child->Wait(10s), 128 + SIGTERM) << child->output();
}

}  // namespace
}  // namespace tether::tools::cli::testing
