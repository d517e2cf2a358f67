// End to end: start-up refusals, TLS, graceful shutdown.
#include <gtest/gtest.h>

#include <fstream>

#include "broker_process.h"

namespace tether::e2e {
namespace {

using protocol::Value;

TEST(Lifecycle, SigtermClosesEveryClientWith1001AndExitsZero) {
  BrokerProcess broker;
  auto owner = LoggedInOwner(broker);
  auto anonymous = Connect(broker);
  ASSERT_TRUE(owner && anonymous);
  EXPECT_EQ(broker.Stop(), 0);
  for (auto* client : {owner.get(), anonymous.get()}) {
    auto closed = client->WaitClosed(kWait);
    ASSERT_TRUE(closed.has_value());
    EXPECT_EQ(closed->code, 1001);
  }
}

TEST(Lifecycle, ConfigFileWithAnUnknownKeyIsRefusedNamingFileAndLine) {
  BrokerProcess scratch(BrokerOptions().WithoutTestClock());  // for its directory and binaries
  std::string path = scratch.dir() + "/bad.toml";
  std::ofstream(path) << "listen = \"127.0.0.1:0\"\nlisten_backlog = 5\n";
  std::string output;
  int rc = RunProgram({TETHER_BROKER_BIN, "--config", path, "--db", scratch.dir() + "/other.db"}, "", &output);
  EXPECT_EQ(rc, 2);
  EXPECT_NE(output.find("bad.toml:2"), std::string::npos) << output;
  EXPECT_NE(output.find("listen_backlog"), std::string::npos) << output;
}

TEST(Lifecycle, TestClockIsRefusedUnlessListeningOnLoopback) {
  BrokerProcess scratch(BrokerOptions().WithoutTestClock());
  std::string output;
  int rc = RunProgram({TETHER_BROKER_BIN, "--listen", "0.0.0.0:0", "--test-clock", "--db", scratch.dir() + "/x.db"},
                      "", &output);
  EXPECT_EQ(rc, 2);
  EXPECT_NE(output.find("loopback"), std::string::npos) << output;
}

TEST(Lifecycle, HelloTimeoutFlagOutsideOneMillisecondToTenYearsIsRefused) {
  BrokerProcess scratch(BrokerOptions().WithoutTestClock());
  for (const char* value : {"0", "-5", "315360000001", "99999999999999999999", "soon"}) {
    std::string output;
    int rc = RunProgram({TETHER_BROKER_BIN, "--hello-timeout-ms", value, "--db", scratch.dir() + "/x.db"}, "",
                        &output);
    EXPECT_NE(rc, 0) << value;
    EXPECT_NE(output.find("--hello-timeout-ms"), std::string::npos) << value << ": " << output;
  }
}

TEST(Lifecycle, ServesWssWithTheGivenCertificate) {
  BrokerProcess scratch(BrokerOptions().WithoutTestClock());
  std::string cert = scratch.dir() + "/cert.pem", key = scratch.dir() + "/key.pem", out;
  int made = RunProgram({"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                         "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=localhost",
                         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"},
                        "", &out);
  ASSERT_EQ(made, 0) << out;
  BrokerProcess broker(BrokerOptions().Args({"--tls-cert", cert, "--tls-key", key}));
  ASSERT_TRUE(broker.started());
  client::ConnectOptions options;
  options.url = broker.url("wss");
  options.ca_file = cert;
  auto client = client::BlockingClient::Connect(options, kWait);
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  EXPECT_TRUE((*client)->Hello(PasswordAuth(), kWait).ok());

  options.url = broker.url("ws");  // plain WebSocket to a TLS port does not get in
  auto plain = client::BlockingClient::Connect(options, 2s);
  EXPECT_FALSE(plain.ok());
}

}  // namespace
}  // namespace tether::e2e
