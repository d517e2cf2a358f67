// Epoch milliseconds or an ISO 8601 UTC date (and time).
#include "tetherctl/time_option.h"

#include <ctime>

namespace tether::tools::ctl {

protocol::Result<std::uint64_t> ParseTimeOption(const std::string& text) {
  const protocol::Status bad = protocol::Status::BadRequest(
      "'" + text + "' is not a time: give epoch milliseconds, 2026-01-31 or 2026-01-31T12:00:00Z");
  if (!text.empty() && text.size() <= 19 && text.find_first_not_of("0123456789") == std::string::npos) {
    return static_cast<std::uint64_t>(std::stoull(text));
  }
  std::tm tm{};
  const char* end = strptime(text.c_str(), "%Y-%m-%d", &tm);
  if (end != nullptr && *end == 'T') end = strptime(end, "T%H:%M:%SZ", &tm);
  if (end == nullptr || *end != '\0') return bad;
  const std::tm asked = tm;
  std::time_t seconds = timegm(&tm);  // normalises: 2027-02-30 would become 2 March
  if (seconds < 0 || tm.tm_mday != asked.tm_mday || tm.tm_mon != asked.tm_mon) return bad;
  return static_cast<std::uint64_t>(seconds) * 1000;
}

}  // namespace tether::tools::ctl
