// The audit hash chain: canonical encoding of an event and the chained SHA-256 (the exact
// definition is in audit_chain.h, written for an auditor who re-implements it).
#include "tether/storage/audit_chain.h"

#include <algorithm>
#include <array>
#include <optional>

#include "tether/protocol/codec.h"

namespace tether::storage {
namespace {

using protocol::Value;

constexpr std::size_t kSha256Bytes = protocol::Sha256::kBytes;

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

// SHA-256(P || canonical) with `sha256` (fresh or just finished), P being `prev` (empty
// for seq 1).
protocol::Sha256::Digest LinkedDigest(protocol::Sha256& sha256, std::span<const std::uint8_t> prev,
                                      std::span<const std::uint8_t> canonical) {
  sha256.Update(prev);
  sha256.Update(canonical);
  return sha256.Finish();
}

// canonical(e), appended to `out`. Written field by field, not through a Value, so that
// no string is copied: this runs once per event on the storage thread.
void AppendCanonicalAuditEncoding(std::vector<std::uint8_t>& out, const AuditEvent& event) {
  protocol::MsgpackWriter writer(out);
  // The order of this array is the definition in audit_chain.h: never reorder.
  writer.ArrayHeader(12);
  writer.Uint(event.seq);
  writer.Int(event.time);
  writer.Int(event.chain);
  writer.Str(event.actor_kind);
  writer.Str(event.actor_id);
  writer.Bool(event.support);
  writer.Str(event.action);
  writer.Str(event.target);
  writer.Str(event.session_id);
  writer.Str(event.source);
  writer.Str(event.outcome);
  writer.Write(event.details, protocol::MapOrder::kSortedKeys);
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
  std::vector<std::uint8_t> out;
  AppendCanonicalAuditEncoding(out, event);
  return out;
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
  protocol::Sha256 sha256;
  return protocol::ToHex(LinkedDigest(sha256, prefix, canonical));
}

std::string ChainHasher::Hash(std::string_view prev_hash_hex, const AuditEvent& event) {
  std::span<const std::uint8_t> prefix;  // empty for seq 1
  if (!prev_hash_hex.empty()) {
    if (prev_hash_hex != last_hex_) {
      auto parsed = ParseHash(prev_hash_hex);
      if (!parsed) return {};
      last_digest_ = *parsed;
      last_hex_.assign(prev_hash_hex);
    }
    prefix = last_digest_;
  }
  canonical_.clear();  // keeps its capacity: no allocation once it has held the largest event
  AppendCanonicalAuditEncoding(canonical_, event);
  last_digest_ = LinkedDigest(sha256_, prefix, canonical_);
  std::string hex = protocol::ToHex(last_digest_);
  last_hex_.assign(hex);  // into its own buffer: no allocation
  return hex;
}

}  // namespace tether::storage
