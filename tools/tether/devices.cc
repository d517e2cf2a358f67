// `tether devices`: the devices in the user's scope (device.list).
#include <iostream>

#include "tether/command.h"
#include "tether/commands.h"
#include "tether/device_table.h"

namespace tether::tools::cli {

int RunDevices(const std::optional<std::string>& group_id, bool json) {
  auto client = ConnectWithSavedLogin();
  if (!client.ok()) return Fail("devices", client.status());
  Value request = Value::MapOf({{"t", "device.list"}});
  if (group_id) request.Set("group_id", *group_id);
  auto reply = (*client)->Call(std::move(request), kBrokerTimeout);
  if (!reply.ok()) return Fail("devices", reply.status());
  if (json) {
    PrintJson(ResultOf(*reply));
  } else {
    std::cout << RenderDeviceTable(reply->Find("devices"));
  }
  return kExitOk;
}

}  // namespace tether::tools::cli
