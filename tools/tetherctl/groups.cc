// Device groups: `group list|create|delete` and `device move` (protocol/PROTOCOL.md §6:
// group.list, group.create, group.delete, device.move).
#include <iostream>
#include <memory>
#include <string>

#include "tetherctl/commands.h"
#include "tetherctl/output.h"

namespace tether::tools::ctl {
namespace {

struct GroupArgs {
  std::string name, department;
  CLI::Option* department_option = nullptr;
};

int CreateGroup(const Invocation& invocation, const GroupArgs& args) {
  Value request = Value::MapOf({{"t", "group.create"}, {"name", args.name}});
  if (args.department_option->count() > 0) request.Set("department", args.department);
  return RunRequest(invocation, std::move(request), [](const Value& result) {
    std::cout << "created group " << CellText(result.Find("group_id")) << "\n";
  });
}

struct MoveArgs {
  std::string device_id, group_id;
};

}  // namespace

void RegisterGroupCommands(Dispatcher& dispatcher) {
  CLI::App* group = dispatcher.Group(dispatcher.root(), "group", "device groups");
  dispatcher.Add(group, "list", "list the groups you can see", [](const Invocation& i) {
    return RunRequest(i, Value::MapOf({{"t", "group.list"}}), [](const Value& result) {
      PrintTable(std::cout, {Field("ID", "id"), Field("NAME", "name"), Field("DEPARTMENT", "department"),
                             Field("DEVICES", "devices")},
                 result.Find("groups"));
    });
  });

  auto create = std::make_shared<GroupArgs>();
  CLI::App* create_cmd = dispatcher.Add(group, "create", "create a group",
                                        [create](const Invocation& i) { return CreateGroup(i, *create); });
  create_cmd->add_option("--name", create->name, "its name, unique in the organisation")->required();
  create->department_option = create_cmd->add_option("--department", create->department, "the department it belongs to");

  auto group_id = std::make_shared<std::string>();
  CLI::App* delete_cmd = dispatcher.Add(group, "delete", "delete an empty group", [group_id](const Invocation& i) {
    return RunRequest(i, Value::MapOf({{"t", "group.delete"}, {"group_id", *group_id}}), Say("deleted group " + *group_id));
  });
  delete_cmd->add_option("GROUP_ID", *group_id, "the group's id (see 'tetherctl group list')")->required();

  CLI::App* device = dispatcher.Group(dispatcher.root(), "device", "devices");
  auto move = std::make_shared<MoveArgs>();
  CLI::App* move_cmd = dispatcher.Add(device, "move", "move a device to another group", [move](const Invocation& i) {
    return RunRequest(i, Value::MapOf({{"t", "device.move"}, {"device_id", move->device_id}, {"group_id", move->group_id}}),
                      Say("moved device " + move->device_id + " to group " + move->group_id));
  });
  move_cmd->add_option("DEVICE_ID", move->device_id, "the device's id")->required();
  move_cmd->add_option("--group", move->group_id, "the group to move it to")->required();
}

}  // namespace tether::tools::ctl
