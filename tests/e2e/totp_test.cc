// End to end: TOTP two-factor login with the injected clock (--test-clock), and the
// organisation's require_2fa policy.
#include <gtest/gtest.h>

#include <chrono>

#include "access_helpers.h"
#include "auth/totp.h"

namespace tether::e2e {
namespace {

using protocol::ErrorCode;
using protocol::Value;


// The broker's test clock is the wall clock plus what the test advanced it by.
struct BrokerTime {
  std::int64_t advanced_ms = 0;
  std::int64_t Now() const {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count() + advanced_ms;
  }
  std::string Code(const std::string& secret) const { return broker::auth::TotpCode(secret, Now()); }
};

Value PasswordWithOtp(const std::string& email, const std::string& password, const std::string& otp) {
  Value auth = PasswordAuth(kOrg, email, password);
  auth.Set("otp", otp);
  return auth;
}

TEST(Totp, EnrolledUserNeedsTheCurrentCodeAtEveryPasswordLogin) {
  BrokerProcess broker;
  BrokerTime time;
  auto owner = LoggedInOwner(broker);
  Value enrolled = Ok(*owner, Req({{"t", "auth.totp.enroll"}}));
  std::string secret = enrolled.Find("secret")->as_string();
  EXPECT_EQ(enrolled.Find("uri")->as_string().rfind("otpauth://totp/", 0), 0u);
  Refused(*owner, Req({{"t", "auth.totp.confirm"}, {"otp", "000000"}}), ErrorCode::kOtpRequired);
  Ok(*owner, Req({{"t", "auth.totp.confirm"}, {"otp", time.Code(secret)}}));

  auto no_code = Connect(broker);
  auto refused = no_code->Hello(PasswordAuth(), kWait);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), ErrorCode::kOtpRequired);
  EXPECT_EQ(no_code->WaitClosed(kWait)->code, 4401);

  // The code that confirmed enrolment is spent: log in with the next step's code.
  Ok(*owner, Req({{"t", "test.clock.advance"}, {"ms", 30 * 1000}}));
  time.advanced_ms += 30 * 1000;
  std::string old_code = time.Code(secret);
  auto with_code = Connect(broker);
  EXPECT_TRUE(with_code->Hello(PasswordWithOtp(kOwnerEmail, kOwnerPassword, old_code), kWait).ok());
  // A code works once (RFC 6238 section 5.2): the same code again is refused.
  auto replay = Connect(broker);
  auto replayed = replay->Hello(PasswordWithOtp(kOwnerEmail, kOwnerPassword, old_code), kWait);
  ASSERT_FALSE(replayed.ok());
  EXPECT_EQ(replayed.status().code(), ErrorCode::kOtpRequired);

  // An hour later the old code is worthless and the new one works.
  Ok(*with_code, Req({{"t", "test.clock.advance"}, {"ms", 3600 * 1000}}));
  time.advanced_ms += 3600 * 1000;
  auto stale = Connect(broker);
  auto stale_reply = stale->Hello(PasswordWithOtp(kOwnerEmail, kOwnerPassword, old_code), kWait);
  ASSERT_FALSE(stale_reply.ok());
  EXPECT_EQ(stale_reply.status().code(), ErrorCode::kOtpRequired);
  auto fresh = Connect(broker);
  EXPECT_TRUE(fresh->Hello(PasswordWithOtp(kOwnerEmail, kOwnerPassword, time.Code(secret)), kWait).ok());
}

TEST(Totp, WrongPasswordWithARightCodeStillSaysOnlyInvalidCredentials) {
  BrokerProcess broker;
  BrokerTime time;
  auto owner = LoggedInOwner(broker);
  std::string secret = Ok(*owner, Req({{"t", "auth.totp.enroll"}})).Find("secret")->as_string();
  Ok(*owner, Req({{"t", "auth.totp.confirm"}, {"otp", time.Code(secret)}}));
  auto client = Connect(broker);
  auto reply = client->Hello(PasswordWithOtp(kOwnerEmail, "wrong-password", time.Code(secret)), kWait);
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().code(), ErrorCode::kUnauthenticated);
}

TEST(Totp, RequiredByTheOrganisationAUserWithoutItMayOnlyEnrol) {
  BrokerProcess broker;
  BrokerTime time;
  auto owner = LoggedInOwner(broker);
  auto tech = InviteAndAccept(broker, *owner, "t@acme.test", "technician");
  Ok(*owner, Req({{"t", "org.update"}, {"preferences", Value::MapOf({{"require_2fa", true}})}}));
  auto login = Connect(broker);
  auto hello = login->Hello(PasswordAuth(kOrg, "t@acme.test", kMemberPassword), kWait);
  ASSERT_TRUE(hello.ok()) << hello.status().ToString();
  EXPECT_TRUE(hello->Find("totp_enrolment_required")->as_bool());
  Refused(*login, Req({{"t", "org.get"}}), ErrorCode::kOtpRequired);
  std::string secret = Ok(*login, Req({{"t", "auth.totp.enroll"}})).Find("secret")->as_string();
  Ok(*login, Req({{"t", "auth.totp.confirm"}, {"otp", time.Code(secret)}}));
  Ok(*login, Req({{"t", "org.get"}}));
  Refused(*login, Req({{"t", "auth.totp.disable"}, {"otp", time.Code(secret)}}), ErrorCode::kPermissionDenied);
}

TEST(Totp, OnlyTheSuperAdminSetsRequire2fa) {
  BrokerProcess broker;
  auto owner = LoggedInOwner(broker);
  auto admin = InviteAndAccept(broker, *owner, "adm@acme.test", "admin");
  Refused(*admin, Req({{"t", "org.update"}, {"preferences", Value::MapOf({{"require_2fa", true}})}}),
          ErrorCode::kPermissionDenied);
}

}  // namespace
}  // namespace tether::e2e
