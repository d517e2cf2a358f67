// `support-access grant|extend|revoke|status` (POLICY.md "Support access",
// protocol/PROTOCOL.md §6.11): let the vendor's support team in until a date, change the
// date, pull the plug, see what is granted.
#include <cstdio>
#include <ctime>
#include <functional>
#include <iostream>
#include <memory>
#include <string>

#include "tetherctl/commands.h"
#include "tetherctl/output.h"

namespace tether::tools::ctl {
namespace {

bool ValidDate(int y, unsigned m, unsigned d) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1) return false;
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return d <= kDays[m - 1] + (m == 2 && leap ? 1 : 0);
}

// "YYYY-MM-DD" (the start of that day, UTC) or "YYYY-MM-DDTHH:MM:SSZ"; ms since the epoch.
protocol::Result<std::uint64_t> ParseUntil(const std::string& text) {
  int y = 0;
  unsigned m = 0, d = 0, hh = 0, mm = 0, ss = 0;
  int used = 0;
  bool date_only = std::sscanf(text.c_str(), "%4d-%2u-%2u%n", &y, &m, &d, &used) == 3 &&
                   used == static_cast<int>(text.size());
  bool full = !date_only && std::sscanf(text.c_str(), "%4d-%2u-%2uT%2u:%2u:%2uZ%n", &y, &m, &d, &hh, &mm, &ss, &used) == 6 &&
              used == static_cast<int>(text.size());
  if ((!date_only && !full) || !ValidDate(y, m, d) || hh > 23 || mm > 59 || ss > 59) {
    return protocol::Status::BadRequest("--until '" + text +
                                        "': expected a date YYYY-MM-DD (the start of that day, UTC) or "
                                        "YYYY-MM-DDTHH:MM:SSZ");
  }
  std::tm utc{};
  utc.tm_year = y - 1900;
  utc.tm_mon = static_cast<int>(m) - 1;
  utc.tm_mday = static_cast<int>(d);
  utc.tm_hour = static_cast<int>(hh);
  utc.tm_min = static_cast<int>(mm);
  utc.tm_sec = static_cast<int>(ss);
  return static_cast<std::uint64_t>(timegm(&utc)) * 1000;
}

void PrintGrant(const Value* grant) {
  if (grant == nullptr || grant->is_nil()) {
    std::cout << "no support access is granted\n";
    return;
  }
  const Value* user = grant->Find("user");
  std::cout << "support access until " << TimeText(grant->Find("until")) << "\n"
            << "  granted " << TimeText(grant->Find("granted_at")) << " by user " << CellText(grant->Find("granted_by"))
            << "\n"
            << "  support user " << CellText(user ? user->Find("email") : nullptr) << " (id "
            << CellText(user ? user->Find("id") : nullptr) << ")\n";
}

int RunWithUntil(const Invocation& invocation, const char* type, const std::string& until,
                 std::function<void(const Value&)> print) {
  auto ms = ParseUntil(until);
  if (!ms.ok()) {
    std::cerr << "tetherctl: " << ms.status().message() << "\n";
    return 2;
  }
  return RunRequest(invocation, Value::MapOf({{"t", type}, {"until", *ms}}), std::move(print));
}

}  // namespace

void RegisterSupportAccessCommands(Dispatcher& dispatcher) {
  CLI::App* support = dispatcher.Group(dispatcher.root(), "support-access", "time-limited vendor support access");
  auto until = std::make_shared<std::string>();
  CLI::App* grant = dispatcher.Add(support, "grant", "let the vendor's support team in until a date",
                                   [until](const Invocation& i) {
    return RunWithUntil(i, "support_access.grant", *until, [](const Value& result) {
      PrintGrant(result.Find("support_access"));
      std::cout << "one-time password (shown once; give it to the vendor with the email above): "
                << CellText(result.Find("password")) << "\n";
    });
  });
  grant->add_option("--until", *until, "YYYY-MM-DD (start of that day, UTC) or YYYY-MM-DDTHH:MM:SSZ; 1 day to 5 years away")
      ->required();

  auto new_until = std::make_shared<std::string>();
  CLI::App* extend = dispatcher.Add(support, "extend", "shorten or extend the access to another date",
                                    [new_until](const Invocation& i) {
    return RunWithUntil(i, "support_access.update", *new_until,
                        [](const Value& result) { PrintGrant(result.Find("support_access")); });
  });
  extend->add_option("--until", *new_until, "the new end, as for grant")->required();

  dispatcher.Add(support, "revoke", "end the access now: the support user is disconnected at once",
                 [](const Invocation& i) {
    return RunRequest(i, Value::MapOf({{"t", "support_access.revoke"}}), Say("support access revoked"));
  });
  dispatcher.Add(support, "status", "what is granted, until when, to whom", [](const Invocation& i) {
    return RunRequest(i, Value::MapOf({{"t", "support_access.get"}}),
                      [](const Value& result) { PrintGrant(result.Find("support_access")); });
  });
}

}  // namespace tether::tools::ctl
