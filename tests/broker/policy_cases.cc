// The one test body of each row type of policy_cases.h.
#include "policy_cases.h"

namespace tether::broker::policy::testing {

TEST_P(StatusRows, Holds) { CheckStatusRow(GetParam()); }

TEST_P(BoolRows, Holds) { EXPECT_EQ(GetParam().run(), GetParam().expected); }

}  // namespace tether::broker::policy::testing
