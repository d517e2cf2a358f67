// The device config file: mode 0600 from the start, round trip, refusals.
#include "device_config.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "temp_dir.h"

namespace tether::agent {
namespace {

using testing::TempDir;

mode_t Mode(const std::filesystem::path& path) {
  struct stat info {};
  EXPECT_EQ(::stat(path.c_str(), &info), 0) << path;
  return info.st_mode & 07777;
}

DeviceConfig Sample() {
  return {"wss://broker.example:7443/v1/ws", "d_0123456789abcdef01234567", std::string(64, 'a'),
          std::string(64, 'b')};
}

TEST(DeviceConfig, IsWrittenOwnerOnlyEvenWithAPermissiveUmask) {
  TempDir dir;
  mode_t old = ::umask(0);  // a new file would be 0666
  auto path = dir.path() / "tether-agent" / "device.json";
  protocol::Status saved = SaveDeviceConfig(path, Sample());
  ::umask(old);
  ASSERT_TRUE(saved.ok()) << saved.ToString();
  EXPECT_EQ(Mode(path), 0600u);
  EXPECT_EQ(Mode(path.parent_path()), 0700u) << "the directory it creates is private too";
  EXPECT_FALSE(IsExposedToOthers(path));
  EXPECT_EQ(dir.Entries(), std::vector<std::string>{"tether-agent"});
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(path.parent_path()), {}), 1) << "no temporary left";
}

TEST(DeviceConfig, RoundTrips) {
  TempDir dir;
  auto path = dir.path() / "device.json";
  ASSERT_TRUE(SaveDeviceConfig(path, Sample()).ok());
  auto loaded = LoadDeviceConfig(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->broker, Sample().broker);
  EXPECT_EQ(loaded->device_id, Sample().device_id);
  EXPECT_EQ(loaded->secret, Sample().secret);
  EXPECT_EQ(loaded->broker_fingerprint, Sample().broker_fingerprint);
}

TEST(DeviceConfig, ReplacingKeepsTheMode) {
  TempDir dir;
  auto path = dir.path() / "device.json";
  ASSERT_TRUE(SaveDeviceConfig(path, Sample()).ok());
  DeviceConfig other = Sample();
  other.device_id = "d_other";
  ASSERT_TRUE(SaveDeviceConfig(path, other).ok());
  EXPECT_EQ(Mode(path), 0600u);
  EXPECT_EQ(LoadDeviceConfig(path)->device_id, "d_other");
}

TEST(DeviceConfig, AnEmptyFingerprintIsAllowedOnPlainWs) {
  TempDir dir;
  auto path = dir.path() / "device.json";
  DeviceConfig plain = Sample();
  plain.broker = "ws://127.0.0.1:7070/v1/ws";
  plain.broker_fingerprint = "";
  ASSERT_TRUE(SaveDeviceConfig(path, plain).ok());
  EXPECT_TRUE(LoadDeviceConfig(path).ok());
}

TEST(DeviceConfig, MissingOrMalformedFilesAreRefused) {
  TempDir dir;
  auto missing = LoadDeviceConfig(dir.path() / "none.json");
  EXPECT_EQ(missing.status().code(), protocol::ErrorCode::kNotFound);
  std::ofstream(dir.path() / "bad.json") << "{\"broker\":\"ws://x\",\"device_id\":\"d\"}";
  EXPECT_EQ(LoadDeviceConfig(dir.path() / "bad.json").status().code(), protocol::ErrorCode::kBadRequest);
  std::ofstream(dir.path() / "junk.json") << "not json";
  EXPECT_EQ(LoadDeviceConfig(dir.path() / "junk.json").status().code(), protocol::ErrorCode::kBadRequest);
}

TEST(DeviceConfig, NoticesAFileOthersCanRead) {
  TempDir dir;
  auto path = dir.path() / "device.json";
  ASSERT_TRUE(SaveDeviceConfig(path, Sample()).ok());
  ::chmod(path.c_str(), 0644);
  EXPECT_TRUE(IsExposedToOthers(path));
}

}  // namespace
}  // namespace tether::agent
