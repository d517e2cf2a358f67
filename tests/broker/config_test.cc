// The broker's TOML config file and listen address: values applied, errors that name
// file and line, loopback detection.
#include "core/config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace tether::broker {
namespace {

namespace fs = std::filesystem;

// A fresh directory per test holding "file.toml", removed afterwards.
class ConfigFile : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::path(::testing::TempDir()) /
           ("tether_config_" + std::to_string(::getpid()) + "_" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    path_ = (dir_ / "file.toml").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  protocol::Status Load(const std::string& text) {
    std::ofstream(path_) << text;
    return LoadConfigFile(path_, config_);
  }

  static bool Contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
  }

  fs::path dir_;
  std::string path_;
  BrokerConfig config_;
};

TEST_F(ConfigFile, ValidFileAppliesEveryValue) {
  protocol::Status s = Load(
      "listen = \"0.0.0.0:9443\"\n"
      "db = \"/srv/tether/t.db\"\n"
      "tls_cert = \"/etc/tether/cert.pem\"\n"
      "tls_key = \"/etc/tether/key.pem\"\n"
      "log_level = \"debug\"\n"
      "hello_timeout_ms = 2500\n"
      "token_ttl_ms = 3600000\n"
      "ping_interval_s = 15\n"
      "ping_timeout_s = 45\n"
      "shutdown_deadline_ms = 4000\n"
      "max_message_bytes = 65536\n"
      "max_connections = 42\n"
      "login_failures_per_account = 3\n"
      "login_failures_per_address = 11\n"
      "login_failure_window_ms = 90000\n");
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(config_.listen_host, "0.0.0.0");
  EXPECT_EQ(config_.listen_port, 9443);
  EXPECT_EQ(config_.db_path, "/srv/tether/t.db");
  EXPECT_EQ(config_.tls_cert, "/etc/tether/cert.pem");
  EXPECT_EQ(config_.tls_key, "/etc/tether/key.pem");
  EXPECT_EQ(config_.log_level, LogLevel::kDebug);
  EXPECT_EQ(config_.hello_timeout, std::chrono::milliseconds(2500));
  EXPECT_EQ(config_.token_ttl, std::chrono::milliseconds(3600000));
  EXPECT_EQ(config_.ping_interval, std::chrono::seconds(15));
  EXPECT_EQ(config_.ping_timeout, std::chrono::seconds(45));
  EXPECT_EQ(config_.shutdown_deadline, std::chrono::milliseconds(4000));
  EXPECT_EQ(config_.max_message_bytes, 65536u);
  EXPECT_EQ(config_.max_connections, 42u);
  EXPECT_EQ(config_.login_failures_per_account, 3u);
  EXPECT_EQ(config_.login_failures_per_address, 11u);
  EXPECT_EQ(config_.login_failure_window, std::chrono::milliseconds(90000));
}

TEST_F(ConfigFile, EveryFloodLimitIsASetting) {
  protocol::Status s = Load(
      "max_connections_per_address = 7\n"
      "max_handshakes_per_address = 3\n"
      "max_sessions_per_user = 4\n"
      "max_supervisors_per_session = 2\n"
      "key_guesses_per_address = 6\n");
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(config_.max_connections_per_address, 7u);
  EXPECT_EQ(config_.max_handshakes_per_address, 3u);
  EXPECT_EQ(config_.max_sessions_per_user, 4u);
  EXPECT_EQ(config_.max_supervisors_per_session, 2u);
  EXPECT_EQ(config_.key_guesses_per_address, 6u);
}

TEST_F(ConfigFile, FloodLimitDefaultsAreThoseDocumented) {
  BrokerConfig defaults;
  EXPECT_EQ(defaults.max_connections, 10000u);
  EXPECT_EQ(defaults.max_connections_per_address, 1000u);
  EXPECT_EQ(defaults.max_handshakes_per_address, 100u);
  EXPECT_EQ(defaults.max_sessions_per_user, 50u);
  EXPECT_EQ(defaults.max_supervisors_per_session, 64u);
  EXPECT_EQ(defaults.key_guesses_per_address, 10u);
  EXPECT_EQ(defaults.login_failures_per_account, 5u);
  EXPECT_EQ(defaults.login_failures_per_address, 20u);
}

TEST_F(ConfigFile, ViewerOutputSettingsHaveTheDocumentedDefaultsAndBounds) {
  BrokerConfig defaults;
  EXPECT_EQ(defaults.viewer_budget_bytes, 256u * 1024);
  EXPECT_EQ(defaults.viewer_full_rate_bytes, 4u << 20);
  EXPECT_EQ(defaults.viewer_share_percent, 10u);
  protocol::Status s = Load("viewer_budget_bytes = 65536\nviewer_full_rate_bytes = 1000\nviewer_share_percent = 100\n");
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(config_.viewer_budget_bytes, 65536u);
  EXPECT_EQ(config_.viewer_full_rate_bytes, 1000u);
  EXPECT_EQ(config_.viewer_share_percent, 100u);
  EXPECT_FALSE(Load("viewer_budget_bytes = 0\n").ok());
  EXPECT_FALSE(Load("viewer_share_percent = 101\n").ok());
}

TEST_F(ConfigFile, KeysNotInTheFileKeepTheirValues) {
  config_.db_path = "from-flags.db";
  protocol::Status s = Load("# only the port\nlisten = \"127.0.0.1:8080\"\n");
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(config_.listen_port, 8080);
  EXPECT_EQ(config_.db_path, "from-flags.db");
  BrokerConfig defaults;
  EXPECT_EQ(config_.hello_timeout, defaults.hello_timeout);
  EXPECT_EQ(config_.max_connections, defaults.max_connections);
}

TEST_F(ConfigFile, EmptyFileIsValid) {
  protocol::Status s = Load("");
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(config_.listen_port, BrokerConfig{}.listen_port);
}

TEST_F(ConfigFile, UnknownKeyNamesFileLineAndKey) {
  protocol::Status s = Load("db = \"t.db\"\ncolour = \"blue\"\n");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), protocol::ErrorCode::kBadRequest);
  EXPECT_TRUE(Contains(s.message(), "file.toml:2")) << s.message();
  EXPECT_TRUE(Contains(s.message(), "colour")) << s.message();
}

TEST_F(ConfigFile, SectionIsAnUnknownKey) {
  protocol::Status s = Load("db = \"t.db\"\n\n[broker]\nlisten = \"127.0.0.1:1\"\n");
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(Contains(s.message(), "broker")) << s.message();
}

TEST_F(ConfigFile, WrongTypeNamesTheLine) {
  protocol::Status s = Load("db = \"t.db\"\n\nhello_timeout_ms = \"ten\"\n");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), protocol::ErrorCode::kBadRequest);
  EXPECT_TRUE(Contains(s.message(), "file.toml:3")) << s.message();
}

TEST_F(ConfigFile, NumberForAStringNamesTheLine) {
  protocol::Status s = Load("db = 5\n");
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(Contains(s.message(), "file.toml:1")) << s.message();
}

TEST_F(ConfigFile, NonPositiveIntegerIsRefused) {
  for (const char* text : {"max_connections = 0\n", "ping_interval_s = -5\n"}) {
    BrokerConfig before = config_;
    protocol::Status s = Load(text);
    ASSERT_FALSE(s.ok()) << text;
    EXPECT_TRUE(Contains(s.message(), "file.toml:1")) << s.message();
    EXPECT_EQ(config_.max_connections, before.max_connections);
    EXPECT_EQ(config_.ping_interval, before.ping_interval);
  }
}

// Each value one past what its setting can hold: refused, not wrapped (70000 would have
// become port 4464, 65536 keep-alive seconds 0 in lws's 16 bits), nor left to overflow
// when a duration is added to a time.
TEST_F(ConfigFile, ValuesBeyondWhatTheSettingHoldsAreRefused) {
  const struct {
    const char* text;
    const char* message;
  } cases[] = {
      {"wake_port = 70000\n", "'wake_port' must be at most 65535"},
      {"ping_interval_s = 65536\n", "'ping_interval_s' must be at most 65535"},
      {"ping_timeout_s = 65536\n", "'ping_timeout_s' must be at most 65535"},
      {"token_ttl_ms = 9223372036854775807\n", "'token_ttl_ms' must be at most 315360000000"},
      {"idle_timeout_ms = 315360000001\n", "'idle_timeout_ms' must be at most 315360000000"},
  };
  for (const auto& c : cases) {
    BrokerConfig before = config_;
    protocol::Status s = Load(c.text);
    ASSERT_FALSE(s.ok()) << c.text;
    EXPECT_TRUE(Contains(s.message(), "file.toml:1: " + std::string(c.message))) << s.message();
    EXPECT_EQ(config_.wake_port, before.wake_port);
    EXPECT_EQ(config_.token_ttl, before.token_ttl);
  }
}

TEST_F(ConfigFile, LargestValuesAreAccepted) {
  protocol::Status s = Load("wake_port = 65535\nping_timeout_s = 65535\ntoken_ttl_ms = 315360000000\n"
                            "max_connections = 9223372036854775807\n");
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(config_.wake_port, 65535);
  EXPECT_EQ(config_.ping_timeout, std::chrono::seconds(65535));
  EXPECT_EQ(config_.token_ttl, std::chrono::milliseconds(315360000000));
  EXPECT_EQ(config_.max_connections, 9223372036854775807u);
}

TEST_F(ConfigFile, TextIsReadLikeAFileUnderItsName) {
  protocol::Status s = LoadConfigText("max_connections = 7\n", "inline.toml", config_);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(config_.max_connections, 7u);
  s = LoadConfigText("db = \"t.db\"\nmax_connections = = 3\n", "inline.toml", config_);
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(Contains(s.message(), "inline.toml:2")) << s.message();
}

TEST_F(ConfigFile, BadListenNamesTheLine) {
  protocol::Status s = Load("db = \"t.db\"\nlisten = \"1.2.3.4:99999\"\n");
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(Contains(s.message(), "file.toml:2")) << s.message();
  EXPECT_EQ(config_.listen_port, BrokerConfig{}.listen_port);
}

TEST_F(ConfigFile, ListenMustBeAString) {
  protocol::Status s = Load("listen = 7070\n");
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(Contains(s.message(), "file.toml:1")) << s.message();
}

TEST_F(ConfigFile, UnknownLogLevelIsRefused) {
  protocol::Status s = Load("log_level = \"verbose\"\n");
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(Contains(s.message(), "file.toml:1")) << s.message();
  EXPECT_TRUE(Contains(s.message(), "log_level")) << s.message();
}

TEST_F(ConfigFile, SyntaxErrorNamesTheLine) {
  protocol::Status s = Load("db = \"t.db\"\nmax_connections = 3\nping_timeout_s = = 3\n");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), protocol::ErrorCode::kBadRequest);
  EXPECT_TRUE(Contains(s.message(), "file.toml:3")) << s.message();
}

TEST_F(ConfigFile, MissingFileIsAnErrorNamingIt) {
  protocol::Status s = LoadConfigFile((dir_ / "absent.toml").string(), config_);
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(Contains(s.message(), "absent.toml")) << s.message();
}

TEST(ParseListen, LoopbackWithPortZeroIsAccepted) {
  BrokerConfig config;
  protocol::Status s = ParseListen("127.0.0.1:0", config);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(config.listen_host, "127.0.0.1");
  EXPECT_EQ(config.listen_port, 0);
}

TEST(ParseListen, BracketedIpv6HostIsUnwrapped) {
  BrokerConfig config;
  protocol::Status s = ParseListen("[::1]:8443", config);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(config.listen_host, "::1");
  EXPECT_EQ(config.listen_port, 8443);
}

TEST(ParseListen, HighestPortIsAccepted) {
  BrokerConfig config;
  ASSERT_TRUE(ParseListen("localhost:65535", config).ok());
  EXPECT_EQ(config.listen_port, 65535);
}

TEST(ParseListen, MalformedAddressesAreRefusedAndLeaveTheConfigAlone) {
  for (const char* text :
       {"nohost", "1.2.3.4:99999", "1.2.3.4:65536", ":7070", "host:", "host:80x", "host:-1",
        "host:port", "", "host: 80", "host:+80", "::1", "[]:80", "[::1:80"}) {
    BrokerConfig config;
    protocol::Status s = ParseListen(text, config);
    EXPECT_FALSE(s.ok()) << "'" << text << "'";
    EXPECT_EQ(s.code(), protocol::ErrorCode::kBadRequest) << text;
    EXPECT_EQ(config.listen_host, BrokerConfig{}.listen_host) << text;
    EXPECT_EQ(config.listen_port, BrokerConfig{}.listen_port) << text;
  }
}

TEST(IsLoopbackHost, LoopbackAddressesAndLocalhost) {
  for (const char* host : {"127.0.0.1", "127.5.5.5", "127.255.255.254", "::1", "localhost"}) {
    EXPECT_TRUE(IsLoopbackHost(host)) << host;
  }
}

TEST(IsLoopbackHost, OtherAddressesAreNotLoopback) {
  for (const char* host :
       {"0.0.0.0", "10.0.0.1", "128.0.0.1", "1.127.0.0", "::", "", "example.com", "12.0.0.1",
        "127.example.com", "127.0.0.1.nip.io"}) {
    EXPECT_FALSE(IsLoopbackHost(host)) << host;
  }
}

TEST_F(ConfigFile, RecordingsGoBesideTheDatabaseUnlessConfigured) {
  config_.db_path = "/srv/tether/t.db";
  EXPECT_EQ(RecordingsDirectory(config_), "/srv/tether/recordings");
  config_.db_path = "t.db";
  EXPECT_EQ(RecordingsDirectory(config_), "recordings");
  ASSERT_TRUE(Load("recordings_dir = \"/var/lib/tether/casts\"\n").ok());
  EXPECT_EQ(RecordingsDirectory(config_), "/var/lib/tether/casts");
  EXPECT_FALSE(Load("recordings_dir = 7\n").ok());
}

}  // namespace
}  // namespace tether::broker

namespace tether::broker {
namespace {

TEST(ConfigFileTypes, BooleanOrFloatForAnIntegerSettingIsRefused) {
  std::string path = ::testing::TempDir() + "/tether_exact_" + std::to_string(::getpid()) + ".toml";
  for (const char* text : {"max_connections = true\n", "hello_timeout_ms = true\n", "hello_timeout_ms = 25.0\n"}) {
    std::ofstream(path) << text;
    BrokerConfig config;
    protocol::Status s = LoadConfigFile(path, config);
    EXPECT_FALSE(s.ok()) << text;
    EXPECT_EQ(config.max_connections, BrokerConfig{}.max_connections) << text;
    EXPECT_EQ(config.hello_timeout, BrokerConfig{}.hello_timeout) << text;
  }
  std::filesystem::remove(path);
}

TEST(ConfigFileTypes, TypeErrorNamesTheKey) {
  std::string path = ::testing::TempDir() + "/tether_keyname_" + std::to_string(::getpid()) + ".toml";
  std::ofstream(path) << "max_connections = \"many\"\n";
  BrokerConfig config;
  protocol::Status s = LoadConfigFile(path, config);
  EXPECT_NE(s.message().find("'max_connections'"), std::string::npos) << s.message();
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace tether::broker
