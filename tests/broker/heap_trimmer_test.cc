// HeapTrimmer: trims only after enough connections came or went, and never more often
// than its interval or its pause allow (a slow trim pushes the next one further away).
#include "core/heap_trimmer.h"

#include <gtest/gtest.h>

namespace tether::broker {
namespace {

struct Fake {
  std::int64_t now_us = 1'000'000;
  std::int64_t trim_takes_us = 0;
  int trims = 0;

  HeapTrimmer Make(HeapTrimmer::Limits limits = {}) {
    return HeapTrimmer(
        limits,
        [this] {
          ++trims;
          now_us += trim_takes_us;
        },
        [this] { return now_us; });
  }
};

void Churn(HeapTrimmer& trimmer, int connections) {
  for (int i = 0; i < connections; ++i) trimmer.NoteChurn();
}

TEST(HeapTrimmer, DoesNotTrimBeforeEnoughConnectionsCameOrWent) {
  Fake fake;
  HeapTrimmer trimmer = fake.Make({.min_churn = 64});
  Churn(trimmer, 63);
  EXPECT_FALSE(trimmer.MaybeTrim());
  EXPECT_EQ(fake.trims, 0);
  trimmer.NoteChurn();
  EXPECT_TRUE(trimmer.MaybeTrim());
  EXPECT_EQ(fake.trims, 1);
}

TEST(HeapTrimmer, ChurnCountsAgainFromZeroAfterATrim) {
  Fake fake;
  HeapTrimmer trimmer = fake.Make({.min_churn = 10, .min_interval_us = 0});
  Churn(trimmer, 10);
  ASSERT_TRUE(trimmer.MaybeTrim());
  EXPECT_FALSE(trimmer.MaybeTrim());
  Churn(trimmer, 9);
  EXPECT_FALSE(trimmer.MaybeTrim());
  trimmer.NoteChurn();
  EXPECT_TRUE(trimmer.MaybeTrim());
  EXPECT_EQ(trimmer.trims(), 2u);
}

TEST(HeapTrimmer, WaitsTheMinimumIntervalBetweenTrims) {
  Fake fake;
  HeapTrimmer trimmer = fake.Make({.min_churn = 1, .min_interval_us = 1'000'000});
  Churn(trimmer, 5);
  ASSERT_TRUE(trimmer.MaybeTrim());
  Churn(trimmer, 5);
  fake.now_us += 999'999;
  EXPECT_FALSE(trimmer.MaybeTrim());
  fake.now_us += 1;
  EXPECT_TRUE(trimmer.MaybeTrim());
}

TEST(HeapTrimmer, ASlowTrimPushesTheNextOneByItsPauseTimesTheFactor) {
  Fake fake;
  fake.trim_takes_us = 20'000;  // 20 ms: the next may come 2 s after it ended, not 1 s
  HeapTrimmer trimmer = fake.Make({.min_churn = 1, .min_interval_us = 1'000'000, .pause_factor = 100});
  Churn(trimmer, 1);
  ASSERT_TRUE(trimmer.MaybeTrim());
  EXPECT_EQ(trimmer.last_pause_us(), 20'000);
  Churn(trimmer, 1);
  fake.now_us += 1'999'999;
  EXPECT_FALSE(trimmer.MaybeTrim());
  fake.now_us += 1;
  EXPECT_TRUE(trimmer.MaybeTrim());
}

}  // namespace
}  // namespace tether::broker
