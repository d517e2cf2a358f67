// Hostile and malformed control messages: each must come back as bad_request saying what
// was wrong, and none may make the decoder reserve memory for what it merely declares.
#include <sys/resource.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tether/protocol/codec.h"
#include "test_support.h"

#if defined(__SANITIZE_ADDRESS__)  // GCC
#define TETHER_ADDRESS_SANITIZER 1
#elif defined(__has_feature)  // clang
#if __has_feature(address_sanitizer)
#define TETHER_ADDRESS_SANITIZER 1
#endif
#endif
#if TETHER_ADDRESS_SANITIZER
#include <sanitizer/allocator_interface.h>
#endif

namespace tether::protocol {
namespace {

using testing::Bytes;
using testing::Cat;
using testing::Filler;
using testing::Hex;
using testing::Str;

struct MalformedCase {
  const char* name;
  Bytes bytes;
  const char* expected;       // a substring of the bad_request message
  DecodeLimits limits = {};
  bool control_only = false;  // valid msgpack, refused only as a control message
};

Bytes Nested(std::size_t levels, const Bytes& opener, const Bytes& innermost) {
  Bytes out;
  for (std::size_t i = 0; i < levels; ++i) out.insert(out.end(), opener.begin(), opener.end());
  out.insert(out.end(), innermost.begin(), innermost.end());
  return out;
}

DecodeLimits Limits(std::size_t array, std::size_t str, std::size_t bin) {
  DecodeLimits limits;
  limits.max_array_elements = array;
  limits.max_string_bytes = str;
  limits.max_binary_bytes = bin;
  return limits;
}

std::vector<MalformedCase> MalformedCases() {
  const Bytes t_x = Cat({Str("t"), Str("x")});
  return {
      {"empty", {}, "empty message"},
      {"never_used_byte_c1", Hex("c1"), "invalid msgpack byte"},
      {"c1_inside_a_map", Cat({Hex("81"), Str("t"), Hex("c1")}), "invalid msgpack byte"},
      {"truncated_map", Cat({Hex("82"), t_x}), "truncated msgpack"},
      {"truncated_str", Hex("a5 61 62"), "truncated msgpack"},
      {"truncated_str8_length", Hex("d9"), "truncated msgpack"},
      {"truncated_uint32", Hex("ce 00 01"), "truncated msgpack"},
      {"truncated_nested_array", Cat({Hex("81"), Str("a"), Hex("92 01")}), "truncated msgpack"},
      {"str32_declaring_4gib", Hex("db ff ff ff ff 61 62 63"), "truncated msgpack"},
      {"array32_declaring_100m", Hex("dd 05 f5 e1 00"),
       "array of 100000000 elements over the limit of 10000"},
      {"array32_declaring_4g", Hex("dd ff ff ff ff"), "array of 4294967295 elements"},
      {"map32_declaring_4g", Hex("df ff ff ff ff"),
       "map of 4294967295 entries over the limit of 1024"},
      {"map16_one_entry_over", Hex("de 04 01"), "map of 1025 entries over the limit of 1024"},
      {"array_over_custom_limit", Hex("93 01 02 03"), "array of 3 elements over the limit of 2",
       Limits(2, 1 << 20, 1 << 20)},
      {"string_over_default_limit", Str(std::string((1 << 20) + 1, 'x')),
       "string of 1048577 bytes over the limit of 1048576"},
      {"nested_string_over_limit", Cat({Hex("81"), Str("name"), Str("abcdefghi")}),
       "string of 9 bytes over the limit of 8", Limits(10000, 8, 1 << 20)},
      {"binary_over_limit", Cat({Hex("c4 05"), Filler(5)}), "binary of 5 bytes over the limit of 4",
       Limits(10000, 1 << 20, 4)},
      {"map_with_int_key", Hex("81 01 01"), "map keys must be strings, not an integer"},
      {"map_with_nil_key", Hex("81 c0 01"), "map keys must be strings, not nil"},
      {"map_with_array_key", Hex("81 90 01"), "map keys must be strings, not an array"},
      {"map_with_binary_key", Hex("81 c4 01 74 01"), "map keys must be strings, not binary"},
      {"duplicate_t", Cat({Hex("82"), t_x, Str("t"), Str("y")}), "duplicate map key 't'"},
      {"arrays_17_deep", Nested(17, Hex("91"), Hex("c0")), "nesting deeper than 16"},
      {"maps_17_deep", Nested(17, Cat({Hex("81"), Str("a")}), Hex("c0")),
       "nesting deeper than 16"},
      {"trailing_byte", Hex("80 00"), "trailing bytes after the message"},
      {"trailing_after_control", Cat({Hex("81"), t_x, Hex("c0")}),
       "trailing bytes after the message"},
      {"fixext1", Hex("d4 01 00"), "msgpack ext types are not allowed"},
      {"ext8_in_a_map", Cat({Hex("81"), Str("v"), Hex("c7 01 05 00")}),
       "msgpack ext types are not allowed"},
      {"timestamp_ext", Hex("d6 ff 00 00 00 00"), "msgpack ext types are not allowed"},
      {"t_missing", Cat({Hex("81"), Str("id"), Hex("01")}), "missing field 't'", {}, true},
      {"t_not_a_string", Cat({Hex("81"), Str("t"), Hex("01")}), "field 't' must be a string",
       {}, true},
      {"t_nil", Cat({Hex("81"), Str("t"), Hex("c0")}), "field 't' must be a string", {}, true},
      {"id_negative", Cat({Hex("82"), t_x, Str("id"), Hex("ff")}),
       "field 'id' must be an unsigned integer", {}, true},
      {"id_a_string", Cat({Hex("82"), t_x, Str("id"), Str("7")}),
       "field 'id' must be an unsigned integer", {}, true},
      {"id_a_float", Cat({Hex("82"), t_x, Str("id"), Hex("cb 3f f0 00 00 00 00 00 00")}),
       "field 'id' must be an unsigned integer", {}, true},
      {"control_is_an_array", Hex("91 01"), "a control message must be a map", {}, true},
      {"control_is_a_scalar", Hex("01"), "a control message must be a map", {}, true},
  };
}

TEST(DecodeMalformed, EveryCaseIsBadRequestSayingWhatWasWrong) {
  const auto cases = MalformedCases();
  ASSERT_GE(cases.size(), 25u);
  for (const MalformedCase& c : cases) {
    SCOPED_TRACE(c.name);
    const auto result = DecodeControl(c.bytes, nullptr, c.limits);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.status().code(), ErrorCode::kBadRequest);
    EXPECT_NE(result.status().message().find(c.expected), std::string::npos)
        << "message was: " << result.status().message();
  }
}

TEST(DecodeMalformed, DecoderRefusesTheSameWayOutsideControlMessages) {
  for (const MalformedCase& c : MalformedCases()) {
    if (c.control_only) continue;
    SCOPED_TRACE(c.name);
    const auto result = Decode(c.bytes, c.limits);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.status().code(), ErrorCode::kBadRequest);
    EXPECT_NE(result.status().message().find(c.expected), std::string::npos)
        << "message was: " << result.status().message();
  }
}

TEST(DecodeMalformed, ControlOnlyCasesAreValidMsgpack) {
  for (const MalformedCase& c : MalformedCases()) {
    if (!c.control_only) continue;
    SCOPED_TRACE(c.name);
    EXPECT_TRUE(Decode(c.bytes, c.limits).ok());
  }
}

TEST(DecodeMalformed, LimitsAreInclusive) {
  DecodeLimits limits = Limits(3, 4, 5);
  limits.max_map_entries = 2;
  limits.max_depth = 3;
  EXPECT_TRUE(Decode(Hex("93 01 02 03"), limits).ok());
  EXPECT_TRUE(Decode(Str("abcd"), limits).ok());
  EXPECT_TRUE(Decode(Cat({Hex("c4 05"), Filler(5)}), limits).ok());
  EXPECT_TRUE(Decode(Cat({Hex("82"), Str("a"), Hex("01"), Str("b"), Hex("02")}), limits).ok());
  EXPECT_TRUE(Decode(Nested(3, Hex("91"), Hex("c0")), limits).ok());
  EXPECT_FALSE(Decode(Nested(4, Hex("91"), Hex("c0")), limits).ok());
}

TEST(DecodeMalformed, DefaultLimitsAcceptSixteenLevelsAndTenThousandElements) {
  EXPECT_TRUE(Decode(Nested(16, Hex("91"), Hex("c0"))).ok());
  EXPECT_TRUE(Decode(Cat({Hex("dc 27 10"), Filler(10000, 0x01)})).ok());
  const auto over = Decode(Cat({Hex("dc 27 11"), Filler(10001, 0x01)}));
  ASSERT_FALSE(over.ok());
  EXPECT_NE(over.status().message().find("array of 10001 elements"), std::string::npos);
}

#if !TETHER_ADDRESS_SANITIZER
std::size_t VirtualMemoryBytes() {
  std::FILE* statm = std::fopen("/proc/self/statm", "r");
  unsigned long pages = 0;
  if (statm != nullptr) {
    if (std::fscanf(statm, "%lu", &pages) != 1) pages = 0;
    std::fclose(statm);
  }
  return pages * 4096;
}

// Runs in a forked child under an address-space cap 64 MiB above what it uses now: an
// attempt to reserve memory for the 100M declared elements (2.4 GB in msgpack-cxx's
// zone) would fail there and the decode would not report the limit.
int DecodeHugeArrayUnderMemoryCap() {
  const rlimit cap{VirtualMemoryBytes() + (64u << 20), VirtualMemoryBytes() + (64u << 20)};
  if (setrlimit(RLIMIT_AS, &cap) != 0) return 3;
  if (void* big = std::malloc(std::size_t{1} << 30)) {  // proves the cap is in force
    std::free(big);
    return 2;
  }
  const auto result = Decode(Hex("dd 05 f5 e1 00"));
  if (result.ok() || result.status().code() != ErrorCode::kBadRequest) return 1;
  return result.status().message().find("array of 100000000 elements") == std::string::npos;
}

TEST(DecodeMalformedDeathTest, HugeDeclaredArrayFailsWithoutReservingMemory) {
  EXPECT_EXIT(std::exit(DecodeHugeArrayUnderMemoryCap()), ::testing::ExitedWithCode(0), "");
}

#else
// AddressSanitizer serves malloc from address space it reserved at start-up, so the cap
// above does not bind (the test's own 1 GiB probe succeeds). Its allocation hook sees every
// request instead: no single one may come near what the 100M elements would take.
std::atomic<std::size_t> largest_allocation{0};

void RecordAllocation(const volatile void*, std::size_t size) {
  std::size_t seen = largest_allocation.load();
  while (size > seen && !largest_allocation.compare_exchange_weak(seen, size)) {}
}
void IgnoreFree(const volatile void*) {}

TEST(DecodeMalformed, HugeDeclaredArrayFailsWithoutReservingMemory) {
  ASSERT_NE(__sanitizer_install_malloc_and_free_hooks(RecordAllocation, IgnoreFree), 0);
  largest_allocation = 0;
  const auto result = Decode(Hex("dd 05 f5 e1 00"));
  const std::size_t largest = largest_allocation.load();
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("array of 100000000 elements"), std::string::npos);
  EXPECT_LT(largest, std::size_t{64} << 20) << "bytes allocated at once";
}
#endif

}  // namespace
}  // namespace tether::protocol
