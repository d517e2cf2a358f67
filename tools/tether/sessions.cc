// `tether sessions`: the live sessions in the user's scope (session.list).
#include <iostream>

#include "tether/command.h"
#include "tether/commands.h"
#include "tether/device_table.h"

namespace tether::tools::cli {

int RunSessions(const std::optional<std::string>& state, bool json) {
  auto client = ConnectWithSavedLogin();
  if (!client.ok()) return Fail("sessions", client.status());
  Value request = Value::MapOf({{"t", "session.list"}});
  if (state) request.Set("state", *state);
  auto reply = (*client)->Call(std::move(request), kBrokerTimeout);
  if (!reply.ok()) return Fail("sessions", reply.status());
  if (json) {
    PrintJson(ResultOf(*reply));
  } else {
    std::cout << RenderSessionTable(reply->Find("sessions"));
  }
  return kExitOk;
}

}  // namespace tether::tools::cli
