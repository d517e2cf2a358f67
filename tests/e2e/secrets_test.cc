// End to end: no secret leaks (issue 9). A full scenario handles every kind of secret the
// broker issues or accepts — passwords, login tokens, invitation and reset tokens, the
// deployment key, device secrets (first and rotated), the support user's one-time
// password, a TOTP secret, an attended key — plus wrong and forged ones; then none of
// them may appear in the broker's log (at debug level), its /metrics, any error message
// it sent, or any audit event's details.
#include <gtest/gtest.h>

#include <chrono>

#include "access_helpers.h"
#include "auth/totp.h"
#include "raw_socket.h"

namespace tether::e2e {
namespace {

using protocol::ErrorCode;
using protocol::Value;

std::int64_t NowMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// Collects the secrets of the scenario and every error message the broker sent.
struct Witness {
  std::vector<std::pair<std::string, std::string>> secrets;  // what, value
  std::vector<std::string> errors;

  void Secret(const std::string& what, const std::string& value) {
    ASSERT_GE(value.size(), 8u) << what;
    secrets.push_back({what, value});
  }
  // The hello must fail; its message is kept.
  void RefusedHello(const BrokerProcess& broker, Value auth) {
    auto client = Connect(broker);
    auto hello = client->Hello(std::move(auth), kWait);
    EXPECT_FALSE(hello.ok());
    errors.push_back(hello.status().message());
  }
  void RefusedCall(client::BlockingClient& client, Value request) {
    auto reply = client.Call(std::move(request), kWait);
    EXPECT_FALSE(reply.ok());
    errors.push_back(reply.status().message());
  }
  void ExpectNoneIn(const std::string& where, const std::string& text) const {
    for (const auto& [what, value] : secrets) {
      EXPECT_EQ(text.find(value), std::string::npos) << what << " appears in " << where;
    }
  }
};

TEST(SecretLeaks, NoSecretAppearsInTheLogMetricsErrorsOrAuditDetails) {
  BrokerProcess broker(BrokerOptions().Config("log_level = \"debug\"\n"));
  Witness w;
  w.Secret("owner password", kOwnerPassword);
  Value login;
  auto owner = LoggedInOwner(broker, &login);
  w.Secret("owner token", login.Find("token")->as_string());

  // TOTP: enrol, confirm, log in with a code.
  std::string totp = Ok(*owner, Req({{"t", "auth.totp.enroll"}})).Find("secret")->as_string();
  w.Secret("TOTP secret", totp);
  Ok(*owner, Req({{"t", "auth.totp.confirm"}, {"otp", broker::auth::TotpCode(totp, NowMs())}}));
  Value with_otp = PasswordAuth();
  with_otp.Set("otp", broker::auth::TotpCode(totp, NowMs() + 30000));
  auto second = Connect(broker);
  auto second_login = second->Hello(with_otp, kWait);
  ASSERT_TRUE(second_login.ok()) << second_login.status().ToString();
  w.Secret("second token", second_login->Find("token")->as_string());

  // An invitation, accepted; a password reset, used; a password change.
  std::string invitation = InviteToken(*owner, "tech@acme.test", "technician");
  w.Secret("invitation token", invitation);
  w.Secret("member password", kMemberPassword);
  auto tech = Connect(broker);
  auto accepted = tech->Hello(Value::MapOf({{"kind", "invite"}, {"token", invitation}, {"name", "Tech"}, {"password", kMemberPassword}}), kWait);
  ASSERT_TRUE(accepted.ok());
  w.Secret("tech token", accepted->Find("token")->as_string());
  std::string tech_id = UserIdOf(*owner, "tech@acme.test");
  std::string reset = Ok(*owner, Req({{"t", "user.password_reset"}, {"user_id", tech_id}})).Find("token")->as_string();
  w.Secret("reset token", reset);
  const std::string reset_password = "reset-password-secret-1";
  w.Secret("reset password", reset_password);
  auto reset_login = Connect(broker)->Hello(Value::MapOf({{"kind", "reset"}, {"token", reset}, {"password", reset_password}}), kWait);
  ASSERT_TRUE(reset_login.ok()) << reset_login.status().ToString();
  w.Secret("reset login token", reset_login->Find("token")->as_string());
  auto tech2 = Connect(broker);
  ASSERT_TRUE(tech2->Hello(PasswordAuth(kOrg, "tech@acme.test", reset_password), kWait).ok());
  const std::string changed_password = "changed-password-secret-2";
  w.Secret("changed password", changed_password);
  Ok(*tech2, Req({{"t", "auth.password.change"}, {"old_password", reset_password}, {"new_password", changed_password}}));

  // A deployment key, a device enrolled, its secret used and rotated.
  std::string deploy = Ok(*owner, Req({{"t", "deploy_key.create"}, {"group_id", "0"}})).Find("deployment_key")->as_string();
  w.Secret("deployment key", deploy);
  auto device = Connect(broker);
  Value enrolled = *device->Hello(Value::MapOf({{"kind", "enroll"}, {"deployment_key", deploy}, {"name", "pc"}, {"os", "linux"}}), kWait);
  std::string device_id = enrolled.Find("device_id")->as_string();
  w.Secret("device secret", enrolled.Find("secret")->as_string());
  auto device_again = Connect(broker);
  ASSERT_TRUE(device_again->Hello(Value::MapOf({{"kind", "device"}, {"device_id", device_id}, {"secret", enrolled.Find("secret")->as_string()}}), kWait).ok());
  w.Secret("rotated device secret", Ok(*device_again, Req({{"t", "device.rotate_secret"}, {"device_id", device_id}})).Find("secret")->as_string());

  // Support access: the one-time password, used.
  Value grant = Ok(*owner, Req({{"t", "support_access.grant"}, {"until", NowMs() + 2 * 86400000ll}}));
  std::string support_password = grant.Find("password")->as_string();
  w.Secret("support password", support_password);
  auto support = Connect(broker);
  auto support_login = support->Hello(PasswordAuth(kOrg, grant.Find("user")->Find("email")->as_string(), support_password), kWait);
  ASSERT_TRUE(support_login.ok()) << support_login.status().ToString();
  w.Secret("support token", support_login->Find("token")->as_string());

  // An attended session: its key.
  Value created = Ok(*owner, Req({{"t", "session.create"}, {"mode", "attended"}}));
  w.Secret("attended key", created.Find("key")->as_string());
  auto customer = Connect(broker);
  ASSERT_TRUE(customer->Hello(Value::MapOf({{"kind", "session_key"}, {"key", created.Find("key")->as_string()}, {"name", "Customer"}}), kWait).ok());

  // Wrong and forged secrets: the refusals must not echo them.
  const std::string wrong_password = "wrong-password-secret-3";
  const std::string forged_token = std::string(32, 'c') + std::string(32, 'd');
  const std::string forged_dk = "dk_" + std::string(64, 'e');
  const std::string forged_secret = std::string(64, '9');
  const std::string short_password = "shortpw-9";  // under the 10-byte minimum
  for (const auto& [what, value] : std::vector<std::pair<std::string, std::string>>{
           {"wrong password", wrong_password}, {"forged token", forged_token}, {"forged deployment key", forged_dk},
           {"forged device secret", forged_secret}, {"short password", short_password}}) {
    w.Secret(what, value);
  }
  w.RefusedHello(broker, PasswordAuth(kOrg, "tech@acme.test", wrong_password));
  w.RefusedHello(broker, PasswordAuth("no-such-org", kOwnerEmail, wrong_password));
  w.RefusedHello(broker, TokenAuth(forged_token));
  w.RefusedHello(broker, Value::MapOf({{"kind", "invite"}, {"token", forged_token}, {"name", "X"}, {"password", wrong_password}}));
  w.RefusedHello(broker, Value::MapOf({{"kind", "reset"}, {"token", reset}, {"password", wrong_password}}));
  w.RefusedHello(broker, Value::MapOf({{"kind", "invite"}, {"token", invitation}, {"name", "X"}, {"password", short_password}}));
  w.RefusedHello(broker, Value::MapOf({{"kind", "enroll"}, {"deployment_key", forged_dk}, {"name", "pc"}, {"os", "linux"}}));
  w.RefusedHello(broker, Value::MapOf({{"kind", "device"}, {"device_id", device_id}, {"secret", forged_secret}}));
  w.RefusedHello(broker, Value::MapOf({{"kind", "session_key"}, {"key", created.Find("key")->as_string()}, {"name", "Replay"}}));
  w.RefusedHello(broker, PasswordAuth(kOrg, kOwnerEmail, kOwnerPassword));  // the TOTP code is missing
  w.RefusedCall(*tech2, Req({{"t", "auth.password.change"}, {"old_password", wrong_password}, {"new_password", "new-password-long-4"}}));
  w.RefusedCall(*tech2, Req({{"t", "auth.password.change"}, {"old_password", changed_password}, {"new_password", short_password}}));
  w.RefusedCall(*owner, Req({{"t", "auth.totp.disable"}, {"otp", "000000"}}));
  w.RefusedCall(*tech2, Req({{"t", "auth.totp.confirm"}, {"otp", totp}}));  // a secret where a code belongs

  // /metrics over plain HTTP.
  RawSocket http(broker.port());
  http.Write("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  std::string metrics = http.ReadUntil("\r\n\r\n\r\n", kWait);
  ASSERT_NE(metrics.find("tether_logins_failed_total"), std::string::npos) << metrics;

  owner.reset();
  ASSERT_EQ(broker.Stop(), 0);
  std::string log = broker.log();
  ASSERT_NE(log.find("login_refused"), std::string::npos) << "the log holds the scenario";
  w.ExpectNoneIn("the broker's log", log);
  w.ExpectNoneIn("/metrics", metrics);
  for (const std::string& error : w.errors) w.ExpectNoneIn("an error message (" + error + ")", error);
  for (std::int64_t chain : {0, 1}) {
    for (const AuditRow& row : ReadAuditChain(broker.db_path(), chain)) {
      w.ExpectNoneIn("the details of audit event " + row.action, row.details.ToJson() + row.actor_id);
    }
  }
  EXPECT_GE(w.secrets.size(), 20u);
  EXPECT_GE(w.errors.size(), 14u);
}

}  // namespace
}  // namespace tether::e2e
