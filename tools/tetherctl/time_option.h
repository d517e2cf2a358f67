// A time given on tetherctl's command line: epoch milliseconds, or a UTC date
// "2026-01-31" or date and time "2026-01-31T12:00:00Z".
#pragma once

#include <cstdint>
#include <string>

#include "tether/protocol/status.h"

namespace tether::tools::ctl {

// Epoch milliseconds; bad_request saying which forms are accepted.
protocol::Result<std::uint64_t> ParseTimeOption(const std::string& text);

}  // namespace tether::tools::ctl
