// Password hashing with argon2id (libargon2), stored as a PHC string
// ("$argon2id$v=19$m=...,t=...,p=...$salt$hash") so parameters can be raised later
// without invalidating stored hashes.
//
// Hashing costs tens of milliseconds by design: never call these on the event loop
// (the broker runs them on the libuv thread pool).
#pragma once

#include <string>
#include <string_view>

#include "tether/protocol/status.h"

namespace tether::broker::auth {

// Cost parameters; the defaults follow OWASP's argon2id minimum (19 MiB, 2 passes).
struct PasswordCost {
  unsigned memory_kib = 19 * 1024;
  unsigned passes = 2;
  unsigned lanes = 1;
};

// Passwords shorter than this are refused when set (not when checked).
inline constexpr std::size_t kMinPasswordLength = 10;

protocol::Result<std::string> HashPassword(std::string_view password, const PasswordCost& cost = {});
// True when `password` matches the PHC string; false for a mismatch or a malformed hash.
bool VerifyPassword(std::string_view password, const std::string& phc_hash);
// A hash of a random password, checked against when a login names an unknown user so
// that the answer takes as long as for a known one (no user enumeration by timing).
const std::string& DecoyPasswordHash();

}  // namespace tether::broker::auth
