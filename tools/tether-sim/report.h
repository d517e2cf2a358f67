// How a run is reported: for people, a line per step (or per failure when repeating), a
// table per step type and the totals; for machines (--json) the same as one JSON object.
#pragma once

#include <nlohmann/json.hpp>

#include <ostream>

#include "results.h"
#include "scenario.h"

namespace tether::sim {

// One line: "FAIL tom, step 4 (line 23) expect_output: expected ...; got ...".
std::string DescribeFailure(const StepRecord& record);
void PrintReport(const Scenario& scenario, RunResults& results, std::ostream& out);
nlohmann::json ReportJson(const Scenario& scenario, RunResults& results);

}  // namespace tether::sim
