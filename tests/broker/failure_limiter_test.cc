// FailureLimiter: a sliding window per key, bounded keys, least recently failed evicted.
#include "auth/failure_limiter.h"

#include <gtest/gtest.h>

#include <string>

namespace tether::broker::auth {
namespace {

constexpr std::size_t kMaxFailures = 3;
constexpr std::int64_t kWindowMs = 1000;

TEST(FailureLimiter, UnknownKeyIsNotBlockedAndNotTracked) {
  FailureLimiter limiter(kMaxFailures, kWindowMs);
  EXPECT_FALSE(limiter.IsBlocked("alice", 0));
  EXPECT_EQ(limiter.tracked_keys(), 0u);
}

TEST(FailureLimiter, BlocksAfterMaxFailuresWithinWindow) {
  FailureLimiter limiter(kMaxFailures, kWindowMs);
  limiter.RecordFailure("alice", 100);
  limiter.RecordFailure("alice", 200);
  EXPECT_FALSE(limiter.IsBlocked("alice", 300));
  limiter.RecordFailure("alice", 300);
  EXPECT_TRUE(limiter.IsBlocked("alice", 300));
  EXPECT_TRUE(limiter.IsBlocked("alice", 1099));  // the first failure is still in the window
}

TEST(FailureLimiter, FailuresFurtherApartThanTheWindowNeverBlock) {
  FailureLimiter limiter(kMaxFailures, kWindowMs);
  for (std::int64_t t = 0; t < 10 * kWindowMs; t += 600) {
    limiter.RecordFailure("alice", t);
    EXPECT_FALSE(limiter.IsBlocked("alice", t)) << "at " << t;
  }
}

TEST(FailureLimiter, UnblocksWhenTheWindowSlidesPastTheOldestFailure) {
  FailureLimiter limiter(kMaxFailures, kWindowMs);
  limiter.RecordFailure("alice", 0);
  limiter.RecordFailure("alice", 500);
  limiter.RecordFailure("alice", 600);
  EXPECT_TRUE(limiter.IsBlocked("alice", 999));
  // The failure at 0 has left the window; two remain.
  EXPECT_FALSE(limiter.IsBlocked("alice", 1001));
  // One more inside the window blocks again.
  limiter.RecordFailure("alice", 1002);
  EXPECT_TRUE(limiter.IsBlocked("alice", 1002));
  // Long after, all have left.
  EXPECT_FALSE(limiter.IsBlocked("alice", 5000));
}

TEST(FailureLimiter, FailuresWhileBlockedKeepTheKeyBlocked) {
  FailureLimiter limiter(kMaxFailures, kWindowMs);
  for (std::int64_t t = 0; t <= 3000; t += 100) limiter.RecordFailure("mallory", t);
  EXPECT_TRUE(limiter.IsBlocked("mallory", 3000));
  // The last three failures (2800, 2900, 3000) count; 2800 leaves the window after 3800.
  EXPECT_TRUE(limiter.IsBlocked("mallory", 3799));
  EXPECT_FALSE(limiter.IsBlocked("mallory", 3801));
}

TEST(FailureLimiter, KeysAreIndependent) {
  FailureLimiter limiter(kMaxFailures, kWindowMs);
  for (int i = 0; i < 3; ++i) limiter.RecordFailure("alice", 10 + i);
  limiter.RecordFailure("bob", 20);
  EXPECT_TRUE(limiter.IsBlocked("alice", 30));
  EXPECT_FALSE(limiter.IsBlocked("bob", 30));
  EXPECT_FALSE(limiter.IsBlocked("carol", 30));
  EXPECT_EQ(limiter.tracked_keys(), 2u);
}

TEST(FailureLimiter, AFourthKeyEvictsTheLeastRecentlyFailed) {
  FailureLimiter limiter(/*max_failures=*/2, kWindowMs, /*max_keys=*/3);
  limiter.RecordFailure("a", 0);
  limiter.RecordFailure("a", 1);
  limiter.RecordFailure("b", 2);
  limiter.RecordFailure("b", 3);
  limiter.RecordFailure("c", 4);
  limiter.RecordFailure("c", 5);
  // "a" fails again, so "b" is now the least recently failed (not the oldest inserted).
  limiter.RecordFailure("a", 6);
  ASSERT_TRUE(limiter.IsBlocked("a", 7));
  ASSERT_TRUE(limiter.IsBlocked("b", 7));
  ASSERT_TRUE(limiter.IsBlocked("c", 7));
  EXPECT_EQ(limiter.tracked_keys(), 3u);

  limiter.RecordFailure("d", 8);
  EXPECT_EQ(limiter.tracked_keys(), 3u);
  EXPECT_FALSE(limiter.IsBlocked("b", 9));  // forgotten
  EXPECT_TRUE(limiter.IsBlocked("a", 9));
  EXPECT_TRUE(limiter.IsBlocked("c", 9));
  EXPECT_FALSE(limiter.IsBlocked("d", 9));  // one failure so far
}

TEST(FailureLimiter, CheckingAKeyDoesNotProtectItFromEviction) {
  // The order is by failure, not by lookup: IsBlocked must not refresh a key.
  FailureLimiter limiter(/*max_failures=*/1, kWindowMs, /*max_keys=*/2);
  limiter.RecordFailure("a", 0);
  limiter.RecordFailure("b", 1);
  EXPECT_TRUE(limiter.IsBlocked("a", 2));
  limiter.RecordFailure("c", 3);
  EXPECT_FALSE(limiter.IsBlocked("a", 4));
  EXPECT_TRUE(limiter.IsBlocked("b", 4));
  EXPECT_TRUE(limiter.IsBlocked("c", 4));
}

TEST(FailureLimiter, AnEvictedKeyStartsAfresh) {
  FailureLimiter limiter(/*max_failures=*/2, kWindowMs, /*max_keys=*/1);
  limiter.RecordFailure("a", 0);
  limiter.RecordFailure("b", 1);  // evicts "a"
  limiter.RecordFailure("a", 2);  // evicts "b"; "a" has one failure, not two
  EXPECT_FALSE(limiter.IsBlocked("a", 3));
  EXPECT_EQ(limiter.tracked_keys(), 1u);
}

}  // namespace
}  // namespace tether::broker::auth
