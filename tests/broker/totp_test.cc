// TOTP against RFC 6238 Appendix B (SHA1 column, the last 6 of its 8 digits), the ±1 step
// window, malformed input, base32 (RFC 4648 §10 vectors) and the otpauth URI.
#include "auth/totp.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <set>
#include <string>

namespace tether::broker::auth {
namespace {

// base32 of the ASCII secret "12345678901234567890" of RFC 6238 Appendix B.
constexpr std::string_view kRfcSecret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

struct Vector {
  std::int64_t unix_seconds;
  const char* code;  // RFC 6238's 8-digit TOTP, last 6 digits
};

constexpr Vector kRfc6238Sha1[] = {
    {59, "287082"},          {1111111109, "081804"}, {1111111111, "050471"},
    {1234567890, "005924"},  {2000000000, "279037"}, {20000000000, "353130"},
};

TEST(Totp, SecretOfTheRfcIsItsAsciiInBase32) {
  EXPECT_EQ(Base32Encode("12345678901234567890"), kRfcSecret);
  EXPECT_EQ(Base32Decode(kRfcSecret), "12345678901234567890");
}

TEST(Totp, Rfc6238AppendixBSha1Vectors) {
  for (const Vector& v : kRfc6238Sha1) {
    EXPECT_EQ(TotpCode(kRfcSecret, v.unix_seconds * 1000), v.code) << "T = " << v.unix_seconds;
    EXPECT_TRUE(VerifyTotp(kRfcSecret, v.code, v.unix_seconds * 1000)) << "T = " << v.unix_seconds;
  }
}

TEST(Totp, LowercaseSecretGivesTheSameCodes) {
  EXPECT_EQ(TotpCode("gezdgnbvgy3tqojqgezdgnbvgy3tqojq", 59'000), "287082");
}

TEST(Totp, CodeIsTheSameThroughoutItsStep) {
  // Step 37037036 runs from 1111111080 s to 1111111109.999 s.
  EXPECT_EQ(TotpCode(kRfcSecret, 1111111080'000), "081804");
  EXPECT_EQ(TotpCode(kRfcSecret, 1111111109'999), "081804");
  EXPECT_NE(TotpCode(kRfcSecret, 1111111110'000), "081804");
}

// The code of step S (1111111080 s .. 1111111109.999 s) is accepted during S-1, S and S+1.
TEST(Totp, OneStepEitherSideIsAccepted) {
  const std::string code = "081804";
  const std::int64_t step = 1111111080'000 / 30'000;
  EXPECT_EQ(MatchTotpStep(kRfcSecret, code, 1111111095'000), step);
  EXPECT_EQ(MatchTotpStep(kRfcSecret, code, 1111111110'000), step);   // S+1, first ms
  EXPECT_EQ(MatchTotpStep(kRfcSecret, code, 1111111139'999), step);   // S+1, last ms
  EXPECT_EQ(MatchTotpStep(kRfcSecret, code, 1111111079'999), step);   // S-1, last ms
  EXPECT_EQ(MatchTotpStep(kRfcSecret, code, 1111111050'000), step);   // S-1, first ms
}

TEST(Totp, TwoStepsAwayIsRefused) {
  const std::string code = "081804";
  EXPECT_FALSE(VerifyTotp(kRfcSecret, code, 1111111140'000));  // S+2
  EXPECT_FALSE(VerifyTotp(kRfcSecret, code, 1111111049'999));  // S-2
  EXPECT_FALSE(MatchTotpStep(kRfcSecret, code, 1111111140'000).has_value());
}

TEST(Totp, WrongCodeIsRefused) {
  const std::int64_t now = 1234567890'000;
  std::set<std::string> window = {TotpCode(kRfcSecret, now - 30'000), TotpCode(kRfcSecret, now),
                                  TotpCode(kRfcSecret, now + 30'000)};
  int tried = 0;
  for (int n = 0; n < 1'000'000 && tried < 20; n += 99'991) {
    std::string code = std::to_string(1'000'000 + n).substr(1);
    if (window.count(code) != 0) continue;
    EXPECT_FALSE(VerifyTotp(kRfcSecret, code, now)) << code;
    ++tried;
  }
  EXPECT_GT(tried, 5);
  // The right code under another secret is wrong too.
  EXPECT_FALSE(VerifyTotp("MZXW6YTBOI", "005924", now));
}

TEST(Totp, CodeThatIsNotSixDigitsIsRefused) {
  const std::int64_t now = 59'000;
  for (std::string_view code : {"", "28708", "2870820", "94287082", " 287082", "287082 ", "28708a",
                                "２87082", "+87082", "-87082"}) {
    EXPECT_FALSE(VerifyTotp(kRfcSecret, code, now)) << "'" << code << "'";
  }
  EXPECT_TRUE(VerifyTotp(kRfcSecret, "287082", now));
}

TEST(Totp, SecretThatIsNotBase32GivesNoCodeAndVerifiesNothing) {
  for (std::string_view secret : {"", "GEZDGNBV1", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ====",
                                  "GEZD GNBV", "GEZDGNBVG", "GEZDGNBVGY3TQOJ8"}) {
    EXPECT_EQ(TotpCode(secret, 59'000), "") << "'" << secret << "'";
    EXPECT_FALSE(VerifyTotp(secret, "287082", 59'000)) << "'" << secret << "'";
    EXPECT_FALSE(VerifyTotp(secret, "000000", 59'000)) << "'" << secret << "'";
  }
}

TEST(Totp, TimeBeforeTheEpochHasNoCode) {
  EXPECT_EQ(TotpCode(kRfcSecret, -1), "");
  EXPECT_FALSE(VerifyTotp(kRfcSecret, "287082", -30'000));
  // In step 0 there is no step -1 to look at, but step 0 itself is accepted.
  std::string step0 = TotpCode(kRfcSecret, 0);
  ASSERT_EQ(step0.size(), 6u);
  EXPECT_EQ(MatchTotpStep(kRfcSecret, step0, 10'000), 0);
}

TEST(Totp, NewSecretIs160RandomBitsInBase32) {
  auto a = NewTotpSecret();
  auto b = NewTotpSecret();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->size(), 32u);
  EXPECT_NE(*a, *b);
  auto bytes = Base32Decode(*a);
  ASSERT_TRUE(bytes.has_value());
  EXPECT_EQ(bytes->size(), 20u);
  EXPECT_EQ(TotpCode(*a, 1'700'000'000'000).size(), 6u);
}

// RFC 4648 §10, without the padding.
TEST(Base32, Rfc4648Vectors) {
  const std::pair<std::string_view, std::string_view> kVectors[] = {
      {"", ""},           {"f", "MY"},           {"fo", "MZXQ"},        {"foo", "MZXW6"},
      {"foob", "MZXW6YQ"}, {"fooba", "MZXW6YTB"}, {"foobar", "MZXW6YTBOI"}};
  for (const auto& [plain, encoded] : kVectors) {
    EXPECT_EQ(Base32Encode(plain), encoded) << plain;
    EXPECT_EQ(Base32Decode(encoded), std::string(plain)) << encoded;
  }
}

TEST(Base32, DecodeIgnoresCase) {
  EXPECT_EQ(Base32Decode("mzxw6ytboi"), "foobar");
  EXPECT_EQ(Base32Decode("MzXw6YtBoI"), "foobar");
}

TEST(Base32, RefusesWhatNoEncoderWrites) {
  for (std::string_view text : {"MY======", "M", "MZX", "MZXW6Y", "M3", "MZXW6YTBO1", "MZXW6YTB0I",
                                "MZ XW", "MZ-X", "MZXW6YTBOI\n"}) {
    EXPECT_FALSE(Base32Decode(text).has_value()) << "'" << text << "'";
  }
}

TEST(Base32, RoundTripsEveryByte) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  for (std::size_t n = 0; n <= all.size(); n += 37) {
    std::string part = all.substr(0, n);
    EXPECT_EQ(Base32Decode(Base32Encode(part)), part) << n;
  }
}

TEST(TotpUri, HoldsSecretIssuerAndParameters) {
  EXPECT_EQ(TotpUri(kRfcSecret, "alice@example.com"),
            "otpauth://totp/Tether:alice%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
            "&issuer=Tether&algorithm=SHA1&digits=6&period=30");
}

// Nothing in the account or issuer can add a parameter, end the label or start a fragment.
TEST(TotpUri, PercentEncodesIssuerAndAccount) {
  EXPECT_EQ(TotpUri("MY", "a:b&secret=X#y?z/w", "Acme Support & Co"),
            "otpauth://totp/Acme%20Support%20%26%20Co:a%3Ab%26secret%3DX%23y%3Fz%2Fw"
            "?secret=MY&issuer=Acme%20Support%20%26%20Co&algorithm=SHA1&digits=6&period=30");
  EXPECT_EQ(TotpUri("MY", "zoë+1@x.org", "T%"),
            "otpauth://totp/T%25:zo%C3%AB%2B1%40x.org?secret=MY&issuer=T%25&algorithm=SHA1"
            "&digits=6&period=30");
  // Unreserved characters stay as they are.
  EXPECT_EQ(TotpUri("MY", "A-z_0.9~", "Tether"),
            "otpauth://totp/Tether:A-z_0.9~?secret=MY&issuer=Tether&algorithm=SHA1&digits=6&period=30");
}

}  // namespace
}  // namespace tether::broker::auth
