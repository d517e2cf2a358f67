// The recorder's writer thread: files that parse line by line at any moment, nothing lost
// when the writer falls behind (the producer is told to pause, then that it drained), and
// a file that cannot be written reported rather than ignored.
#include "recording/recorder.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace tether::broker {
namespace {

using namespace std::chrono_literals;

std::span<const std::uint8_t> Bytes(const std::string& text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

// Stands in for the loop: what the recorder posts is kept and told about.
class FakeLoop {
 public:
  Recorder::Post Poster() {
    return [this](std::function<void()> task) {
      std::lock_guard lock(mutex_);
      tasks_.push_back(std::move(task));
      posted_.notify_all();
    };
  }
  Recorder::Events Events() {
    Recorder::Events events;
    events.drained = [this](const std::string& id) { drained.push_back(id); };
    events.failed = [this](const std::string& id, std::int64_t org, const std::string& error) {
      failed.push_back(id + " " + std::to_string(org) + " " + error);
    };
    return events;
  }
  // Runs posted tasks until `done` holds, or gives up after a while.
  bool RunUntil(const std::function<bool()>& done) {
    auto until = std::chrono::steady_clock::now() + 5s;
    while (!done()) {
      std::vector<std::function<void()>> tasks;
      {
        std::unique_lock lock(mutex_);
        if (!posted_.wait_until(lock, until, [this] { return !tasks_.empty(); })) return false;
        tasks.swap(tasks_);
      }
      for (auto& task : tasks) task();
    }
    return true;
  }

  std::vector<std::string> drained, failed;

 private:
  std::mutex mutex_;
  std::condition_variable posted_;
  std::vector<std::function<void()>> tasks_;
};

class RecorderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("recorder-test-" + std::to_string(::getpid()) + "-" +
                                                    ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Every line of the file, each checked to be one JSON value.
  std::vector<nlohmann::json> Lines(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::string all((std::istreambuf_iterator<char>(in)), {});
    EXPECT_FALSE(all.empty());
    EXPECT_EQ(all.back(), '\n') << "a file always ends with a whole line";
    std::vector<nlohmann::json> lines;
    std::size_t at = 0;
    while (at < all.size()) {
      std::size_t end = all.find('\n', at);
      auto parsed = nlohmann::json::parse(all.substr(at, end - at), nullptr, false);
      EXPECT_FALSE(parsed.is_discarded()) << all.substr(at, end - at);
      lines.push_back(parsed);
      at = end + 1;
    }
    return lines;
  }

  AsciicastHeader Header() {
    AsciicastHeader header;
    header.start_ms = 1'000'000;
    header.title = "test";
    return header;
  }

  std::filesystem::path dir_;
  FakeLoop loop_;
};

TEST_F(RecorderTest, WritesHeaderOutputAndResizesThenClosesTheFile) {
  Recorder recorder(dir_.string(), 1 << 20, loop_.Poster(), loop_.Events());
  recorder.Open("s_1", 7, Header());
  EXPECT_TRUE(recorder.Writing("s_1"));
  EXPECT_FALSE(recorder.Output("s_1", 1'000'500, Bytes("$ ls\r\n")));
  recorder.Resize("s_1", 1'001'000, 132, 50);
  recorder.Output("s_1", 1'002'250, Bytes("done\r\n"));
  recorder.Close("s_1", 1'003'000);
  recorder.Stop();
  EXPECT_FALSE(recorder.Writing("s_1"));
  auto lines = Lines(recorder.PathOf("s_1"));
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0]["version"], 2);
  EXPECT_EQ(lines[1], nlohmann::json::parse(R"([0.5, "o", "$ ls\r\n"])"));
  EXPECT_EQ(lines[2], nlohmann::json::parse(R"([1.0, "r", "132x50"])"));
  EXPECT_EQ(lines[3], nlohmann::json::parse(R"([2.25, "o", "done\r\n"])"));
  EXPECT_EQ(std::filesystem::status(recorder.PathOf("s_1")).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

TEST_F(RecorderTest, AnOpenRecordingAlreadyParsesAsWrittenSoFar) {
  // A budget of one byte: every frame asks for a drain notice, which comes once written.
  Recorder recorder(dir_.string(), 1, loop_.Poster(), loop_.Events());
  recorder.Open("s_2", 7, Header());
  EXPECT_TRUE(recorder.Output("s_2", 1'000'100, Bytes("partial ")));
  ASSERT_TRUE(loop_.RunUntil([&] { return !loop_.drained.empty(); }));
  // No Close, no Stop: this is what a broker killed now would leave.
  auto lines = Lines(recorder.PathOf("s_2"));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1][2], "partial ");
}

TEST_F(RecorderTest, AWriterFallingBehindPausesTheProducerAndLosesNothing) {
  std::promise<void> gate;
  std::shared_future<void> open = gate.get_future().share();
  Recorder recorder(dir_.string(), 100, loop_.Poster(), loop_.Events(), [open] { open.wait(); });
  recorder.Open("s_3", 7, Header());
  std::string sixty(60, 'x');
  EXPECT_FALSE(recorder.Output("s_3", 1'000'001, Bytes(sixty))) << "under the budget";
  EXPECT_TRUE(recorder.Output("s_3", 1'000'002, Bytes(sixty))) << "over the budget: pause the producer";
  EXPECT_TRUE(recorder.Output("s_3", 1'000'003, Bytes(sixty))) << "still over";
  EXPECT_TRUE(loop_.drained.empty());
  gate.set_value();  // the disk catches up
  ASSERT_TRUE(loop_.RunUntil([&] { return !loop_.drained.empty(); }));
  EXPECT_EQ(loop_.drained, std::vector<std::string>{"s_3"}) << "one notice for the recording";
  recorder.Close("s_3", 1'000'004);
  recorder.Stop();
  std::string written;
  for (const auto& line : Lines(recorder.PathOf("s_3"))) {
    if (line.is_array()) written += line[2].get<std::string>();
  }
  EXPECT_EQ(written, sixty + sixty + sixty);
  EXPECT_TRUE(loop_.failed.empty());
}

TEST_F(RecorderTest, AFileThatCannotBeCreatedIsReportedOnceWithItsOrganisation) {
  std::filesystem::create_directories(dir_.parent_path());
  std::ofstream(dir_.string()) << "not a directory";  // the recordings directory is a file
  Recorder recorder(dir_.string(), 10, loop_.Poster(), loop_.Events());
  recorder.Open("s_4", 42, Header());
  bool over = recorder.Output("s_4", 1'000'001, Bytes(std::string(20, 'y')));
  EXPECT_TRUE(over);
  ASSERT_TRUE(loop_.RunUntil([&] { return !loop_.failed.empty() && !loop_.drained.empty(); }))
      << "the failure is told, and the paused producer released";
  ASSERT_EQ(loop_.failed.size(), 1u);
  EXPECT_EQ(loop_.failed[0].rfind("s_4 42 cannot create", 0), 0u) << loop_.failed[0];
  recorder.Close("s_4", 1'000'002);
  recorder.Stop();
  EXPECT_FALSE(recorder.Writing("s_4"));
  EXPECT_EQ(loop_.failed.size(), 1u);
  std::filesystem::remove(dir_);
}

}  // namespace
}  // namespace tether::broker
