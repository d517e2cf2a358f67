// audit.query's storage: each filter, newest first, cursor paging.
#include <gtest/gtest.h>

#include "storage_test_support.h"

namespace tether::storage {
namespace {

class AuditQueryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = OpenSqliteStore(":memory:");
    ASSERT_TRUE(opened.ok());
    store_ = std::move(opened).value();
    std::vector<AuditEvent> events;
    for (int i = 1; i <= 10; ++i) {
      AuditEvent e;
      e.chain = 1;
      e.time = 1000 * i;
      e.actor_kind = "user";
      e.actor_id = i % 2 ? "7" : "8";
      e.support = i == 4;
      e.action = i <= 5 ? "session.created" : "user.invite";
      e.target = i == 9 ? "x@y" : "";
      e.session_id = i == 3 ? "s_3" : "";
      e.outcome = i == 6 ? "denied" : "ok";
      events.push_back(e);
    }
    AuditEvent other;  // another chain is never searched
    other.chain = 2;
    other.time = 5000;
    other.action = "session.created";
    other.outcome = "ok";
    events.push_back(other);
    ASSERT_TRUE(store_->AppendAudit(events).ok());
  }

  std::vector<std::uint64_t> Seqs(AuditQuery query) {
    query.chain = 1;
    auto found = store_->QueryAudit(query);
    EXPECT_TRUE(found.ok()) << found.status().ToString();
    std::vector<std::uint64_t> seqs;
    if (found.ok()) {
      for (const AuditEvent& e : *found) seqs.push_back(e.seq);
    }
    return seqs;
  }

  std::unique_ptr<Store> store_;
};

TEST_F(AuditQueryTest, NewestFirstWithinTheChainAndLimited) {
  AuditQuery query;
  query.limit = 3;
  EXPECT_EQ(Seqs(query), (std::vector<std::uint64_t>{10, 9, 8}));
}

TEST_F(AuditQueryTest, CursorContinuesBelowTheLastSeqSeen) {
  AuditQuery query;
  query.limit = 3;
  query.before_seq = 8;
  EXPECT_EQ(Seqs(query), (std::vector<std::uint64_t>{7, 6, 5}));
}

TEST_F(AuditQueryTest, EachFilterNarrowsTheResult) {
  AuditQuery by_time;
  by_time.from = 3000;
  by_time.to = 5000;
  EXPECT_EQ(Seqs(by_time), (std::vector<std::uint64_t>{4, 3}));
  AuditQuery by_actor;
  by_actor.actor = "8";
  EXPECT_EQ(Seqs(by_actor), (std::vector<std::uint64_t>{10, 8, 6, 4, 2}));
  AuditQuery support;
  support.support_only = true;
  EXPECT_EQ(Seqs(support), (std::vector<std::uint64_t>{4}));
  AuditQuery session;
  session.session_id = "s_3";
  EXPECT_EQ(Seqs(session), (std::vector<std::uint64_t>{3}));
  AuditQuery prefix;
  prefix.action_prefix = "user.";
  EXPECT_EQ(Seqs(prefix), (std::vector<std::uint64_t>{10, 9, 8, 7, 6}));
  AuditQuery outcome;
  outcome.outcome = "denied";
  EXPECT_EQ(Seqs(outcome), (std::vector<std::uint64_t>{6}));
  AuditQuery target;
  target.target = "x@y";
  EXPECT_EQ(Seqs(target), (std::vector<std::uint64_t>{9}));
}

TEST_F(AuditQueryTest, PrefixWildcardsAreLiteral) {
  AuditQuery wildcard;
  wildcard.action_prefix = "%";
  EXPECT_TRUE(Seqs(wildcard).empty());
}

// Exports page forward: oldest first, after the last seq seen, below the bound fixed
// when the export began, with the filters still applied.
TEST_F(AuditQueryTest, OldestFirstPagesForwardBetweenAfterAndBeforeSeq) {
  AuditQuery page;
  page.oldest_first = true;
  page.limit = 3;
  page.before_seq = 10;  // seq 10 came after the export began
  EXPECT_EQ(Seqs(page), (std::vector<std::uint64_t>{1, 2, 3}));
  page.after_seq = 3;
  EXPECT_EQ(Seqs(page), (std::vector<std::uint64_t>{4, 5, 6}));
  page.after_seq = 6;
  EXPECT_EQ(Seqs(page), (std::vector<std::uint64_t>{7, 8, 9}));
  page.after_seq = 9;
  EXPECT_TRUE(Seqs(page).empty());
  AuditQuery filtered;
  filtered.oldest_first = true;
  filtered.actor = "8";
  filtered.after_seq = 2;
  filtered.limit = 2;
  EXPECT_EQ(Seqs(filtered), (std::vector<std::uint64_t>{4, 6}));
}

TEST_F(AuditQueryTest, OldestFirstCarriesTheHashChainFields) {
  AuditQuery first;
  first.oldest_first = true;
  first.limit = 2;
  first.chain = 1;
  auto events = store_->QueryAudit(first);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ((*events)[0].prev_hash, "");
  EXPECT_EQ((*events)[0].hash.size(), 64u);
  EXPECT_EQ((*events)[1].prev_hash, (*events)[0].hash);
}

}  // namespace
}  // namespace tether::storage
