// The interactive terminal with pipes and a pseudo-terminal standing in for the user's
// terminal, and a fake sink standing in for the session.
#include "tether/interactive_terminal.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <pty.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <functional>
#include <string>
#include <vector>

namespace tether::tools::cli {
namespace {

class FakeSink : public TerminalSink {
 public:
  void SendKeystrokes(std::span<const std::uint8_t> bytes) override { keys.append(bytes.begin(), bytes.end()); }
  void SendResize(WindowSize size) override { resizes.push_back(size); }
  std::size_t QueuedBytes() const override { return queued; }
  void EndSession() override { ++ended; }

  std::string keys;
  std::vector<WindowSize> resizes;
  std::size_t queued = 0;
  int ended = 0;
};

class TerminalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    uv_loop_init(&loop_);
    ASSERT_EQ(pipe(output_), 0);
    fcntl(output_[0], F_SETFL, O_NONBLOCK);
  }
  void TearDown() override {
    terminal_.reset();
    uv_run(&loop_, UV_RUN_DEFAULT);  // the closed handles free themselves
    EXPECT_EQ(uv_loop_close(&loop_), 0);
    close(output_[0]);
    close(output_[1]);
  }
  void StartOn(int input_fd, bool read_only = false) {
    TerminalOptions options;
    options.input_fd = input_fd;
    options.read_only = read_only;
    options.output_fd = output_[1];
    auto terminal = InteractiveTerminal::Start(&loop_, sink_, options);
    ASSERT_TRUE(terminal.ok()) << terminal.status().ToString();
    terminal_ = std::move(*terminal);
  }
  bool RunUntil(const std::function<bool()>& done,
                std::chrono::milliseconds timeout = std::chrono::milliseconds(5000)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    uv_timer_t tick;
    uv_timer_init(&loop_, &tick);
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      uv_timer_start(&tick, [](uv_timer_t*) {}, 5, 0);
      uv_run(&loop_, UV_RUN_ONCE);
    }
    uv_close(reinterpret_cast<uv_handle_t*>(&tick), nullptr);
    uv_run(&loop_, UV_RUN_NOWAIT);
    return done();
  }
  void RunFor200Ms() { RunUntil([] { return false; }, std::chrono::milliseconds(200)); }
  std::string ReadOutput() {
    std::string text;
    char buffer[4096];
    ssize_t n;
    while ((n = read(output_[0], buffer, sizeof buffer)) > 0) text.append(buffer, static_cast<std::size_t>(n));
    return text;
  }
  static void Write(int fd, const std::string& text) {
    ASSERT_EQ(write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
  }

  uv_loop_t loop_;
  int output_[2];
  FakeSink sink_;
  std::unique_ptr<InteractiveTerminal> terminal_;
};

TEST_F(TerminalTest, PipedInputIsForwardedAsIsAndItsEndIsOneCtrlD) {
  int input[2];
  ASSERT_EQ(pipe(input), 0);
  StartOn(input[0]);
  EXPECT_FALSE(terminal_->raw());
  Write(input[1], "echo ~.\n~.\n");
  ASSERT_TRUE(RunUntil([&] { return sink_.keys.size() == 11; }));
  EXPECT_EQ(sink_.keys, "echo ~.\n~.\n");  // no escapes without a terminal
  close(input[1]);
  ASSERT_TRUE(RunUntil([&] { return sink_.keys.size() == 12; }));
  EXPECT_EQ(sink_.keys.back(), '\x04');
  EXPECT_EQ(sink_.ended, 0);
  EXPECT_TRUE(sink_.resizes.empty());  // no terminal, no size
  close(input[0]);
}

TEST_F(TerminalTest, ReadOnlySendsNothingForPipedInputNorItsEnd) {
  int input[2];
  ASSERT_EQ(pipe(input), 0);
  StartOn(input[0], /*read_only=*/true);
  Write(input[1], "rm -rf /\n");
  close(input[1]);
  RunFor200Ms();
  EXPECT_EQ(sink_.keys, "");
  EXPECT_EQ(sink_.ended, 0);  // the view goes on without input
  std::string remote = "still shown\r\n";
  terminal_->Output(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(remote.data()), remote.size()));
  EXPECT_EQ(ReadOutput(), remote);
  close(input[0]);
}

TEST_F(TerminalTest, OutputIsWrittenUnchanged) {
  int input[2];
  ASSERT_EQ(pipe(input), 0);
  StartOn(input[0]);
  std::string remote = "prompt$ \x1b[1mbold\x1b[0m\r\n";
  terminal_->Output(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(remote.data()), remote.size()));
  EXPECT_EQ(ReadOutput(), remote);
  close(input[1]);
  close(input[0]);
}

TEST_F(TerminalTest, StdinThatCannotBePolledIsReadAnyway) {
  char path[] = "/tmp/tether-stdin-XXXXXX";
  int file = mkstemp(path);
  Write(file, "whoami\n");
  lseek(file, 0, SEEK_SET);
  StartOn(file);
  ASSERT_TRUE(RunUntil([&] { return sink_.keys == "whoami\n\x04"; })) << sink_.keys;
  close(file);
  unlink(path);
}

TEST_F(TerminalTest, ReadingPausesWhileTheBrokerQueueIsFullAndResumesWhenItDrains) {
  int input[2];
  ASSERT_EQ(pipe(input), 0);
  StartOn(input[0]);
  sink_.queued = 2u << 20;
  Write(input[1], "first");
  ASSERT_TRUE(RunUntil([&] { return terminal_->reading_paused(); }));
  EXPECT_EQ(sink_.keys, "first");
  Write(input[1], "second");
  RunFor200Ms();  // give it every chance to read (it must not)
  EXPECT_EQ(sink_.keys, "first");
  sink_.queued = 300u << 10;  // still above resume_below
  RunFor200Ms();
  EXPECT_TRUE(terminal_->reading_paused());
  sink_.queued = 0;
  ASSERT_TRUE(RunUntil([&] { return sink_.keys == "firstsecond"; }));
  EXPECT_FALSE(terminal_->reading_paused());
  close(input[1]);
  close(input[0]);
}

class PtyTerminalTest : public TerminalTest {
 protected:
  void SetUp() override {
    TerminalTest::SetUp();
    winsize size{};
    size.ws_col = 100;
    size.ws_row = 30;
    ASSERT_EQ(openpty(&master_, &slave_, nullptr, nullptr, &size), 0);
    tcgetattr(slave_, &original_);
    original_flags_ = fcntl(slave_, F_GETFL);
  }
  void TearDown() override {
    TerminalTest::TearDown();
    close(master_);
    close(slave_);
  }
  int master_ = -1, slave_ = -1, original_flags_ = 0;
  termios original_{};
};

TEST_F(PtyTerminalTest, KeystrokesGoRawAndTildeDotEndsTheSession) {
  StartOn(slave_);
  EXPECT_TRUE(terminal_->raw());
  Write(master_, "ls -l\r\x03~");
  ASSERT_TRUE(RunUntil([&] { return sink_.keys == "ls -l\r\x03~"; })) << sink_.keys;  // ^C is a key
  Write(master_, "\r~.");
  ASSERT_TRUE(RunUntil([&] { return sink_.ended == 1; }));
  EXPECT_EQ(sink_.keys, "ls -l\r\x03~\r");
}

TEST_F(PtyTerminalTest, ReadOnlyDropsKeystrokesAndSizesButTildeDotStillLeaves) {
  StartOn(slave_, /*read_only=*/true);
  EXPECT_TRUE(terminal_->raw());
  Write(master_, "ls -l\r\x03~~x\r");
  RunFor200Ms();
  winsize bigger{};
  bigger.ws_col = 132;
  bigger.ws_row = 43;
  ASSERT_EQ(ioctl(master_, TIOCSWINSZ, &bigger), 0);
  raise(SIGWINCH);
  RunFor200Ms();
  Write(master_, "~.");
  ASSERT_TRUE(RunUntil([&] { return sink_.ended == 1; }));
  EXPECT_EQ(sink_.keys, "");
  EXPECT_TRUE(sink_.resizes.empty());
}

TEST_F(PtyTerminalTest, HelpEscapeIsAnsweredLocally) {
  StartOn(slave_);
  Write(master_, "~?");
  std::string shown;
  ASSERT_TRUE(RunUntil([&] {
    shown += ReadOutput();
    return shown.find("~.  end the session") != std::string::npos;
  }));
  EXPECT_EQ(sink_.keys, "");
}

TEST_F(PtyTerminalTest, InitialSizeAndEveryChangeAreReported) {
  StartOn(slave_);
  ASSERT_EQ(sink_.resizes.size(), 1u);
  EXPECT_EQ(sink_.resizes[0], (WindowSize{100, 30}));
  winsize bigger{};
  bigger.ws_col = 132;
  bigger.ws_row = 43;
  ASSERT_EQ(ioctl(master_, TIOCSWINSZ, &bigger), 0);
  raise(SIGWINCH);
  ASSERT_TRUE(RunUntil([&] { return sink_.resizes.size() == 2; }));
  EXPECT_EQ(sink_.resizes[1], (WindowSize{132, 43}));
  raise(SIGWINCH);  // same size: nothing new to say
  RunFor200Ms();
  EXPECT_EQ(sink_.resizes.size(), 2u);
}

TEST_F(PtyTerminalTest, StopRestoresTheTerminalAndItsBlockingMode) {
  StartOn(slave_);
  EXPECT_NE(fcntl(slave_, F_GETFL) & O_NONBLOCK, 0);  // uv_poll's doing
  terminal_->Stop();
  termios now{};
  tcgetattr(slave_, &now);
  EXPECT_EQ(now.c_lflag, original_.c_lflag);
  EXPECT_EQ(now.c_iflag, original_.c_iflag);
  EXPECT_EQ(fcntl(slave_, F_GETFL), original_flags_);
}

}  // namespace
}  // namespace tether::tools::cli
