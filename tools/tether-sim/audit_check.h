// CheckAudit: the scenario's final expectation — the organisation's audit log holds the
// given actions in the given order (not necessarily next to each other), read with
// audit.query as the Super Admin after every iteration ended.
#pragma once

#include <string>

#include "org_context.h"
#include "results.h"
#include "scenario.h"

namespace tether::sim {

// "" when it held; else what was expected and what the log holds instead.
std::string CheckAudit(const Scenario& scenario, const OrgContext& org, const RunResults& results);

}  // namespace tether::sim
