// Secrets: random hex tokens, SHA-256 of their stored form, constant-time comparison.
#include "auth/secrets.h"

#include <gtest/gtest.h>

#include <string>

namespace tether::broker::auth {
namespace {

bool IsLowercaseHex(const std::string& s) {
  return s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

TEST(Secrets, RandomHexOf32BytesIs64LowercaseHexChars) {
  auto token = RandomHex(32);
  ASSERT_TRUE(token.ok()) << token.status().ToString();
  EXPECT_EQ(token->size(), 64u);
  EXPECT_TRUE(IsLowercaseHex(*token)) << *token;
}

TEST(Secrets, RandomHexDefaultsTo32Bytes) {
  auto token = RandomHex();
  ASSERT_TRUE(token.ok());
  EXPECT_EQ(token->size(), 64u);
}

TEST(Secrets, RandomHexLengthFollowsByteCount) {
  for (std::size_t bytes : {1u, 9u, 16u}) {
    auto token = RandomHex(bytes);
    ASSERT_TRUE(token.ok());
    EXPECT_EQ(token->size(), 2 * bytes);
    EXPECT_TRUE(IsLowercaseHex(*token));
  }
}

TEST(Secrets, TwoRandomHexCallsDiffer) {
  auto a = RandomHex(32);
  auto b = RandomHex(32);
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(b.ok());
  EXPECT_NE(*a, *b);
}

TEST(Secrets, Sha256HexMatchesKnownVectors) {
  // FIPS 180-2 "abc" and the empty string.
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Secrets, Sha256HexHandlesEmbeddedNul) {
  std::string with_nul("a\0b", 3);
  EXPECT_NE(Sha256Hex(with_nul), Sha256Hex("a"));
  EXPECT_EQ(Sha256Hex(with_nul).size(), 64u);
}

TEST(Secrets, ConstantTimeEqualsComparesContentAndLength) {
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_TRUE(ConstantTimeEquals("secret", "secret"));
  EXPECT_FALSE(ConstantTimeEquals("secret", "secreT"));
  EXPECT_FALSE(ConstantTimeEquals("secret", "Secret"));
  EXPECT_FALSE(ConstantTimeEquals("secret", "secret!"));
  EXPECT_FALSE(ConstantTimeEquals("secret", "secre"));
  EXPECT_FALSE(ConstantTimeEquals("", "x"));
  EXPECT_FALSE(ConstantTimeEquals(std::string("a\0b", 3), std::string("a\0c", 3)));
}

}  // namespace
}  // namespace tether::broker::auth
