// Connection over wss: CA verification, self-signed opt-in and certificate pinning.
#include <gtest/gtest.h>

#include "script_server.h"
#include "test_cert.h"
#include "test_loop.h"
#include "tether/client/connection.h"

namespace tether::client {
namespace {

using namespace std::chrono_literals;
using testing::ScriptServer;
using testing::TestCertificate;
using testing::TestLoop;

std::string WithColonsUpper(const std::string& hex) {
  std::string out;
  for (std::size_t i = 0; i < hex.size(); ++i) {
    if (i > 0 && i % 2 == 0) out += ':';
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(hex[i])));
  }
  return out;
}

class ConnectionTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cert_ = testing::MakeTestCertificate();
    ASSERT_FALSE(cert_->cert_file.empty());
    server_ = ScriptServer::Start({.cert_file = cert_->cert_file, .key_file = cert_->key_file});
    ASSERT_NE(server_, nullptr);
    auto context = ClientContext::Create(loop_.get());
    ASSERT_TRUE(context.ok()) << context.status().ToString();
    context_ = std::move(*context);
  }
  void TearDown() override {
    connection_.reset();
    context_.reset();
  }

  // Connects and runs until the attempt opens or ends; returns whether it opened.
  bool Attempt(ConnectOptions options) {
    options.url = server_->url();
    ConnectionHandlers handlers;
    handlers.on_open = [this] { opened_ = true; };
    handlers.on_close = [this](const CloseInfo& info) { closed_ = info; };
    auto connection = Connection::Create(*context_, std::move(options), handlers);
    EXPECT_TRUE(connection.ok()) << connection.status().ToString();
    if (!connection.ok()) return false;
    connection_ = std::move(*connection);
    loop_.RunUntil([this] { return opened_ || closed_.has_value(); }, 3s);
    return opened_;
  }

  TestLoop loop_;
  std::unique_ptr<TestCertificate> cert_;
  std::unique_ptr<ScriptServer> server_;
  std::unique_ptr<ClientContext> context_;
  std::unique_ptr<Connection> connection_;
  bool opened_ = false;
  std::optional<CloseInfo> closed_;
};

TEST_F(ConnectionTlsTest, VerifiesServerAgainstCaFile) {
  EXPECT_TRUE(Attempt({.ca_file = cert_->cert_file})) << (closed_ ? closed_->reason : "timeout");
}

TEST_F(ConnectionTlsTest, RefusesUntrustedCertificateByDefault) {
  EXPECT_FALSE(Attempt({}));
  ASSERT_TRUE(closed_.has_value());
  EXPECT_EQ(closed_->code, kCloseAbnormal);
  EXPECT_NE(closed_->reason.find("self-signed certificate"), std::string::npos) << closed_->reason;
}

TEST_F(ConnectionTlsTest, AcceptsSelfSignedWhenAllowed) {
  EXPECT_TRUE(Attempt({.allow_self_signed = true})) << (closed_ ? closed_->reason : "timeout");
}

TEST_F(ConnectionTlsTest, PinnedFingerprintAcceptsTheServerCertificate) {
  EXPECT_TRUE(Attempt({.pinned_sha256 = WithColonsUpper(cert_->sha256_hex)}))
      << (closed_ ? closed_->reason : "timeout");
}

TEST_F(ConnectionTlsTest, PinnedFingerprintRefusesAnyOtherCertificate) {
  std::string other = cert_->sha256_hex;
  other[0] = other[0] == '0' ? '1' : '0';
  // Even a certificate that would otherwise verify is refused.
  EXPECT_FALSE(Attempt({.ca_file = cert_->cert_file, .pinned_sha256 = other}));
  ASSERT_TRUE(closed_.has_value());
  EXPECT_NE(closed_->reason.find("pinned fingerprint"), std::string::npos) << closed_->reason;
  EXPECT_EQ(server_->connections_accepted(), 0);
}

TEST_F(ConnectionTlsTest, RejectsMalformedPinAndMissingCaFile) {
  ConnectionHandlers none;
  EXPECT_FALSE(Connection::Create(*context_, {.url = server_->url(), .pinned_sha256 = "abc"}, none).ok());
  EXPECT_FALSE(Connection::Create(*context_, {.url = server_->url(), .ca_file = "/nonexistent.pem"}, none).ok());
  EXPECT_FALSE(Connection::Create(*context_, {.url = "ws://127.0.0.1:1/", .pinned_sha256 = cert_->sha256_hex}, none).ok());
}

}  // namespace
}  // namespace tether::client
