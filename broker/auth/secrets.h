// Secrets: random tokens and their stored form. A token or device secret is 256 bits from
// the OS CSPRNG, shown once; only its SHA-256 is stored, so a copy of the database
// lets no one log in.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "tether/protocol/status.h"

namespace tether::broker::auth {

// `bytes` random bytes as lowercase hex (64 characters for the default 32 bytes).
protocol::Result<std::string> RandomHex(std::size_t bytes = 32);
// Lowercase hex SHA-256 of `text`.
std::string Sha256Hex(std::string_view text);
// Constant-time comparison of two strings of equal length (false when lengths differ).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace tether::broker::auth
