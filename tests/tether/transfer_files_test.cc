// Names, temporary files and sizes of file transfers.
#include "tether/transfer_files.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace tether::tools::cli {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/tether-files-XXXXXX";
    path_ = mkdtemp(pattern);
  }
  ~TempDir() { fs::remove_all(path_); }
  const std::string& path() const { return path_; }
  std::vector<std::string> Entries() const {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(path_)) names.push_back(entry.path().filename());
    return names;
  }

 private:
  std::string path_;
};

std::span<const std::uint8_t> Bytes(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

TEST(TransferFiles, BaseNameUnderstandsWindowsPathsOnlyForRemoteOnes) {
  EXPECT_EQ(BaseName("/var/log/syslog", true), "syslog");
  EXPECT_EQ(BaseName("C:\\logs\\app.log", true), "app.log");
  EXPECT_EQ(BaseName("C:\\logs\\app.log", false), "C:\\logs\\app.log");
  EXPECT_EQ(BaseName("dir/", false), "dir");
  EXPECT_EQ(BaseName("/", false), "");
  EXPECT_EQ(BaseName("..", false), "");
}

TEST(TransferFiles, PutNamesTheRemoteFileAfterTheLocalOneUnlessTold) {
  EXPECT_EQ(*RemoteNameFor("/home/tom/driver.msi", std::nullopt), "driver.msi");
  EXPECT_EQ(*RemoteNameFor("driver.msi", std::string("C:\\Temp\\d.msi")), "C:\\Temp\\d.msi");
  EXPECT_FALSE(RemoteNameFor("/", std::nullopt).ok());
}

TEST(TransferFiles, GetStoresIntoADirectoryOrUnderTheGivenName) {
  TempDir dir;
  EXPECT_EQ(*LocalPathFor("/var/log/syslog", std::nullopt), "syslog");
  EXPECT_EQ(*LocalPathFor("/var/log/syslog", dir.path()), dir.path() + "/syslog");
  EXPECT_EQ(*LocalPathFor("C:\\logs\\app.log", dir.path() + "/"), dir.path() + "/app.log");
  EXPECT_EQ(*LocalPathFor("/var/log/syslog", dir.path() + "/copy"), dir.path() + "/copy");
  EXPECT_FALSE(LocalPathFor("/", std::nullopt).ok());
  EXPECT_FALSE(LocalPathFor("/var/log/syslog", dir.path() + "/missing/").ok());
}

TEST(TransferFiles, CommittedTempFileReplacesTheDestinationWithANormalMode) {
  TempDir dir;
  std::string destination = dir.path() + "/report.txt";
  std::ofstream(destination) << "old";
  auto temp = TempFile::CreateFor(destination);
  ASSERT_TRUE(temp.ok()) << temp.status().ToString();
  EXPECT_EQ(fs::path((*temp)->path()).parent_path(), fs::path(dir.path()));
  ASSERT_TRUE((*temp)->Write(Bytes("new content")).ok());
  ASSERT_TRUE((*temp)->Commit().ok());
  temp->reset();
  std::ifstream in(destination);
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(content, "new content");
  EXPECT_EQ(dir.Entries(), std::vector<std::string>{"report.txt"});
  struct stat info {};
  ASSERT_EQ(stat(destination.c_str(), &info), 0);
  mode_t mask = umask(0);
  umask(mask);
  EXPECT_EQ(info.st_mode & 0777, 0666 & ~mask);
}

TEST(TransferFiles, AbandonedTempFileLeavesNothingBehind) {
  TempDir dir;
  {
    auto temp = TempFile::CreateFor(dir.path() + "/partial.bin");
    ASSERT_TRUE(temp.ok());
    ASSERT_TRUE((*temp)->Write(Bytes("half")).ok());
    struct stat info {};
    ASSERT_EQ(stat((*temp)->path().c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0600u);  // private until complete
  }
  EXPECT_TRUE(dir.Entries().empty());
}

TEST(TransferFiles, TempFileInAMissingDirectoryFailsNamingIt) {
  auto temp = TempFile::CreateFor("/nonexistent-dir-for-tether/x.bin");
  ASSERT_FALSE(temp.ok());
  EXPECT_NE(temp.status().message().find("/nonexistent-dir-for-tether/x.bin"), std::string::npos);
}

TEST(TransferFiles, SizesAreShownInBinaryUnits) {
  EXPECT_EQ(SizeText(0), "0 B");
  EXPECT_EQ(SizeText(1023), "1023 B");
  EXPECT_EQ(SizeText(1536), "1.5 KiB");
  EXPECT_EQ(SizeText(1u << 30), "1.0 GiB");
}

}  // namespace
}  // namespace tether::tools::cli
