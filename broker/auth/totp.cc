// TOTP with OpenSSL's HMAC-SHA1 and RAND_bytes; base32 and the otpauth URI by hand.
#include "auth/totp.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <array>

namespace tether::broker::auth {
namespace {

constexpr std::string_view kBase32Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
constexpr std::int64_t kStepMs = 30'000;  // RFC 6238 X = 30 s, T0 = 0
constexpr int kDigits = 6;
constexpr std::size_t kSecretBytes = 20;  // 160 bits, RFC 4226 §4's recommendation

// 0..31, or -1 for a character outside the alphabet (either case).
int Base32Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a';
  if (c >= '2' && c <= '7') return c - '2' + 26;
  return -1;
}

// RFC 4226 §5.3: HOTP of an 8-byte big-endian counter, dynamically truncated.
std::string Hotp(const std::string& key, std::uint64_t counter) {
  std::array<unsigned char, 8> message{};
  for (int i = 7; i >= 0; --i) {
    message[static_cast<std::size_t>(i)] = static_cast<unsigned char>(counter & 0xff);
    counter >>= 8;
  }
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_size = 0;
  if (HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()), message.data(), message.size(),
           mac, &mac_size) == nullptr ||
      mac_size != 20) {
    return "";
  }
  std::size_t offset = mac[19] & 0x0f;
  std::uint32_t binary = (static_cast<std::uint32_t>(mac[offset] & 0x7f) << 24) |
                         (static_cast<std::uint32_t>(mac[offset + 1]) << 16) |
                         (static_cast<std::uint32_t>(mac[offset + 2]) << 8) |
                         static_cast<std::uint32_t>(mac[offset + 3]);
  std::string code(kDigits, '0');
  for (int i = kDigits - 1; i >= 0; --i) {
    code[static_cast<std::size_t>(i)] = static_cast<char>('0' + binary % 10);
    binary /= 10;
  }
  return code;
}

// The key of a secret: nullopt when it is not base32 or is empty (an empty key would
// make codes anyone can compute).
std::optional<std::string> Key(std::string_view base32_secret) {
  std::optional<std::string> key = Base32Decode(base32_secret);
  if (!key || key->empty()) return std::nullopt;
  return key;
}

bool IsSixDigits(std::string_view code) {
  if (code.size() != static_cast<std::size_t>(kDigits)) return false;
  for (char c : code) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// RFC 3986: everything but the unreserved characters is percent-encoded, so an account
// or issuer holding ':', '&', '?', '#', '/' or a space cannot change the URI's structure.
std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0x0f]);
    }
  }
  return out;
}

}  // namespace

std::string Base32Encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() * 8 + 4) / 5);
  std::uint32_t buffer = 0;
  int bits = 0;
  for (char c : bytes) {
    buffer = (buffer << 8) | static_cast<unsigned char>(c);
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out.push_back(kBase32Alphabet[(buffer >> bits) & 0x1f]);
    }
  }
  if (bits > 0) out.push_back(kBase32Alphabet[(buffer << (5 - bits)) & 0x1f]);
  return out;
}

std::optional<std::string> Base32Decode(std::string_view text) {
  // Lengths that end mid-character (1, 3 or 6 characters past a multiple of 8) come from
  // no byte string.
  std::size_t tail = text.size() % 8;
  if (tail == 1 || tail == 3 || tail == 6) return std::nullopt;
  std::string out;
  out.reserve(text.size() * 5 / 8);
  std::uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    int value = Base32Value(c);
    if (value < 0) return std::nullopt;
    buffer = (buffer << 5) | static_cast<std::uint32_t>(value);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xff));
    }
  }
  // The leftover bits pad the last character; an encoder writes them as zero.
  if ((buffer & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

protocol::Result<std::string> NewTotpSecret() {
  std::array<unsigned char, kSecretBytes> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    return protocol::Status::Internal("the random number generator failed");
  }
  std::string secret =
      Base32Encode(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  OPENSSL_cleanse(bytes.data(), bytes.size());
  return secret;
}

std::string TotpCode(std::string_view base32_secret, std::int64_t unix_ms) {
  if (unix_ms < 0) return "";  // before T0: no step
  std::optional<std::string> key = Key(base32_secret);
  if (!key) return "";
  std::string code = Hotp(*key, static_cast<std::uint64_t>(unix_ms / kStepMs));
  OPENSSL_cleanse(key->data(), key->size());
  return code;
}

std::optional<std::int64_t> MatchTotpStep(std::string_view base32_secret, std::string_view code,
                                          std::int64_t now_ms) {
  if (now_ms < 0 || !IsSixDigits(code)) return std::nullopt;
  std::optional<std::string> key = Key(base32_secret);
  if (!key) return std::nullopt;
  std::int64_t now_step = now_ms / kStepMs;
  // Every candidate is computed and compared, so the time taken does not say which
  // step (if any) matched.
  std::optional<std::int64_t> matched;
  for (std::int64_t step = now_step - 1; step <= now_step + 1; ++step) {
    if (step < 0) continue;
    std::string expected = Hotp(*key, static_cast<std::uint64_t>(step));
    bool equal = expected.size() == code.size() &&
                 CRYPTO_memcmp(expected.data(), code.data(), code.size()) == 0;
    if (equal && !matched) matched = step;
  }
  OPENSSL_cleanse(key->data(), key->size());
  return matched;
}

bool VerifyTotp(std::string_view base32_secret, std::string_view code, std::int64_t now_ms) {
  return MatchTotpStep(base32_secret, code, now_ms).has_value();
}

std::string TotpUri(std::string_view base32_secret, std::string_view account, std::string_view issuer) {
  std::string encoded_issuer = PercentEncode(issuer);
  return "otpauth://totp/" + encoded_issuer + ":" + PercentEncode(account) +
         "?secret=" + std::string(base32_secret) + "&issuer=" + encoded_issuer +
         "&algorithm=SHA1&digits=" + std::to_string(kDigits) +
         "&period=" + std::to_string(kStepMs / 1000);
}

}  // namespace tether::broker::auth
