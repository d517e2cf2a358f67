// TOTP (RFC 6238 over RFC 4226): 6 digits, 30-second steps, HMAC-SHA1 — what every
// authenticator app speaks. Secrets are 160 random bits, shown once as base32 and in an
// otpauth:// URI for a QR code.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "tether/protocol/status.h"

namespace tether::broker::auth {

// A new secret: base32 (RFC 4648, no padding) of 20 random bytes.
protocol::Result<std::string> NewTotpSecret();
// The 6-digit code for the step containing `unix_ms`; "" when the secret is not base32.
std::string TotpCode(std::string_view base32_secret, std::int64_t unix_ms);
// True when `code` is the code of the current step or of one step either side (clock
// skew), compared in constant time.
bool VerifyTotp(std::string_view base32_secret, std::string_view code, std::int64_t now_ms);
// The step (unix seconds / 30) whose code `code` is, among the current step and one either
// side, compared in constant time; nullopt when none matches or the input is malformed.
// RFC 6238 §5.2: a verifier must not accept the same code twice, so a caller that keeps
// the last accepted step per user refuses any step not greater than it.
std::optional<std::int64_t> MatchTotpStep(std::string_view base32_secret, std::string_view code,
                                          std::int64_t now_ms);
// otpauth://totp/<issuer>:<account>?secret=...&issuer=<issuer>&algorithm=SHA1&digits=6&period=30
// with issuer and account percent-encoded.
std::string TotpUri(std::string_view base32_secret, std::string_view account, std::string_view issuer = "Tether");

// RFC 4648 base32 (A–Z, 2–7) without padding. Decoding ignores case and refuses
// anything else: padding, spaces, an impossible length, non-zero trailing bits.
std::string Base32Encode(std::string_view bytes);
std::optional<std::string> Base32Decode(std::string_view text);

}  // namespace tether::broker::auth
