// SessionRunner and SessionFiles over a FakeIo: terminal frames, backpressure, resize,
// uploads and downloads as the broker would drive them.
#include "session_runner.h"

#include <gtest/gtest.h>

#include <fstream>
#include <optional>
#include <sstream>

#include "fake_io.h"
#include "file_transfer.h"
#include "temp_dir.h"
#include "test_loop.h"

namespace tether::agent {
namespace {

using testing::AgentLoop;
using testing::FakeIo;
using testing::TempDir;

constexpr const char* kSession = "s_0123456789abcdef01234567";
constexpr const char* kTransfer = "0f3c9a7e5b2d4c1a8e6f0b9d7c5a3e1f";
constexpr const char* kAbcSha256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

std::span<const std::uint8_t> Bytes(const std::string& text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

Value FileBegin(const std::string& direction, const std::string& name, std::uint64_t size) {
  return Value::MapOf({{"event", "file.begin"}, {"session_id", kSession}, {"transfer_id", kTransfer},
                       {"direction", direction}, {"name", name}, {"size", size}});
}

// A channel-2 payload: the 16-byte transfer id, then the data.
std::vector<std::uint8_t> Chunk(const std::string& data) {
  TransferId id = *ParseTransferId(kTransfer);
  std::vector<std::uint8_t> payload(id.begin(), id.end());
  payload.insert(payload.end(), data.begin(), data.end());
  return payload;
}

class SessionRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_.shell = ShellOptions{"/bin/sh", {}};
    options_.files.home = home_.path();
    options_.files.max_bytes = 1 << 20;
  }
  void Start() {
    runner_ = std::make_unique<SessionRunner>(
        loop_.get(), io_, kSession, options_, [this](int status) { exit_status_ = status; },
        [this](const std::string& line) { log_ += line + "\n"; });
    ASSERT_TRUE(runner_->Start().ok());
  }
  bool WaitForOutput(const std::string& text) {
    return loop_.RunUntil([&] { return io_.Output(1).find(text) != std::string::npos; });
  }
  // The last file.end sent, once there is one.
  const Value* FileEnd() {
    FakeIo::SentRequest* end = io_.Find("file.end");
    return end != nullptr ? &end->request : nullptr;
  }

  AgentLoop loop_;
  TempDir home_;
  FakeIo io_;
  SessionRunnerOptions options_;
  std::unique_ptr<SessionRunner> runner_;
  std::optional<int> exit_status_;
  std::string log_;
};

TEST_F(SessionRunnerTest, ShellOutputBecomesTerminalFrames) {
  Start();
  runner_->OnTerminalInput(Bytes("echo hel''lo\n"));
  ASSERT_TRUE(WaitForOutput("hello"));
  for (const auto& frame : io_.frames) {
    EXPECT_EQ(frame.session_id, kSession);
    EXPECT_EQ(frame.channel, 1u);
    EXPECT_LE(frame.payload.size(), 64u * 1024);
  }
}

TEST_F(SessionRunnerTest, ResizeEventSetsTheWindowSize) {
  Start();
  runner_->OnResize(Value::MapOf({{"session_id", kSession}, {"cols", 100}, {"rows", 30}}));
  runner_->OnTerminalInput(Bytes("stty size; echo do''ne\n"));
  ASSERT_TRUE(WaitForOutput("done"));
  EXPECT_NE(io_.Output(1).find("30 100"), std::string::npos) << io_.Output(1);
}

TEST_F(SessionRunnerTest, ReportsTheShellExit) {
  Start();
  runner_->OnTerminalInput(Bytes("exit 3\n"));
  ASSERT_TRUE(loop_.RunUntil([&] { return exit_status_.has_value(); }));
  EXPECT_EQ(*exit_status_, 3);
}

TEST_F(SessionRunnerTest, FullQueuePausesTheShellUntilItDrains) {
  options_.queue_budget = 1000;
  Start();
  runner_->OnTerminalInput(Bytes("echo fir''st\n"));
  ASSERT_TRUE(WaitForOutput("first"));
  EXPECT_FALSE(runner_->output_paused());
  io_.queued = 5000;  // the connection falls behind: the next output pauses the shell
  runner_->OnTerminalInput(Bytes("\n"));
  EXPECT_TRUE(loop_.RunUntil([&] { return runner_->output_paused(); }));
  runner_->OnTerminalInput(Bytes("echo sec''ond\n"));
  io_.queued = 0;  // drained
  EXPECT_TRUE(WaitForOutput("second")) << "output resumes with nothing lost";
  EXPECT_FALSE(runner_->output_paused());
}

TEST_F(SessionRunnerTest, UploadWithMatchingHashIsStored) {
  Start();
  Value begin = FileBegin("upload", "in/a.txt", 3);
  begin.Set("sha256", kAbcSha256);
  std::filesystem::create_directory(home_.path() / "in");
  runner_->OnFileBegin(begin);
  runner_->OnFileChunk(Chunk("ab"));
  EXPECT_EQ(FileEnd(), nullptr);
  runner_->OnFileChunk(Chunk("c"));
  ASSERT_NE(FileEnd(), nullptr);
  EXPECT_EQ(FileEnd()->Find("ok")->as_bool(), true);
  EXPECT_EQ(FileEnd()->Find("sha256")->as_string(), kAbcSha256);
  EXPECT_EQ(FileEnd()->Find("transfer_id")->as_string(), kTransfer);
  EXPECT_EQ(FileEnd()->Find("session_id")->as_string(), kSession);
  std::ifstream stored(home_.path() / "in" / "a.txt");
  std::string text;
  stored >> text;
  EXPECT_EQ(text, "abc");
}

TEST_F(SessionRunnerTest, UploadWithWrongHashLeavesNothing) {
  Start();
  Value begin = FileBegin("upload", "a.txt", 3);
  begin.Set("sha256", std::string(64, 'f'));
  runner_->OnFileBegin(begin);
  runner_->OnFileChunk(Chunk("abc"));
  ASSERT_NE(FileEnd(), nullptr);
  EXPECT_EQ(FileEnd()->Find("ok")->as_bool(), false);
  EXPECT_TRUE(home_.Entries().empty());
}

TEST_F(SessionRunnerTest, UploadCutShortBySessionEndLeavesNothing) {
  Start();
  runner_->OnFileBegin(FileBegin("upload", "a.txt", 10));
  runner_->OnFileChunk(Chunk("abc"));
  runner_.reset();  // the session ended
  EXPECT_TRUE(home_.Entries().empty());
}

TEST_F(SessionRunnerTest, UploadOverTheLimitOrWithDotDotIsRefused) {
  Start();
  runner_->OnFileBegin(FileBegin("upload", "big.bin", 2u << 20));
  ASSERT_NE(FileEnd(), nullptr);
  EXPECT_EQ(FileEnd()->Find("ok")->as_bool(), false);
  io_.requests.clear();
  runner_->OnFileBegin(FileBegin("upload", "../escape.txt", 3));
  ASSERT_NE(FileEnd(), nullptr);
  EXPECT_EQ(FileEnd()->Find("ok")->as_bool(), false);
  EXPECT_TRUE(home_.Entries().empty());
}

TEST_F(SessionRunnerTest, DownloadAnnouncesThenSendsChunksWithinTheBudget) {
  std::string content(200 * 1024, '\0');
  for (std::size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>(i * 7);
  std::ofstream(home_.path() / "report.bin", std::ios::binary) << content;
  options_.queue_budget = 128 * 1024;
  io_.queue_growth = 1;  // every frame sits in the queue until the test drains it
  Start();
  runner_->OnFileBegin(FileBegin("download", "report.bin", 0));
  ASSERT_TRUE(loop_.RunUntil([&] { return io_.Find("file.begin") != nullptr; }));
  const Value& begin = io_.Find("file.begin")->request;
  EXPECT_EQ(begin.Find("direction")->as_string(), "download");
  EXPECT_EQ(begin.Find("size")->as_uint(), content.size());
  EXPECT_EQ(begin.Find("sha256")->as_string().size(), 64u);
  auto chunks = [&] {
    std::vector<const testing::SentFrame*> found;
    for (const auto& frame : io_.frames) {
      if (frame.channel == 2) found.push_back(&frame);
    }
    return found;
  };
  EXPECT_TRUE(chunks().empty()) << "no chunk before the broker accepted file.begin";
  io_.queued = 0;
  io_.Answer(*io_.Find("file.begin"));
  ASSERT_TRUE(loop_.RunUntil([&] { return !chunks().empty(); }));
  EXPECT_LT(chunks().size() * 64 * 1024, content.size()) << "stops at the budget";
  auto data_bytes = [&] {
    std::size_t total = 0;
    for (const auto* frame : chunks()) total += frame->payload.size() - kTransferIdBytes;
    return total;
  };
  while (data_bytes() < content.size()) {
    io_.queued = 0;  // the socket took everything
    std::size_t before = chunks().size();
    ASSERT_TRUE(loop_.RunUntil([&] { return chunks().size() > before; })) << data_bytes();
  }
  std::string received;
  for (const auto* chunk : chunks()) {
    const testing::SentFrame& frame = *chunk;
    ASSERT_LE(frame.payload.size(), 64u * 1024);
    auto parsed = protocol::ParseChunk(frame.payload);
    ASSERT_TRUE(parsed.has_value());
    ASSERT_EQ(ToHex(parsed->id), kTransfer);
    received.append(parsed->data.begin(), parsed->data.end());
  }
  EXPECT_EQ(received, content);
  Sha256 hash;
  hash.Update(Bytes(content));
  EXPECT_EQ(begin.Find("sha256")->as_string(), hash.FinishHex());
}

TEST_F(SessionRunnerTest, DownloadOfAMissingFileEndsAtOnce) {
  Start();
  runner_->OnFileBegin(FileBegin("download", "missing.txt", 0));
  ASSERT_NE(FileEnd(), nullptr);
  EXPECT_EQ(FileEnd()->Find("ok")->as_bool(), false);
  EXPECT_EQ(io_.Find("file.begin"), nullptr);
}

}  // namespace
}  // namespace tether::agent
