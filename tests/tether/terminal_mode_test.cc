// Raw mode and window size on a real pseudo-terminal (openpty).
#include "tether/terminal_mode.h"

#include <gtest/gtest.h>
#include <pty.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstring>

namespace tether::tools::cli {
namespace {

class Pty : public ::testing::Test {
 protected:
  void SetUp() override {
    winsize size{};
    size.ws_col = 120;
    size.ws_row = 40;
    ASSERT_EQ(openpty(&master_, &slave_, nullptr, nullptr, &size), 0);
    ASSERT_EQ(tcgetattr(slave_, &original_), 0);
  }
  void TearDown() override {
    close(master_);
    close(slave_);
  }
  termios Current() {
    termios now{};
    tcgetattr(slave_, &now);
    return now;
  }
  bool SameAsOriginal() {
    termios now = Current();
    return now.c_iflag == original_.c_iflag && now.c_oflag == original_.c_oflag &&
           now.c_lflag == original_.c_lflag && now.c_cflag == original_.c_cflag;
  }

  int master_ = -1, slave_ = -1;
  termios original_{};
};

TEST_F(Pty, WindowSizeIsReadFromTheTerminal) {
  EXPECT_EQ(ReadWindowSize(slave_), (WindowSize{120, 40}));
  winsize bigger{};
  bigger.ws_col = 200;
  bigger.ws_row = 60;
  ASSERT_EQ(ioctl(master_, TIOCSWINSZ, &bigger), 0);
  EXPECT_EQ(ReadWindowSize(slave_), (WindowSize{200, 60}));
}

TEST_F(Pty, WindowSizeOfANonTerminalOrAnEmptyOneIsUnknown) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  EXPECT_FALSE(ReadWindowSize(fds[0]).has_value());
  close(fds[0]);
  close(fds[1]);
  winsize zero{};
  ASSERT_EQ(ioctl(master_, TIOCSWINSZ, &zero), 0);
  EXPECT_FALSE(ReadWindowSize(slave_).has_value());
}

TEST_F(Pty, RawSettingsTurnOffEchoLinesSignalsAndTranslation) {
  termios raw = RawSettings(original_);
  EXPECT_EQ(raw.c_lflag & (ECHO | ICANON | ISIG | IEXTEN), 0u);
  EXPECT_EQ(raw.c_iflag & (ICRNL | IXON | ISTRIP), 0u);
  EXPECT_EQ(raw.c_oflag & OPOST, 0u);
  EXPECT_EQ(raw.c_cflag & CSIZE, static_cast<tcflag_t>(CS8));
  EXPECT_EQ(raw.c_cc[VMIN], 1);
  EXPECT_EQ(raw.c_cc[VTIME], 0);
}

TEST_F(Pty, RawModeIsRestoredByItsDestructorAndByRestore) {
  {
    auto raw = RawMode::Enter(slave_);
    ASSERT_TRUE(raw.ok()) << raw.status().ToString();
    EXPECT_EQ(Current().c_lflag & (ECHO | ICANON), 0u);
  }
  EXPECT_TRUE(SameAsOriginal());
  auto raw = RawMode::Enter(slave_);
  ASSERT_TRUE(raw.ok());
  (*raw)->Restore();
  EXPECT_TRUE(SameAsOriginal());
  (*raw)->Restore();  // idempotent
  EXPECT_TRUE(SameAsOriginal());
}

TEST_F(Pty, RawModeOfANonTerminalFails) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  EXPECT_FALSE(RawMode::Enter(fds[0]).ok());
  close(fds[0]);
  close(fds[1]);
}

TEST_F(Pty, FatalSignalRestoresTheTerminalBeforeTheProcessDies) {
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto raw = RawMode::Enter(slave_);
    if (!raw.ok()) _exit(3);
    std::abort();  // what a failed assertion or a bug would do
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status)) << status;
  EXPECT_EQ(WTERMSIG(status), SIGABRT);
  EXPECT_TRUE(SameAsOriginal());
}

}  // namespace
}  // namespace tether::tools::cli
