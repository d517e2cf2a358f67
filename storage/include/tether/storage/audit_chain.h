// The definition of the audit hash chain (ARCHITECTURE.md "Audit: durable before
// confirmed"), in one place, so that the store, `tetherctl audit verify` and an outside
// auditor compute the same bytes. Changing anything here breaks every existing chain.
//
// Each organisation has its own chain (chain = organisation id; 0 is the system chain),
// and each event of a chain is hashed over the previous event's hash and its own
// canonical encoding:
//
//   canonical(e) = msgpack of the 12-element array
//       [seq, time, chain, actor_kind, actor_id, support, action, target,
//        session_id, source, outcome, canonical_details]
//     seq, time, chain  integers in their shortest msgpack form: a value >= 0 as positive
//                       fixint / uint 8 / 16 / 32 / 64, a negative one as negative fixint /
//                       int 8 / 16 / 32 / 64
//     support           bool (0xc3 true, 0xc2 false)
//     the seven strings str (fixstr / str 8 / 16 / 32), their bytes exactly as stored
//     canonical_details the event's details value with every map in it, at any depth and
//                       inside arrays too, re-ordered by key, keys compared as unsigned
//                       byte strings (a proper prefix sorts first); arrays keep their order;
//                       all other values as tether::protocol::Encode writes them
//                       (integers as above, str, bin, nil, bool; a double always as
//                       float 64, 0xcb, even when its value is integral)
//     The array header is 0x9c; every length is in its shortest msgpack form.
//
//   hash(e) = lowercase hex of SHA-256( P || canonical(e) )
//     where P is the 32 raw bytes that the previous event's hash (64 lowercase hex
//     digits) spells, and is empty for seq 1, whose prev_hash is "".
//
// A chain is intact when its seqs run 1, 2, 3, ... with no gap, seq 1 has prev_hash "",
// every other event's prev_hash equals the previous event's hash, and every hash is the
// one recomputed above. That detects a changed, removed or reordered row anywhere but at
// the end. The store adds what the links cannot show (PROTOCOL.md §8.6, §8.7): a chain
// head record checked against the newest row, and after retention a checkpoint the walk
// starts from. Rewriting rows and head together still needs an anchor kept outside the
// database (the head seq and hash that verification prints) to detect.
//
// Thread-safety: pure functions; a ChainHasher is used by one thread at a time.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tether/protocol/file_transfer.h"
#include "tether/protocol/value.h"
#include "tether/storage/store.h"

namespace tether::storage {

// `value` with every map in it sorted by key as described above; duplicate keys (which
// Value::Set never makes) keep their relative order.
protocol::Value CanonicalDetails(const protocol::Value& value);

// canonical(e) above. Uses every field of `event` except prev_hash and hash.
std::vector<std::uint8_t> CanonicalAuditEncoding(const AuditEvent& event);

// hash(e) above from the previous event's hash ("" for seq 1) and canonical(e). Returns
// "" when prev_hash_hex is neither empty nor 64 lowercase hex digits: "" never equals a
// stored hash, so a verifier reports the mismatch.
std::string ChainHash(std::string_view prev_hash_hex, std::span<const std::uint8_t> canonical);

// hash(e) of event after event with one buffer and one SHA-256 context: appending or
// verifying a chain then allocates nothing per event but the hash it returns. The same
// result as ChainHash(prev_hash_hex, CanonicalAuditEncoding(event)), "" included.
class ChainHasher {
 public:
  std::string Hash(std::string_view prev_hash_hex, const AuditEvent& event);

 private:
  std::vector<std::uint8_t> canonical_;
  protocol::Sha256 sha256_;
  // The hash this hasher returned last, in both spellings: the next event of a chain links
  // to it, and comparing 64 digits is cheaper than decoding them again.
  std::string last_hex_;
  protocol::Sha256::Digest last_digest_{};
};

}  // namespace tether::storage
