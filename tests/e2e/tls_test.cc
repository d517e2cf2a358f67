// End to end: the broker's TLS defaults (1.2 and 1.3 only, forward-secret AEAD suites)
// and `tetherctl cert generate` for a first start (README "TLS").
#include <sys/stat.h>

#include <gtest/gtest.h>

#include "broker_process.h"

namespace tether::e2e {
namespace {

// What `tetherctl cert generate` printed after "sha256:".
std::string FingerprintIn(const std::string& output) {
  auto at = output.find("sha256:");
  if (at == std::string::npos) return "";
  auto start = output.find_first_not_of(' ', at + 7);
  return output.substr(start, output.find('\n', start) - start);
}

struct GeneratedCertificate {
  std::string dir, fingerprint;
  std::string cert() const { return dir + "/cert.pem"; }
  std::string key() const { return dir + "/key.pem"; }
};

GeneratedCertificate Generate(const BrokerProcess& scratch) {
  GeneratedCertificate made{scratch.dir() + "/tls", ""};
  std::string output;
  RunProgram({"/bin/mkdir", "-p", made.dir}, "", &output);
  int rc = RunProgram({TETHER_CTL_BIN, "cert", "generate", "--out", made.dir}, "", &output);
  EXPECT_EQ(rc, 0) << output;
  made.fingerprint = FingerprintIn(output);
  EXPECT_EQ(made.fingerprint.size(), 64u) << output;
  return made;
}

// `openssl s_client` offering exactly `protocol_flag` (and `cipher` for TLS 1.2 and
// below): the protocol and cipher it reports, "(NONE)" when refused.
std::string Handshake(const BrokerProcess& broker, const std::string& protocol_flag, const std::string& cipher = "") {
  std::vector<std::string> argv = {"/usr/bin/openssl", "s_client", "-connect",
                                   "127.0.0.1:" + std::to_string(broker.port()), protocol_flag};
  if (!cipher.empty()) argv.insert(argv.end(), {"-cipher", cipher});
  std::string output;
  RunProgram(argv, "", &output);
  auto at = output.find("\nNew, ");
  if (at == std::string::npos) return "no handshake line: " + output;
  return output.substr(at + 6, output.find('\n', at + 6) - at - 6);
}

class Tls : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    scratch_ = new BrokerProcess(BrokerOptions().WithoutTestClock());
    certificate_ = new GeneratedCertificate(Generate(*scratch_));
    broker_ = new BrokerProcess(BrokerOptions().Args({"--tls-cert", certificate_->cert(), "--tls-key", certificate_->key()}));
  }
  static void TearDownTestSuite() {
    delete broker_;
    delete certificate_;
    delete scratch_;
  }
  static BrokerProcess* scratch_;
  static GeneratedCertificate* certificate_;
  static BrokerProcess* broker_;
};
BrokerProcess* Tls::scratch_ = nullptr;
GeneratedCertificate* Tls::certificate_ = nullptr;
BrokerProcess* Tls::broker_ = nullptr;

TEST_F(Tls, GeneratedKeyIsOwnerOnlyAndNothingIsOverwritten) {
  struct stat key_stat {};
  ASSERT_EQ(::stat(certificate_->key().c_str(), &key_stat), 0);
  EXPECT_EQ(key_stat.st_mode & 0777, 0600u);
  std::string output;
  EXPECT_EQ(RunProgram({TETHER_CTL_BIN, "cert", "generate", "--out", certificate_->dir}, "", &output), 1) << output;
  EXPECT_NE(output.find("exists"), std::string::npos) << output;
}

TEST_F(Tls, BrokerStartsWithTheGeneratedCertificateAndAPinnedClientConnects) {
  ASSERT_TRUE(broker_->started());
  client::ConnectOptions options;
  options.url = broker_->url("wss");
  options.pinned_sha256 = certificate_->fingerprint;
  auto client = client::BlockingClient::Connect(options, kWait);
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  EXPECT_TRUE((*client)->Hello(PasswordAuth(), kWait).ok());
}

TEST_F(Tls, AClientPinnedToAnotherCertificateIsRefused) {
  client::ConnectOptions options;
  options.url = broker_->url("wss");
  options.pinned_sha256 = std::string(64, 'a');
  EXPECT_FALSE(client::BlockingClient::Connect(options, 2s).ok());
}

TEST_F(Tls, Tls13IsAccepted) { EXPECT_EQ(Handshake(*broker_, "-tls1_3").rfind("TLSv1.3, Cipher is TLS_", 0), 0u); }

TEST_F(Tls, Tls12WithAForwardSecretAeadSuiteIsAccepted) {
  EXPECT_EQ(Handshake(*broker_, "-tls1_2").rfind("TLSv1.2, Cipher is ECDHE-ECDSA-", 0), 0u);
}

// SECLEVEL=0 makes the client really offer TLS 1.1 (OpenSSL 3 would not by default):
// the refusal is the broker's.
TEST_F(Tls, Tls11IsRefused) {
  EXPECT_EQ(Handshake(*broker_, "-tls1_1", "DEFAULT@SECLEVEL=0"), "(NONE), Cipher is (NONE)");
}

TEST_F(Tls, Tls10IsRefused) {
  EXPECT_EQ(Handshake(*broker_, "-tls1", "DEFAULT@SECLEVEL=0"), "(NONE), Cipher is (NONE)");
}

TEST_F(Tls, Tls12WithoutForwardSecrecyIsRefused) {
  EXPECT_EQ(Handshake(*broker_, "-tls1_2", "AES128-GCM-SHA256:AES256-SHA"), "(NONE), Cipher is (NONE)");
}

TEST_F(Tls, Tls12WithACbcSuiteIsRefused) {
  EXPECT_EQ(Handshake(*broker_, "-tls1_2", "ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES128-SHA"),
            "(NONE), Cipher is (NONE)");
}

}  // namespace
}  // namespace tether::e2e
