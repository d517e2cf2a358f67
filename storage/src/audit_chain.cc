// The audit hash chain: canonical encoding of an event and the chained SHA-256 (the exact
// definition is in audit_chain.h, written for an auditor who re-implements it).
#include "tether/storage/audit_chain.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <memory>
#include <optional>

#include "tether/protocol/codec.h"

namespace tether::storage {
namespace {

using protocol::Value;

constexpr std::size_t kSha256Bytes = 32;

struct DigestContextFree {
  void operator()(EVP_MD_CTX* context) const noexcept { EVP_MD_CTX_free(context); }
};
using DigestContext = std::unique_ptr<EVP_MD_CTX, DigestContextFree>;

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;  // upper case is refused: stored hashes are lower case, and one spelling only
}

// The 32 bytes a 64-digit lowercase hex hash spells; nullopt for anything else.
std::optional<std::array<std::uint8_t, kSha256Bytes>> ParseHash(std::string_view hex) {
  if (hex.size() != 2 * kSha256Bytes) return std::nullopt;
  std::array<std::uint8_t, kSha256Bytes> raw{};
  for (std::size_t i = 0; i < kSha256Bytes; ++i) {
    const int high = HexDigit(hex[2 * i]);
    const int low = HexDigit(hex[2 * i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    raw[i] = static_cast<std::uint8_t>(high << 4 | low);
  }
  return raw;
}

std::string ToHex(std::span<const std::uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(bytes.size() * 2);
  for (std::uint8_t b : bytes) {
    hex.push_back(kDigits[b >> 4]);
    hex.push_back(kDigits[b & 0x0f]);
  }
  return hex;
}

// SHA-256 over `first` then `second`, or nullopt if OpenSSL fails (out of memory).
std::optional<std::array<std::uint8_t, kSha256Bytes>> Sha256(std::span<const std::uint8_t> first,
                                                             std::span<const std::uint8_t> second) {
  DigestContext context(EVP_MD_CTX_new());
  std::array<std::uint8_t, kSha256Bytes> digest{};
  unsigned int length = 0;
  if (context == nullptr || EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr) != 1 ||
      EVP_DigestUpdate(context.get(), first.data(), first.size()) != 1 ||
      EVP_DigestUpdate(context.get(), second.data(), second.size()) != 1 ||
      EVP_DigestFinal_ex(context.get(), digest.data(), &length) != 1 || length != kSha256Bytes) {
    return std::nullopt;
  }
  return digest;
}

}  // namespace

Value CanonicalDetails(const Value& value) {
  if (value.is_array()) {
    Value::Array items;
    items.reserve(value.as_array().size());
    for (const Value& item : value.as_array()) items.push_back(CanonicalDetails(item));
    return Value(std::move(items));
  }
  if (!value.is_map()) return value;
  Value::Map entries;
  entries.reserve(value.as_map().size());
  for (const auto& [key, item] : value.as_map()) entries.emplace_back(key, CanonicalDetails(item));
  // std::string's < compares as unsigned char (char_traits<char>), i.e. bytewise like memcmp.
  std::stable_sort(entries.begin(), entries.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  return Value(std::move(entries));
}

std::vector<std::uint8_t> CanonicalAuditEncoding(const AuditEvent& event) {
  // The order of this array is the definition in audit_chain.h: never reorder.
  Value::Array fields;
  fields.reserve(12);
  fields.emplace_back(event.seq);
  fields.emplace_back(event.time);
  fields.emplace_back(event.chain);
  fields.emplace_back(event.actor_kind);
  fields.emplace_back(event.actor_id);
  fields.emplace_back(event.support);
  fields.emplace_back(event.action);
  fields.emplace_back(event.target);
  fields.emplace_back(event.session_id);
  fields.emplace_back(event.source);
  fields.emplace_back(event.outcome);
  fields.push_back(CanonicalDetails(event.details));
  return protocol::Encode(Value(std::move(fields)));
}

std::string ChainHash(std::string_view prev_hash_hex, std::span<const std::uint8_t> canonical) {
  std::array<std::uint8_t, kSha256Bytes> prev{};
  std::span<const std::uint8_t> prefix;  // empty for seq 1
  if (!prev_hash_hex.empty()) {
    auto parsed = ParseHash(prev_hash_hex);
    if (!parsed) return {};
    prev = *parsed;
    prefix = prev;
  }
  auto digest = Sha256(prefix, canonical);
  if (!digest) return {};
  return ToHex(*digest);
}

}  // namespace tether::storage
