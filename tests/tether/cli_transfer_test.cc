// `tether put` and `tether get` against the FakeBroker's agent.
#include <csignal>
#include <fstream>
#include <random>

#include "cli_fixture.h"
#include "tether/transfer_wire.h"

namespace tether::tools::cli::testing {
namespace {

namespace fs = std::filesystem;

bool Has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::string RandomBytes(std::size_t size) {
  std::mt19937 random(static_cast<unsigned>(size));
  std::string bytes(size, '\0');
  for (char& c : bytes) c = static_cast<char>(random());
  return bytes;
}

std::string Sha256Of(const std::string& data) {
  Sha256 hash;
  hash.Update(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(data.data()), data.size()));
  return hash.FinishHex();
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

class TransferTest : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    fs::create_directories(dir_ + "/local");
  }
  std::string WriteLocal(const std::string& name, const std::string& content) {
    std::string path = dir_ + "/local/" + name;
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }
  std::vector<std::string> LocalEntries() {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir_ + "/local")) names.push_back(entry.path().filename());
    std::sort(names.begin(), names.end());
    return names;
  }
};

TEST_F(TransferTest, PutSendsTheFileInChunksAndChecksTheAgentsHash) {
  std::string content = RandomBytes(300 * 1024 + 7);  // five chunks, the last one short
  std::string local = WriteLocal("driver.msi", content);
  std::string out;
  ASSERT_EQ(Tether({"put", "s_1", local, "C:\\Temp\\driver.msi"}, &out), 0) << out;
  EXPECT_EQ(broker_->files()["C:\\Temp\\driver.msi"], content);
  EXPECT_TRUE(Has(out, "sha256 " + Sha256Of(content))) << out;
}

TEST_F(TransferTest, PutNamesTheRemoteFileAfterTheLocalOne) {
  std::string local = WriteLocal("notes.txt", "hello\n");
  std::string out;
  ASSERT_EQ(Tether({"put", "s_1", local}, &out), 0) << out;
  EXPECT_EQ(broker_->files()["notes.txt"], "hello\n");
}

TEST_F(TransferTest, PutOfAnEmptyFileWorks) {
  std::string local = WriteLocal("empty", "");
  std::string out;
  ASSERT_EQ(Tether({"put", "s_1", local}, &out), 0) << out;
  ASSERT_EQ(broker_->files().count("empty"), 1u);
  EXPECT_EQ(broker_->files()["empty"], "");
}

TEST_F(TransferTest, PutOfABigFileKeepsGoingThroughBackpressure) {
  std::string content = RandomBytes(12 << 20);
  std::string local = WriteLocal("big.bin", content);
  std::string out;
  ASSERT_EQ(Tether({"put", "s_1", local}, &out), 0) << out;
  EXPECT_TRUE(broker_->files()["big.bin"] == content);
}

TEST_F(TransferTest, PutFailsWhenTheAgentDoesNotStoreTheFile) {
  std::string local = WriteLocal("x", "data");
  std::string out;
  EXPECT_EQ(Tether({"put", "s_1", local, "refuse-me"}, &out), 1);
  EXPECT_TRUE(Has(out, "the agent did not store refuse-me: refused by the test")) << out;
}

TEST_F(TransferTest, InterruptedPutTellsTheAgentToDropThePartialFile) {
  std::string local = WriteLocal("x", RandomBytes(100000));
  auto child = Spawn({"put", "s_1", local, "hang-me"});
  auto deadline = std::chrono::steady_clock::now() + 10s;
  auto begun = [&] {
    std::vector<std::string> seen = broker_->requests();
    return std::find(seen.begin(), seen.end(), "file.begin") != seen.end();
  };
  while (!begun() && std::chrono::steady_clock::now() < deadline) {
    child->WaitForOutput("never", 20ms);
  }
  child->WaitForOutput("never", 300ms);  // the chunks go out
  child->Signal(SIGINT);
  EXPECT_EQ(child->Wait(10s), 130) << child->output();
  EXPECT_TRUE(Has(child->output(), "tether put: interrupted")) << child->output();
  EXPECT_EQ(broker_->file_ends(), std::vector<std::string>{"failed "});
}

TEST_F(TransferTest, PutIntoASessionThatIsNotOursFailsWithTheBrokersAnswer) {
  std::string local = WriteLocal("x", "data");
  std::string out;
  EXPECT_EQ(Tether({"put", "s_notmine", local}, &out), 1);
  EXPECT_TRUE(Has(out, "not_found")) << out;
}

TEST_F(TransferTest, PutOfAMissingFileFailsBeforeConnecting) {
  std::string out;
  EXPECT_EQ(Tether({"put", "s_1", dir_ + "/nope"}, &out), 1);
  EXPECT_TRUE(Has(out, "cannot read")) << out;
  EXPECT_TRUE(broker_->requests().empty());
}

TEST_F(TransferTest, GetReceivesIntoADirectoryAndConfirmsWithFileEnd) {
  std::string content = RandomBytes(1 << 20 | 123);
  broker_->AddFile("/var/log/big.log", content);
  std::string out;
  ASSERT_EQ(Tether({"get", "s_1", "/var/log/big.log", dir_ + "/local/"}, &out), 0) << out;
  EXPECT_EQ(LocalEntries(), std::vector<std::string>{"big.log"});
  EXPECT_TRUE(ReadFile(dir_ + "/local/big.log") == content);
  EXPECT_EQ(broker_->file_ends(), std::vector<std::string>{"ok " + Sha256Of(content)});
  EXPECT_TRUE(Has(out, "downloaded /home/fake//var/log/big.log")) << out;  // the agent's resolved name
}

TEST_F(TransferTest, GetOfAnEmptyFileCreatesIt) {
  broker_->AddFile("empty.txt", "");
  std::string out;
  ASSERT_EQ(Tether({"get", "s_1", "empty.txt", dir_ + "/local/e.txt"}, &out), 0) << out;
  EXPECT_EQ(LocalEntries(), std::vector<std::string>{"e.txt"});
}

TEST_F(TransferTest, GetOfAMissingRemoteFileLeavesNothingBehind) {
  std::string out;
  EXPECT_EQ(Tether({"get", "s_1", "/no/such/file", dir_ + "/local/"}, &out), 1);
  EXPECT_TRUE(Has(out, "the agent could not send /no/such/file: no such file")) << out;
  EXPECT_TRUE(LocalEntries().empty());
  EXPECT_TRUE(broker_->file_ends().empty());  // the agent ended it; nothing to answer
}

TEST_F(TransferTest, GetWithAWrongHashLeavesNothingAndTellsTheAgent) {
  broker_->AddFile("corrupt-me", RandomBytes(5000));
  WriteLocal("corrupt-me", "the old copy stays");
  std::string out;
  EXPECT_EQ(Tether({"get", "s_1", "corrupt-me", dir_ + "/local/"}, &out), 1);
  EXPECT_TRUE(Has(out, "SHA-256 mismatch")) << out;
  EXPECT_EQ(LocalEntries(), std::vector<std::string>{"corrupt-me"});
  EXPECT_EQ(ReadFile(dir_ + "/local/corrupt-me"), "the old copy stays");
  ASSERT_EQ(broker_->file_ends().size(), 1u);
  EXPECT_TRUE(broker_->file_ends()[0].starts_with("failed ")) << broker_->file_ends()[0];
}

TEST_F(TransferTest, GetIntoAMissingDirectoryFailsBeforeAsking) {
  std::string out;
  EXPECT_EQ(Tether({"get", "s_1", "x", dir_ + "/missing/"}, &out), 1);
  EXPECT_TRUE(Has(out, "there is no directory")) << out;
  EXPECT_TRUE(broker_->requests().empty());
}

TEST_F(TransferTest, GetFromASessionThatIsNotOursLeavesNothing) {
  std::string out;
  EXPECT_EQ(Tether({"get", "s_notmine", "x", dir_ + "/local/"}, &out), 1);
  EXPECT_TRUE(Has(out, "not_found")) << out;
  EXPECT_TRUE(LocalEntries().empty());
}

}  // namespace
}  // namespace tether::tools::cli::testing
