// `tether connect` on a real terminal (tmux) against the FakeBroker: raw keystrokes,
// window size, `~.`, the remote exit status, and the terminal restored afterwards.
#include <csignal>
#include <regex>

#include "cli_fixture.h"
#include "tmux_pane.h"

namespace tether::tools::cli::testing {
namespace {

class TmuxTest : public CliTest {
 protected:
  // The pane runs `tether ARGS`, then prints its exit status and the terminal's modes
  // (raw mode must not outlive tether).
  std::unique_ptr<TmuxPane> Open(const std::string& args) {
    std::string command = "echo PID=$$; exec env XDG_CONFIG_HOME=" + dir_ + "/config " + TETHER_CLIENT_BIN + " " +
                          args;
    std::string shell = "sh -c '" + command + "'; echo TETHER-EXIT=$?; stty -a | tr ' ;' '\\n\\n' | "
                        "grep -x -e icanon -e -icanon -e echo -e -echo | tr '\\n' ' '; echo MODES-END";
    auto pane = std::make_unique<TmuxPane>(dir_, shell);
    EXPECT_TRUE(pane->started());
    return pane;
  }
  static pid_t PidOf(TmuxPane& pane) {
    std::smatch match;
    std::string text = pane.Capture();
    return std::regex_search(text, match, std::regex("PID=([0-9]+)")) ? std::stoi(match[1]) : -1;
  }
};

TEST_F(TmuxTest, KeystrokesReachTheRemoteShellAndTildeDotEndsTheSession) {
  auto pane = Open("connect d_online");
  ASSERT_TRUE(pane->WaitFor("fake$ ", 10s)) << pane->Capture();
  pane->Type("echo hello");
  pane->Press("Enter");
  ASSERT_TRUE(pane->WaitFor("you typed: echo hello", 5s)) << pane->Capture();
  pane->Press("Enter");
  pane->Type("~.");
  ASSERT_TRUE(pane->WaitFor("MODES-END", 10s)) << pane->Capture();
  std::string screen = pane->Capture();
  EXPECT_NE(screen.find("Connection to d_online closed (controller_ended)."), std::string::npos) << screen;
  EXPECT_NE(screen.find("TETHER-EXIT=0"), std::string::npos) << screen;
  EXPECT_NE(screen.find("icanon echo"), std::string::npos) << screen;  // cooked again
  EXPECT_EQ(broker_->keystrokes(), "echo hello\r\r");  // Enter is CR in raw mode; "~." never left
}

TEST_F(TmuxTest, WindowSizeIsSentAtStartAndOnEveryChange) {
  auto pane = Open("connect d_online");
  ASSERT_TRUE(pane->WaitFor("fake$ ", 10s)) << pane->Capture();
  pane->Type("size");
  pane->Press("Enter");
  ASSERT_TRUE(pane->WaitFor("120x40", 5s)) << pane->Capture();
  pane->Resize(100, 30);
  ASSERT_TRUE(pane->WaitFor("fake$ ", 5s, 2)) << pane->Capture();
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (broker_->resizes().size() < 2 && std::chrono::steady_clock::now() < deadline) pane->WaitFor("never", 50ms);
  EXPECT_EQ(broker_->resizes(), (std::vector<std::string>{"120x40", "100x30"}));
}

TEST_F(TmuxTest, RemoteExitStatusBecomesOurs) {
  auto pane = Open("connect d_online");
  ASSERT_TRUE(pane->WaitFor("fake$ ", 10s)) << pane->Capture();
  pane->Type("exit 7");
  pane->Press("Enter");
  ASSERT_TRUE(pane->WaitFor("MODES-END", 10s)) << pane->Capture();
  std::string screen = pane->Capture();
  EXPECT_NE(screen.find("Connection to d_online closed (agent_left)."), std::string::npos) << screen;
  EXPECT_NE(screen.find("TETHER-EXIT=7"), std::string::npos) << screen;
  EXPECT_NE(screen.find("icanon echo"), std::string::npos) << screen;
}

TEST_F(TmuxTest, CtrlCIsAKeystrokeForTheRemoteShell) {
  auto pane = Open("connect d_online");
  ASSERT_TRUE(pane->WaitFor("fake$ ", 10s)) << pane->Capture();
  pane->Press("C-c");
  pane->Type("after");
  pane->Press("Enter");
  ASSERT_TRUE(pane->WaitFor("you typed: ", 5s)) << pane->Capture();
  EXPECT_EQ(broker_->keystrokes(), "\x03" "after\r");
}

TEST_F(TmuxTest, TerminalIsRestoredWhenTetherIsKilled) {
  auto pane = Open("connect d_online");
  ASSERT_TRUE(pane->WaitFor("fake$ ", 10s)) << pane->Capture();
  pid_t pid = PidOf(*pane);
  ASSERT_GT(pid, 0) << pane->Capture();
  for (int signum : {SIGTERM}) kill(pid, signum);
  ASSERT_TRUE(pane->WaitFor("MODES-END", 10s)) << pane->Capture();
  std::string screen = pane->Capture();
  EXPECT_NE(screen.find("TETHER-EXIT=143"), std::string::npos) << screen;
  EXPECT_NE(screen.find("icanon echo"), std::string::npos) << screen;
}

TEST_F(TmuxTest, TerminalIsRestoredAfterACrash) {
  auto pane = Open("connect d_online");
  ASSERT_TRUE(pane->WaitFor("fake$ ", 10s)) << pane->Capture();
  pid_t pid = PidOf(*pane);
  ASSERT_GT(pid, 0) << pane->Capture();
  kill(pid, SIGSEGV);
  ASSERT_TRUE(pane->WaitFor("MODES-END", 10s)) << pane->Capture();
  std::string screen = pane->Capture();
  EXPECT_NE(screen.find("TETHER-EXIT=139"), std::string::npos) << screen;
  EXPECT_NE(screen.find("icanon echo"), std::string::npos) << screen;
}

}  // namespace
}  // namespace tether::tools::cli::testing
