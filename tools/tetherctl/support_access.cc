// `support-access grant|extend|revoke|status` (POLICY.md "Support access",
// protocol/PROTOCOL.md §6.11): let the vendor's support team in until a date, change the
// date, pull the plug, see what is granted.
#include <functional>
#include <iostream>
#include <memory>
#include <string>

#include "tetherctl/commands.h"
#include "tetherctl/output.h"
#include "tetherctl/time_option.h"

namespace tether::tools::ctl {
namespace {

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
  auto ms = ParseTimeOption(until);
  if (!ms.ok()) {
    std::cerr << "tetherctl: --until " << ms.status().message() << "\n";
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
  grant->add_option("--until", *until, "YYYY-MM-DD (start of that day, UTC), YYYY-MM-DDTHH:MM:SSZ or epoch ms; 1 day to 5 years away")
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
