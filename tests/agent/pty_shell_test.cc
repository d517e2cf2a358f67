// PtyShell against a real /bin/sh on a real pseudo-terminal.
#include "pty_shell.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <optional>
#include <string>

#include "test_loop.h"

namespace tether::agent {
namespace {

using testing::AgentLoop;

std::span<const std::uint8_t> Bytes(const std::string& text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

class PtyShellTest : public ::testing::Test {
 protected:
  // A plain /bin/sh: fast and free of profile noise. The quotes in commands below keep
  // the terminal's echo of the command from matching what the tests wait for.
  void Start(ShellOptions options = ShellOptions{"/bin/sh", {}}) {
    ShellHandlers handlers;
    handlers.on_output = [this](std::span<const std::uint8_t> bytes) {
      EXPECT_LE(bytes.size(), kMaxOutputChunk);
      output_.append(bytes.begin(), bytes.end());
    };
    handlers.on_exit = [this](int status) { exit_status_ = status; };
    auto shell = PtyShell::Start(loop_.get(), std::move(options), std::move(handlers));
    ASSERT_TRUE(shell.ok()) << shell.status().ToString();
    shell_ = std::move(*shell);
  }
  void Type(const std::string& text) { ASSERT_TRUE(shell_->Write(Bytes(text)).ok()); }
  bool WaitForOutput(const std::string& text) {
    return loop_.RunUntil([&] { return output_.find(text) != std::string::npos; });
  }

  AgentLoop loop_;  // declared first: destroyed after the shell
  std::unique_ptr<PtyShell> shell_;
  std::string output_;
  std::optional<int> exit_status_;
};

TEST_F(PtyShellTest, RunsCommandsTypedIntoIt) {
  Start();
  Type("echo hel''lo\n");
  EXPECT_TRUE(WaitForOutput("hello")) << output_;
}

TEST_F(PtyShellTest, DefaultIsALoginShellOfTheUser) {
  Start(ShellOptions{});
  Type("echo \"[$0]\" lo''gin\n");
  EXPECT_TRUE(WaitForOutput("login")) << output_;
  EXPECT_NE(output_.find("[/"), std::string::npos) << "argv[0] is the shell's path: " << output_;
}

TEST_F(PtyShellTest, ResizeReachesTheTerminal) {
  Start();
  ASSERT_TRUE(shell_->Resize(120, 40).ok());
  Type("stty size; echo do''ne\n");
  ASSERT_TRUE(WaitForOutput("done")) << output_;
  EXPECT_NE(output_.find("40 120"), std::string::npos) << output_;
  EXPECT_FALSE(shell_->Resize(0, 10).ok());
}

TEST_F(PtyShellTest, ReportsTheShellsExitStatus) {
  Start();
  Type("exit 3\n");
  ASSERT_TRUE(loop_.RunUntil([&] { return exit_status_.has_value(); }));
  EXPECT_EQ(*exit_status_, 3);
  EXPECT_TRUE(shell_->exited());
  EXPECT_FALSE(shell_->Write(Bytes("echo\n")).ok()) << "no input after the exit";
}

TEST_F(PtyShellTest, OutputBeforeTheExitIsNotLost) {
  Start();
  Type("printf 'last words'; exit 0\n");
  ASSERT_TRUE(loop_.RunUntil([&] { return exit_status_.has_value(); }));
  EXPECT_NE(output_.find("last words"), std::string::npos) << output_;
}

TEST_F(PtyShellTest, ASignalledShellReports128PlusTheSignal) {
  Start();
  ASSERT_EQ(::kill(shell_->pid(), SIGKILL), 0);
  ASSERT_TRUE(loop_.RunUntil([&] { return exit_status_.has_value(); }));
  EXPECT_EQ(*exit_status_, 128 + SIGKILL);
}

TEST_F(PtyShellTest, DestroyingItHangsUpAndReapsTheShell) {
  ShellOptions options{"/bin/sh", {}};
  options.kill_grace = std::chrono::milliseconds(100);
  Start(options);
  Type("trap '' HUP; echo rea''dy\n");  // ignores SIGHUP: only SIGKILL ends it
  ASSERT_TRUE(WaitForOutput("ready"));
  pid_t pid = shell_->pid();
  shell_.reset();
  // Reaped (not just dead): the pid no longer exists at all.
  EXPECT_TRUE(loop_.RunUntil([&] { return ::kill(pid, 0) != 0; }));
}

TEST_F(PtyShellTest, PausedOutputResumesWithNothingLost) {
  Start();
  shell_->PauseOutput();
  Type("echo pau''sed\n");
  shell_->ResumeOutput();
  EXPECT_TRUE(WaitForOutput("paused")) << output_;
}

TEST_F(PtyShellTest, InputBeyondTheLimitIsRefused) {
  ShellOptions options{"/bin/sh", {}};
  options.max_pending_input = 16;
  Start(options);
  std::string big(1 << 20, 'x');
  EXPECT_FALSE(shell_->Write(Bytes(big)).ok());
}

}  // namespace
}  // namespace tether::agent
