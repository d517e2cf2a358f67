// argon2id through libargon2's encoded (PHC) API.
#include "auth/password.h"

#include <argon2.h>

#include <vector>

#include "auth/secrets.h"

namespace tether::broker::auth {
namespace {

constexpr std::size_t kSaltBytes = 16;
constexpr std::size_t kHashBytes = 32;

}  // namespace

protocol::Result<std::string> HashPassword(std::string_view password, const PasswordCost& cost) {
  auto salt_hex = RandomHex(kSaltBytes);
  if (!salt_hex.ok()) return salt_hex.status();
  // The salt's hex text is as good a salt as its bytes; it keeps this function simple.
  const std::string& salt = *salt_hex;
  std::size_t encoded_len = argon2_encodedlen(cost.passes, cost.memory_kib, cost.lanes,
                                              static_cast<uint32_t>(salt.size()), kHashBytes,
                                              Argon2_id);
  std::vector<char> encoded(encoded_len);
  int rc = argon2id_hash_encoded(cost.passes, cost.memory_kib, cost.lanes, password.data(),
                                 password.size(), salt.data(), salt.size(), kHashBytes,
                                 encoded.data(), encoded.size());
  if (rc != ARGON2_OK) {
    return protocol::Status::Internal(std::string("password hashing failed: ") +
                                      argon2_error_message(rc));
  }
  return std::string(encoded.data());
}

bool VerifyPassword(std::string_view password, const std::string& phc_hash) {
  return argon2id_verify(phc_hash.c_str(), password.data(), password.size()) == ARGON2_OK;
}

const std::string& DecoyPasswordHash() {
  static const std::string kDecoy = [] {
    auto random = RandomHex();
    auto hash = HashPassword(random.ok() ? *random : std::string("decoy-password"));
    return hash.ok() ? *hash : std::string();
  }();
  return kDecoy;
}

}  // namespace tether::broker::auth
