// The connections that fit the descriptor limit: the configured cap, unless the limit
// leaves less room beside the descriptors kept for the database, the loop and refusals.
#include "core/descriptor_limit.h"

#include <sys/resource.h>

#include <gtest/gtest.h>

namespace tether::broker {
namespace {

TEST(DescriptorLimit, AGenerousLimitKeepsTheConfiguredCap) {
  EXPECT_EQ(ConnectionsWithin(1'048'576, 100'000), 100'000u);
}

TEST(DescriptorLimit, ALargeLimitKeeps256DescriptorsBesideTheConnections) {
  EXPECT_EQ(ReservedDescriptors(20'000), 256u);
  EXPECT_EQ(ConnectionsWithin(20'000, 100'000), 19'744u);
}

TEST(DescriptorLimit, ASmallLimitKeepsAQuarterOfIt) {
  EXPECT_EQ(ReservedDescriptors(160), 40u);
  EXPECT_EQ(ConnectionsWithin(160, 10'000), 120u);
}

TEST(DescriptorLimit, RaisingLeavesTheSoftLimitAtTheHardOne) {
  DescriptorLimit limit = RaiseDescriptorLimit();
  rlimit now{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &now), 0);
  EXPECT_EQ(limit.soft, now.rlim_cur);
  EXPECT_EQ(limit.hard, now.rlim_max);
  if (now.rlim_max != RLIM_INFINITY) {
    EXPECT_EQ(now.rlim_cur, now.rlim_max);
  }
}

}  // namespace
}  // namespace tether::broker
