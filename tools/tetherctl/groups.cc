// Device groups and devices: `group list|create|delete`, `deploy-key create`,
// `device list|move|delete|rotate-secret` (protocol/PROTOCOL.md §5, §6).
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

  dispatcher.Add(device, "list", "list the devices you can reach", [](const Invocation& i) {
    return RunRequest(i, Value::MapOf({{"t", "device.list"}}), [](const Value& result) {
      PrintTable(std::cout, {Field("ID", "device_id"), Field("NAME", "name"), Field("OS", "os"),
                             Field("GROUP", "group_id"), Field("ONLINE", "online"), Field("LAST SEEN", "last_seen")},
                 result.Find("devices"));
    });
  });
  auto device_id = std::make_shared<std::string>();
  CLI::App* delete_device = dispatcher.Add(device, "delete", "delete a device (its agent is disconnected)",
                                           [device_id](const Invocation& i) {
    return RunRequest(i, Value::MapOf({{"t", "device.delete"}, {"device_id", *device_id}}),
                      Say("deleted device " + *device_id));
  });
  delete_device->add_option("DEVICE_ID", *device_id, "the device's id")->required();
  auto rotated = std::make_shared<std::string>();
  CLI::App* rotate = dispatcher.Add(device, "rotate-secret", "give a device a new secret (shown once)",
                                    [rotated](const Invocation& i) {
    return RunRequest(i, Value::MapOf({{"t", "device.rotate_secret"}, {"device_id", *rotated}}), [](const Value& result) {
      std::cout << "new secret (shown once): " << CellText(result.Find("secret")) << "\n";
    });
  });
  rotate->add_option("DEVICE_ID", *rotated, "the device's id")->required();

  CLI::App* deploy = dispatcher.Group(dispatcher.root(), "deploy-key", "deployment keys for enrolling agents");
  auto key_group = std::make_shared<std::string>("0");
  CLI::App* key_cmd = dispatcher.Add(deploy, "create", "create a deployment key for a group (shown once)",
                                     [key_group](const Invocation& i) {
    return RunRequest(i, Value::MapOf({{"t", "deploy_key.create"}, {"group_id", *key_group}}), [](const Value& result) {
      std::cout << "deployment key (shown once): " << CellText(result.Find("deployment_key")) << "\n"
                << "enrol a computer with: tether-agent enroll --broker URL --deployment-key KEY --name NAME\n";
    });
  });
  key_cmd->add_option("--group", *key_group, "the group its devices join (default 0: the default group)");
}

}  // namespace tether::tools::ctl
