// The audit hash chain: its canonical encoding and hash (pinned to hand-computed bytes so
// an auditor's re-implementation can be checked against them), appends through the SQLite
// store, and verification catching rows changed, removed or reordered in the file.
#include "tether/storage/audit_chain.h"

#include <gtest/gtest.h>

#include <cctype>

#include "storage_test_support.h"

namespace tether::storage {
namespace {

using testing::MakeEvent;
using testing::OpenOrDie;
using testing::RawDb;
using testing::TempDir;

std::vector<std::string> MapKeys(const Value& map) {
  std::vector<std::string> keys;
  for (const auto& [key, value] : map.as_map()) keys.push_back(key);
  return keys;
}

// A store on a file, with helpers to fill a chain and verify it from a fresh connection.
// Named like the suite so that tests read AuditChain.<behaviour>.
class AuditChain : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(dir_.ok());
    path_ = dir_.File("audit.db");
    store_ = OpenOrDie(path_);
    ASSERT_NE(store_, nullptr);
  }
  std::vector<AuditEvent> Append(std::int64_t chain, int count) {
    std::vector<AuditEvent> events;
    for (int i = 0; i < count; ++i) {
      AuditEvent event = MakeEvent(chain, "action." + std::to_string(i));
      event.details.Set("i", i);
      events.push_back(std::move(event));
    }
    Status status = store_->AppendAudit(events);
    EXPECT_TRUE(status.ok()) << status.ToString();
    return events;
  }
  AuditVerification VerifyFresh(std::int64_t chain) { return testing::VerifyFile(path_, chain); }

  TempDir dir_;
  std::string path_;
  std::unique_ptr<Store> store_;
};

TEST_F(AuditChain, CanonicalEncodingMatchesDocumentedBytes) {
  AuditEvent event;
  event.seq = 1;
  event.time = 1700000000000;
  event.chain = 2;
  event.actor_kind = "u";
  event.support = true;
  event.action = "a";
  event.outcome = "ok";
  event.details = Value::MapOf({{"b", 1}, {"a", -1}});
  event.prev_hash = "ignored";
  event.hash = "ignored";
  // Worked by hand from audit_chain.h: fixarray 12, uint 1, uint64 time, uint 2, "u", "",
  // true, "a", "", "", "", "ok", then the details map with its keys sorted.
  const std::vector<std::uint8_t> expected = {
      0x9c, 0x01, 0xcf, 0x00, 0x00, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x00, 0x02, 0xa1, 0x75, 0xa0, 0xc3,
      0xa1, 0x61, 0xa0, 0xa0, 0xa0, 0xa2, 0x6f, 0x6b, 0x82, 0xa1, 0x61, 0xff, 0xa1, 0x62, 0x01};
  EXPECT_EQ(CanonicalAuditEncoding(event), expected);
}

TEST_F(AuditChain, ChainHashMatchesIndependentSha256) {
  const std::vector<std::uint8_t> abc = {'a', 'b', 'c'};
  // SHA-256("abc"), FIPS 180-2 example: seq 1 hashes the canonical bytes alone.
  EXPECT_EQ(ChainHash("", abc), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // Computed with Python's hashlib: sha256(bytes.fromhex(prev) + canonical).
  const std::vector<std::uint8_t> canonical = {
      0x9c, 0x01, 0xcf, 0x00, 0x00, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x00, 0x02, 0xa1, 0x75, 0xa0, 0xc3,
      0xa1, 0x61, 0xa0, 0xa0, 0xa0, 0xa2, 0x6f, 0x6b, 0x82, 0xa1, 0x61, 0xff, 0xa1, 0x62, 0x01};
  const std::string first = ChainHash("", canonical);
  EXPECT_EQ(first, "6c2cf7ceec38d804e71001f14c4bfa288d7458aa41cfb53a9668dcb305fd6fe9");
  EXPECT_EQ(ChainHash(first, canonical), "25b7da486a93b5823824f415e55804a58045f706c434d3fc0539b5d54f1415d4");
}

// The worked example of PROTOCOL.md §8.5, which an auditor's verifier is checked against.
TEST_F(AuditChain, HashesTheWorkedExampleOfTheProtocol) {
  AuditEvent first;
  first.seq = 1;
  first.time = 1767225600000;
  first.chain = 1;
  first.actor_kind = "system";
  first.actor_id = "tetherctl";
  first.action = "org.create";
  first.target = "acme";
  first.outcome = "ok";
  first.details = Value::MapOf(
      {{"plan", "professional"}, {"seats", 10}, {"super_admin", "1"}, {"email", "admin@acme.example"}});
  const std::string first_hash = ChainHash("", CanonicalAuditEncoding(first));
  EXPECT_EQ(first_hash, "9ae22f315fe40d649c55286c9e4f781b220640e3e91f52b2d7cb83a68bbfd7a7");

  AuditEvent second;
  second.seq = 2;
  second.time = 1767225660000;
  second.chain = 1;
  second.actor_kind = "user";
  second.actor_id = "1";
  second.action = "auth.login";
  second.target = "1";
  second.source = "::ffff:127.0.0.1";
  second.outcome = "ok";
  second.details = Value::MapOf({{"kind", "password"}});
  EXPECT_EQ(ChainHash(first_hash, CanonicalAuditEncoding(second)),
            "45978a33b8d881a461d374eb1f8f89339bf9d34ee2b18c6937c65d1962da8996");
}

// Every msgpack form the definition names (each integer width of both signs, fixstr to
// str 32, bin, float 64, nil, bool, map 16 and array 16, maps unsorted at every depth),
// pinned by the hash of the canonical bytes as the first implementation and the Python
// reference verifier of PROTOCOL.md §8.5 computed them: a faster encoder must not change
// one byte of an existing chain.
TEST_F(AuditChain, CanonicalEncodingOfEveryFormIsPinned) {
  AuditEvent event;
  event.seq = 70000;                        // uint 32
  event.time = -5;                          // negative fixint
  event.chain = 300;                        // uint 16
  event.actor_kind = std::string(31, 'k');  // fixstr, longest
  event.actor_id = std::string(32, 'i');    // str 8
  event.support = false;
  event.action = std::string(256, 'a');     // str 16
  event.target = std::string(70000, 't');   // str 32
  event.session_id = "\xc3\xa9";
  event.source = "";
  event.outcome = "denied";
  Value::Array wide;
  for (int i = 0; i < 17; ++i) wide.emplace_back(i);  // array 16
  Value big_map = Value::MakeMap();
  for (int i = 20; i > 3; --i) big_map.Set("k" + std::to_string(i), i);  // map 16, reversed
  event.details = Value::MapOf({
      {"z", Value::MapOf({{"y", 1}, {"x", Value::MapOf({{"b", true}, {"a", nullptr}})}})},
      {"\xc3\xa9", Value(Value::Array{Value::MapOf({{"q", -1}, {"p", -33}}), -129, -40000,
                                      std::int64_t{-3000000000}, 127, 128, 255, 256, 65535,
                                      65536, std::uint64_t{4294967296}})},
      {"ab", Value(Value::Bytes{0, 1, 2})},
      {"a", 2.0},
      {"B", -0.5},
      {"wide", Value(std::move(wide))},
      {"big", std::move(big_map)},
      {"s8", std::string(40, 's')},
  });
  const std::vector<std::uint8_t> canonical = CanonicalAuditEncoding(event);
  EXPECT_EQ(canonical.size(), 70608u);
  EXPECT_EQ(ChainHash("", canonical), "bb0fbb9c450c47429baf9b2a7f898f536d53319dd210a19dd3518d17061502fb");
}

// The hasher the store appends with reuses its buffer: a short event after a long one must
// not hash any of the long one's bytes.
TEST_F(AuditChain, ChainHasherAgreesWithChainHashEventAfterEvent) {
  AuditEvent small = MakeEvent(1, "auth.login");
  AuditEvent large = MakeEvent(1, "user.invite");
  large.target = std::string(5000, 't');
  large.details.Set("z", Value::MapOf({{"b", 1}, {"a", 2}}));
  ChainHasher hasher;
  std::string prev;
  for (const AuditEvent* event : {&small, &large, &small, &large, &small}) {
    const std::string expected = ChainHash(prev, CanonicalAuditEncoding(*event));
    const std::string hashed = hasher.Hash(prev, *event);
    EXPECT_EQ(hashed, expected);
    ASSERT_EQ(hashed.size(), 64u);
    prev = hashed;
  }
  EXPECT_EQ(hasher.Hash(prev.substr(1), small), "");  // malformed prev_hash, as ChainHash
  EXPECT_EQ(hasher.Hash(prev, small), ChainHash(prev, CanonicalAuditEncoding(small)));
}

TEST_F(AuditChain, ChainHashRefusesMalformedPrevHash) {
  const std::vector<std::uint8_t> abc = {'a', 'b', 'c'};
  const std::string good = ChainHash("", abc);
  ASSERT_EQ(good.size(), 64u);
  EXPECT_EQ(ChainHash(good.substr(1), abc), "");
  EXPECT_EQ(ChainHash("zz" + good.substr(2), abc), "");
  std::string upper = good;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(ChainHash(upper, abc), "");
  EXPECT_EQ(ChainHash(good, abc).size(), 64u);
}

TEST_F(AuditChain, CanonicalDetailsSortsKeysBytewise) {
  const Value details = Value::MapOf({{"\xc3\xa9", 1}, {"ab", 2}, {"a", 3}, {"B", 4}});
  EXPECT_EQ(MapKeys(CanonicalDetails(details)), (std::vector<std::string>{"B", "a", "ab", "\xc3\xa9"}));
}

TEST_F(AuditChain, CanonicalEncodingIgnoresDetailKeyOrder) {
  AuditEvent one = MakeEvent(1, "user.invite");
  AuditEvent two = one;
  one.details = Value::MapOf({{"b", 1},
                              {"a", Value::MapOf({{"y", 1}, {"x", 2}})},
                              {"list", Value(Value::Array{Value::MapOf({{"q", 1}, {"p", 2}})})}});
  two.details = Value::MapOf({{"list", Value(Value::Array{Value::MapOf({{"p", 2}, {"q", 1}})})},
                              {"a", Value::MapOf({{"x", 2}, {"y", 1}})},
                              {"b", 1}});
  EXPECT_EQ(CanonicalAuditEncoding(one), CanonicalAuditEncoding(two));
  // Array order is meaning, not presentation: it must still count.
  two.details.Set("list", Value(Value::Array{1, 2}));
  one.details.Set("list", Value(Value::Array{2, 1}));
  EXPECT_NE(CanonicalAuditEncoding(one), CanonicalAuditEncoding(two));
}

TEST_F(AuditChain, CanonicalEncodingCoversEveryField) {
  const AuditEvent base = MakeEvent(1, "auth.login");
  const std::vector<std::uint8_t> original = CanonicalAuditEncoding(base);
  const std::vector<void (*)(AuditEvent&)> changes = {
      [](AuditEvent& e) { e.seq += 1; },          [](AuditEvent& e) { e.time += 1; },
      [](AuditEvent& e) { e.chain += 1; },        [](AuditEvent& e) { e.actor_kind += "x"; },
      [](AuditEvent& e) { e.actor_id += "x"; },   [](AuditEvent& e) { e.support = !e.support; },
      [](AuditEvent& e) { e.action += "x"; },     [](AuditEvent& e) { e.target += "x"; },
      [](AuditEvent& e) { e.session_id += "x"; }, [](AuditEvent& e) { e.source += "x"; },
      [](AuditEvent& e) { e.outcome += "x"; },    [](AuditEvent& e) { e.details.Set("n", 2); },
  };
  for (std::size_t i = 0; i < changes.size(); ++i) {
    AuditEvent changed = base;
    changes[i](changed);
    EXPECT_NE(CanonicalAuditEncoding(changed), original) << "change " << i << " is not covered";
  }
  AuditEvent hashes_only = base;
  hashes_only.prev_hash = "x";
  hashes_only.hash = "y";
  EXPECT_EQ(CanonicalAuditEncoding(hashes_only), original);
}

TEST_F(AuditChain, AppendNumbersAndLinksEvents) {
  std::vector<AuditEvent> events = Append(1, 3);
  ASSERT_EQ(events.size(), 3u);
  for (std::size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i].seq, i + 1);
    EXPECT_EQ(events[i].prev_hash, i == 0 ? "" : events[i - 1].hash);
    EXPECT_EQ(events[i].hash, ChainHash(events[i].prev_hash, CanonicalAuditEncoding(events[i])));
  }
  std::vector<AuditEvent> more = Append(1, 1);
  EXPECT_EQ(more[0].seq, 4u);
  EXPECT_EQ(more[0].prev_hash, events[2].hash);
}

TEST_F(AuditChain, ReadsBackEventsFromASeq) {
  std::vector<AuditEvent> appended = Append(1, 5);
  Result<std::vector<AuditEvent>> page = store_->ReadAudit(1, 2, 2);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ(page->size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    const AuditEvent& read = (*page)[i];
    const AuditEvent& wrote = appended[i + 1];
    EXPECT_EQ(read.seq, wrote.seq);
    EXPECT_EQ(read.chain, wrote.chain);
    EXPECT_EQ(read.time, wrote.time);
    EXPECT_EQ(read.actor_kind, wrote.actor_kind);
    EXPECT_EQ(read.actor_id, wrote.actor_id);
    EXPECT_EQ(read.support, wrote.support);
    EXPECT_EQ(read.action, wrote.action);
    EXPECT_EQ(read.target, wrote.target);
    EXPECT_EQ(read.session_id, wrote.session_id);
    EXPECT_EQ(read.source, wrote.source);
    EXPECT_EQ(read.outcome, wrote.outcome);
    EXPECT_EQ(read.details, wrote.details);  // key order as the caller built it
    EXPECT_EQ(read.prev_hash, wrote.prev_hash);
    EXPECT_EQ(read.hash, wrote.hash);
  }
  EXPECT_TRUE(store_->ReadAudit(1, 6, 10)->empty());
  EXPECT_TRUE(store_->ReadAudit(1, 1, 0)->empty());
  EXPECT_EQ(store_->ReadAudit(1, 0, 100)->size(), 5u);
}

TEST_F(AuditChain, ChainsAreIndependentPerOrganisation) {
  std::vector<AuditEvent> events = {MakeEvent(1, "a"), MakeEvent(2, "a"), MakeEvent(1, "b"),
                                    MakeEvent(kSystemChain, "auth.login"), MakeEvent(2, "b")};
  ASSERT_TRUE(store_->AppendAudit(events).ok());
  EXPECT_EQ(events[0].seq, 1u);
  EXPECT_EQ(events[1].seq, 1u);
  EXPECT_EQ(events[2].seq, 2u);
  EXPECT_EQ(events[3].seq, 1u);
  EXPECT_EQ(events[4].seq, 2u);
  EXPECT_EQ(events[1].prev_hash, "");
  EXPECT_EQ(events[4].prev_hash, events[1].hash);
  EXPECT_NE(events[0].hash, events[1].hash);  // same fields but the chain: a different hash

  Result<std::vector<std::int64_t>> chains = store_->AuditChains();
  ASSERT_TRUE(chains.ok());
  EXPECT_EQ(*chains, (std::vector<std::int64_t>{kSystemChain, 1, 2}));
  // Tampering with one organisation's chain leaves the others intact.
  RawDb(path_).Exec("UPDATE audit_events SET target = 'x' WHERE chain = 2 AND seq = 1");
  EXPECT_TRUE(VerifyFresh(1).ok);
  EXPECT_TRUE(VerifyFresh(kSystemChain).ok);
  EXPECT_FALSE(VerifyFresh(2).ok);
}

TEST_F(AuditChain, VerifyAcceptsIntactChain) {
  Append(1, 5);
  Append(1, 3);
  AuditVerification verification = VerifyFresh(1);
  EXPECT_TRUE(verification.ok) << verification.problem;
  EXPECT_EQ(verification.events_checked, 8u);
  EXPECT_EQ(verification.chain, 1);
  Result<AuditVerification> same_store = store_->VerifyAudit(1);
  ASSERT_TRUE(same_store.ok());
  EXPECT_TRUE(same_store->ok) << same_store->problem;
  AuditVerification empty = VerifyFresh(42);
  EXPECT_TRUE(empty.ok);
  EXPECT_EQ(empty.events_checked, 0u);
}

TEST_F(AuditChain, VerifyDetectsChangedRow) {
  Append(1, 5);
  RawDb(path_).Exec("UPDATE audit_events SET outcome = 'denied' WHERE chain = 1 AND seq = 3");
  AuditVerification verification = VerifyFresh(1);
  EXPECT_FALSE(verification.ok);
  EXPECT_EQ(verification.first_bad_seq, 3u);
  EXPECT_EQ(verification.problem, "hash mismatch at seq 3");
  EXPECT_EQ(verification.events_checked, 2u);
}

TEST_F(AuditChain, VerifyDetectsChangedDetails) {
  Append(1, 5);
  // {"x": "y"} in msgpack, in place of the original details of seq 4.
  RawDb(path_).Exec("UPDATE audit_events SET details = X'81a178a179' WHERE chain = 1 AND seq = 4");
  AuditVerification verification = VerifyFresh(1);
  EXPECT_FALSE(verification.ok);
  EXPECT_EQ(verification.first_bad_seq, 4u);
  EXPECT_EQ(verification.problem, "hash mismatch at seq 4");
}

TEST_F(AuditChain, VerifyDetectsRowRehashedInPlace) {
  std::vector<AuditEvent> events = Append(1, 5);
  // The attacker also rewrites the changed row's own hash: the next row's link breaks.
  AuditEvent forged = events[1];
  forged.outcome = "denied";
  const std::string forged_hash = ChainHash(forged.prev_hash, CanonicalAuditEncoding(forged));
  RawDb(path_).Exec("UPDATE audit_events SET outcome = 'denied', hash = '" + forged_hash +
                    "' WHERE chain = 1 AND seq = 2");
  AuditVerification verification = VerifyFresh(1);
  EXPECT_FALSE(verification.ok);
  EXPECT_EQ(verification.first_bad_seq, 3u);
  EXPECT_EQ(verification.problem, "prev_hash at seq 3 does not match the hash of seq 2");
}

TEST_F(AuditChain, VerifyDetectsDeletedRow) {
  Append(1, 5);
  RawDb(path_).Exec("DELETE FROM audit_events WHERE chain = 1 AND seq = 3");
  AuditVerification verification = VerifyFresh(1);
  EXPECT_FALSE(verification.ok);
  EXPECT_EQ(verification.first_bad_seq, 3u);
  EXPECT_EQ(verification.problem, "seq 3 missing");
}

TEST_F(AuditChain, VerifyDetectsDeletedFirstRow) {
  Append(1, 3);
  RawDb(path_).Exec("DELETE FROM audit_events WHERE chain = 1 AND seq = 1");
  AuditVerification verification = VerifyFresh(1);
  EXPECT_FALSE(verification.ok);
  EXPECT_EQ(verification.first_bad_seq, 1u);
  EXPECT_EQ(verification.problem, "seq 1 missing");
}

TEST_F(AuditChain, VerifyDetectsReorderedRows) {
  Append(1, 5);
  // Swap the rows at seq 2 and 3, each keeping its own hashes.
  RawDb(path_).Exec(
      "UPDATE audit_events SET seq = -2 WHERE chain = 1 AND seq = 2;"
      "UPDATE audit_events SET seq = 2 WHERE chain = 1 AND seq = 3;"
      "UPDATE audit_events SET seq = 3 WHERE chain = 1 AND seq = -2;");
  AuditVerification verification = VerifyFresh(1);
  EXPECT_FALSE(verification.ok);
  EXPECT_EQ(verification.first_bad_seq, 2u);
  EXPECT_EQ(verification.problem, "prev_hash at seq 2 does not match the hash of seq 1");
}

TEST_F(AuditChain, VerifyDetectsRemovedRowHiddenByRenumbering) {
  Append(1, 3);
  // Remove the first event and close the gap: seq is hashed, so the hashes no longer fit.
  RawDb(path_).Exec(
      "DELETE FROM audit_events WHERE chain = 1 AND seq = 1;"
      "UPDATE audit_events SET seq = 1, prev_hash = '' WHERE chain = 1 AND seq = 2;"
      "UPDATE audit_events SET seq = 2 WHERE chain = 1 AND seq = 3;");
  AuditVerification verification = VerifyFresh(1);
  EXPECT_FALSE(verification.ok);
  EXPECT_EQ(verification.first_bad_seq, 1u);
  EXPECT_EQ(verification.problem, "hash mismatch at seq 1");
}

TEST_F(AuditChain, VerifyDetectsRemovedNewestRowsByTheChainHead) {
  Append(1, 5);
  RawDb(path_).Exec("DELETE FROM audit_events WHERE chain = 1 AND seq >= 4");
  AuditVerification verification = VerifyFresh(1);
  EXPECT_FALSE(verification.ok);
  EXPECT_EQ(verification.first_bad_seq, 4u);
  EXPECT_EQ(verification.problem, "seq 4 missing (the chain head is at seq 5)");
  EXPECT_EQ(verification.head_seq, 5u);
}

TEST_F(AuditChain, AppendIsAllOrNothing) {
  Append(1, 1);
  RawDb(path_).Exec(
      "CREATE TRIGGER refuse_boom BEFORE INSERT ON audit_events WHEN NEW.action = 'boom' "
      "BEGIN SELECT RAISE(ABORT, 'boom refused'); END");
  std::vector<AuditEvent> batch = {MakeEvent(1, "fine"), MakeEvent(2, "fine"), MakeEvent(1, "boom")};
  Status status = store_->AppendAudit(batch);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), protocol::ErrorCode::kInternal);
  EXPECT_NE(status.message().find("boom refused"), std::string::npos) << status.message();
  for (const AuditEvent& event : batch) {
    EXPECT_EQ(event.seq, 0u);  // the caller's events are untouched on failure
    EXPECT_EQ(event.hash, "");
  }
  EXPECT_EQ(store_->ReadAudit(1, 0, 100)->size(), 1u);
  EXPECT_TRUE(store_->ReadAudit(2, 0, 100)->empty());

  // The next append continues from what is durable, not from the rolled-back batch.
  std::vector<AuditEvent> next = {MakeEvent(1, "after"), MakeEvent(2, "after")};
  ASSERT_TRUE(store_->AppendAudit(next).ok());
  EXPECT_EQ(next[0].seq, 2u);
  EXPECT_EQ(next[1].seq, 1u);
  EXPECT_TRUE(VerifyFresh(1).ok);
  EXPECT_TRUE(VerifyFresh(2).ok);
}

TEST_F(AuditChain, AppendRecoversAfterAnotherProcessExtendedTheChain) {
  std::unique_ptr<Store> other = OpenOrDie(path_);
  ASSERT_NE(other, nullptr);
  Append(1, 1);  // store_ now caches seq 1 as the tip
  std::vector<AuditEvent> theirs = {MakeEvent(1, "tetherctl")};
  ASSERT_TRUE(other->AppendAudit(theirs).ok());
  ASSERT_EQ(theirs[0].seq, 2u);

  std::vector<AuditEvent> ours = {MakeEvent(1, "broker")};
  Status stale = store_->AppendAudit(ours);  // the stale tip collides with seq 2 ...
  ASSERT_FALSE(stale.ok());
  EXPECT_NE(stale.message().find("already taken"), std::string::npos) << stale.message();
  ASSERT_TRUE(store_->AppendAudit(ours).ok());  // ... and is forgotten, so a retry works
  EXPECT_EQ(ours[0].seq, 3u);
  EXPECT_EQ(ours[0].prev_hash, theirs[0].hash);
  EXPECT_TRUE(VerifyFresh(1).ok);
}

}  // namespace
}  // namespace tether::storage
