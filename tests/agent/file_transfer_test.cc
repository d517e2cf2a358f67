// The file side of transfers: receiver, source, names, ids, hashes.
#include "file_transfer.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "temp_dir.h"

namespace tether::agent {
namespace {

using testing::TempDir;

// SHA-256("abc"), FIPS 180-2 appendix B.1.
constexpr const char* kAbcSha256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

std::span<const std::uint8_t> Bytes(const std::string& text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

std::string ReadAll(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(FileReceiver, MatchingHashMovesTheFileIntoPlace) {
  TempDir dir;
  auto receiver = FileReceiver::Create(dir.path() / "a.txt", 3, kAbcSha256);
  ASSERT_TRUE(receiver.ok()) << receiver.status().ToString();
  ASSERT_TRUE((*receiver)->Append(Bytes("ab")).ok());
  EXPECT_FALSE((*receiver)->complete());
  ASSERT_TRUE((*receiver)->Append(Bytes("c")).ok());
  ASSERT_TRUE((*receiver)->complete());
  FileReceiver::Outcome outcome = (*receiver)->Finish();
  EXPECT_TRUE(outcome.ok) << outcome.message;
  EXPECT_EQ(outcome.sha256, kAbcSha256);
  EXPECT_EQ(ReadAll(dir.path() / "a.txt"), "abc");
  EXPECT_EQ(dir.Entries(), std::vector<std::string>{"a.txt"}) << "no temporary file left";
}

TEST(FileReceiver, HashMatchIgnoresCase) {
  TempDir dir;
  std::string upper = kAbcSha256;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  auto receiver = FileReceiver::Create(dir.path() / "a.txt", 3, upper);
  ASSERT_TRUE((*receiver)->Append(Bytes("abc")).ok());
  EXPECT_TRUE((*receiver)->Finish().ok);
}

TEST(FileReceiver, HashMismatchLeavesNoFile) {
  TempDir dir;
  auto receiver = FileReceiver::Create(dir.path() / "a.txt", 3, std::string(64, '0'));
  ASSERT_TRUE((*receiver)->Append(Bytes("abc")).ok());
  FileReceiver::Outcome outcome = (*receiver)->Finish();
  EXPECT_FALSE(outcome.ok);
  EXPECT_EQ(outcome.sha256, kAbcSha256) << "reports what arrived";
  EXPECT_TRUE(dir.Entries().empty());
}

TEST(FileReceiver, ShortUploadLeavesNoFile) {
  TempDir dir;
  auto receiver = FileReceiver::Create(dir.path() / "a.txt", 10, "");
  ASSERT_TRUE((*receiver)->Append(Bytes("abc")).ok());
  FileReceiver::Outcome outcome = (*receiver)->Finish();
  EXPECT_FALSE(outcome.ok);
  EXPECT_NE(outcome.message.find("short"), std::string::npos) << outcome.message;
  EXPECT_TRUE(dir.Entries().empty());
}

TEST(FileReceiver, AbandonedUploadLeavesNoFile) {
  TempDir dir;
  {
    auto receiver = FileReceiver::Create(dir.path() / "a.txt", 10, "");
    ASSERT_TRUE((*receiver)->Append(Bytes("abc")).ok());
    EXPECT_EQ(dir.Entries().size(), 1u) << "the temporary file exists meanwhile";
  }
  EXPECT_TRUE(dir.Entries().empty());
}

TEST(FileReceiver, WithoutAHashTheSizeDecides) {
  TempDir dir;
  auto receiver = FileReceiver::Create(dir.path() / "a.txt", 3, "");
  ASSERT_TRUE((*receiver)->Append(Bytes("abc")).ok());
  EXPECT_TRUE((*receiver)->Finish().ok);
  EXPECT_EQ(ReadAll(dir.path() / "a.txt"), "abc");
}

TEST(FileReceiver, RefusesMoreThanAnnounced) {
  TempDir dir;
  auto receiver = FileReceiver::Create(dir.path() / "a.txt", 2, "");
  EXPECT_FALSE((*receiver)->Append(Bytes("abc")).ok());
  EXPECT_EQ((*receiver)->received(), 0u);
}

TEST(FileReceiver, ReplacesAnExistingFileOnlyOnSuccess) {
  TempDir dir;
  std::ofstream(dir.path() / "a.txt") << "old";
  auto failing = FileReceiver::Create(dir.path() / "a.txt", 3, std::string(64, '0'));
  ASSERT_TRUE((*failing)->Append(Bytes("abc")).ok());
  EXPECT_FALSE((*failing)->Finish().ok);
  EXPECT_EQ(ReadAll(dir.path() / "a.txt"), "old");
  auto working = FileReceiver::Create(dir.path() / "a.txt", 3, kAbcSha256);
  ASSERT_TRUE((*working)->Append(Bytes("abc")).ok());
  EXPECT_TRUE((*working)->Finish().ok);
  EXPECT_EQ(ReadAll(dir.path() / "a.txt"), "abc");
}

TEST(FileReceiver, NeedsAnExistingDirectory) {
  TempDir dir;
  EXPECT_FALSE(FileReceiver::Create(dir.path() / "missing" / "a.txt", 3, "").ok());
  EXPECT_FALSE(FileReceiver::Create(dir.path(), 3, "").ok()) << "a directory is not a file";
}

TEST(FileSource, ReadsInChunksAndHashes) {
  TempDir dir;
  std::ofstream(dir.path() / "a.txt") << "abc";
  auto source = FileSource::Open(dir.path() / "a.txt", 100);
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  EXPECT_EQ((*source)->size(), 3u);
  auto hash = HashFile((*source)->fd(), (*source)->size());
  ASSERT_TRUE(hash.ok());
  EXPECT_EQ(*hash, kAbcSha256);
  std::vector<std::uint8_t> chunk;
  ASSERT_TRUE((*source)->ReadNext(2, chunk).ok());
  ASSERT_TRUE((*source)->ReadNext(2, chunk).ok());
  EXPECT_EQ(std::string(chunk.begin(), chunk.end()), "abc");
  EXPECT_TRUE((*source)->done());
}

TEST(FileSource, RefusesDirectoriesMissingFilesAndFilesOverTheLimit) {
  TempDir dir;
  std::ofstream(dir.path() / "a.txt") << "abc";
  EXPECT_FALSE(FileSource::Open(dir.path(), 100).ok());
  EXPECT_FALSE(FileSource::Open(dir.path() / "missing", 100).ok());
  EXPECT_FALSE(FileSource::Open(dir.path() / "a.txt", 2).ok());
  EXPECT_FALSE(FileSource::Open("/dev/zero", 100).ok()) << "devices never end";
}

TEST(TransferPath, RelativeNamesLandInHome) {
  auto path = ResolveTransferPath("docs/a.txt", "/home/ann");
  ASSERT_TRUE(path.ok());
  EXPECT_EQ(*path, "/home/ann/docs/a.txt");
  EXPECT_EQ(*ResolveTransferPath("./a.txt", "/home/ann"), "/home/ann/a.txt");
}

TEST(TransferPath, AbsoluteNamesAreKept) { EXPECT_EQ(*ResolveTransferPath("/tmp/a.txt", "/home/ann"), "/tmp/a.txt"); }

TEST(TransferPath, RefusesDotDotEmptyAndDirectoryNames) {
  for (const char* name : {"../a.txt", "docs/../../etc/passwd", "/tmp/../etc/passwd", "..", "", "docs/", "/", "."}) {
    EXPECT_FALSE(ResolveTransferPath(name, "/home/ann").ok()) << name;
  }
  EXPECT_FALSE(ResolveTransferPath(std::string("a\0b", 3), "/home/ann").ok());
}

TEST(TransferId, HexAndBytesRoundTrip) {
  auto id = ParseTransferId("0F3C9a7e5b2d4c1a8e6f0b9d7c5a3e1f");
  ASSERT_TRUE(id.ok());
  EXPECT_EQ((*id)[0], 0x0f);
  EXPECT_EQ((*id)[15], 0x1f);
  EXPECT_EQ(ToHex(*id), "0f3c9a7e5b2d4c1a8e6f0b9d7c5a3e1f");
  EXPECT_FALSE(ParseTransferId("0f3c").ok());
  EXPECT_FALSE(ParseTransferId(std::string(32, 'g')).ok());
}

}  // namespace
}  // namespace tether::agent
