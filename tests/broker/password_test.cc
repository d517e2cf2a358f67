// Password hashing: argon2id PHC strings, salted, with a decoy for unknown users.
#include "auth/password.h"

#include <argon2.h>
#include <gtest/gtest.h>

#include <string>

namespace tether::broker::auth {
namespace {

// The cheapest cost libargon2 accepts: keeps these tests fast. The default cost is
// exercised once, through the decoy hash.
constexpr PasswordCost kCheap{/*memory_kib=*/8, /*passes=*/1, /*lanes=*/1};

std::string MustHash(std::string_view password, const PasswordCost& cost = kCheap) {
  auto hash = HashPassword(password, cost);
  EXPECT_TRUE(hash.ok()) << hash.status().ToString();
  return hash.ok() ? *hash : std::string();
}

TEST(Password, HashIsArgon2idPhcWithTheRequestedCost) {
  std::string hash = MustHash("correct horse battery");
  EXPECT_EQ(hash.rfind("$argon2id$v=19$m=8,t=1,p=1$", 0), 0u) << hash;
  EXPECT_EQ(hash.find("correct"), std::string::npos);
}

TEST(Password, HashVerifiesItsPassword) {
  std::string hash = MustHash("correct horse battery");
  EXPECT_TRUE(VerifyPassword("correct horse battery", hash));
}

TEST(Password, WrongPasswordFails) {
  std::string hash = MustHash("correct horse battery");
  EXPECT_FALSE(VerifyPassword("correct horse batterx", hash));
  EXPECT_FALSE(VerifyPassword("correct horse battery ", hash));
  EXPECT_FALSE(VerifyPassword("", hash));
}

TEST(Password, TwoHashesOfOnePasswordDifferBySalt) {
  std::string a = MustHash("correct horse battery");
  std::string b = MustHash("correct horse battery");
  EXPECT_NE(a, b);
  // Same parameters, different salt: the part after the parameters differs.
  EXPECT_NE(a.substr(a.rfind("p=1$")), b.substr(b.rfind("p=1$")));
  EXPECT_TRUE(VerifyPassword("correct horse battery", a));
  EXPECT_TRUE(VerifyPassword("correct horse battery", b));
}

TEST(Password, MalformedHashFails) {
  std::string good = MustHash("correct horse battery");
  ASSERT_TRUE(VerifyPassword("correct horse battery", good));
  std::string truncated = good.substr(0, good.size() / 2);
  std::string other_variant = good;
  other_variant.replace(0, 9, "$argon2i$");  // "$argon2id" -> "$argon2i$"
  std::string tampered = good;
  // A character inside the hash (the last one carries unused padding bits).
  char& c = tampered[tampered.size() - 10];
  c = c == 'A' ? 'B' : 'A';
  for (const std::string& bad :
       {std::string(), std::string("not a hash"), std::string("$argon2id$"), truncated,
        other_variant, tampered, good + "$extra"}) {
    EXPECT_FALSE(VerifyPassword("correct horse battery", bad)) << "'" << bad << "'";
  }
}

TEST(Password, DecoyHashIsAValidArgon2idPhcAtTheDefaultCost) {
  const std::string& decoy = DecoyPasswordHash();
  PasswordCost defaults;
  std::string prefix = "$argon2id$v=19$m=" + std::to_string(defaults.memory_kib) +
                       ",t=" + std::to_string(defaults.passes) +
                       ",p=" + std::to_string(defaults.lanes) + "$";
  EXPECT_EQ(decoy.rfind(prefix, 0), 0u) << decoy;
  // libargon2 decodes it and reports a mismatch, not a malformed string: checking against
  // it costs what checking a real hash costs.
  std::string guess = "decoy-password";
  EXPECT_EQ(argon2id_verify(decoy.c_str(), guess.data(), guess.size()), ARGON2_VERIFY_MISMATCH);
  EXPECT_FALSE(VerifyPassword(guess, decoy));
  // One decoy per process.
  EXPECT_EQ(&DecoyPasswordHash(), &decoy);
}

}  // namespace
}  // namespace tether::broker::auth
