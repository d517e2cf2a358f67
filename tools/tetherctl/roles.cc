// Roles: `role list|create|update|delete` (protocol/PROTOCOL.md §6: role.list,
// role.create, role.update, role.delete). Privilege names are those of POLICY.md; the
// broker checks them, so this tool never goes stale when privileges are added.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "tetherctl/commands.h"
#include "tetherctl/output.h"

namespace tether::tools::ctl {
namespace {

void ShowRoles(const Value& result) {
  PrintTable(std::cout,
             {Field("ID", "id"), Field("NAME", "name"), Field("BUILTIN", "builtin"), Field("DESCRIPTION", "description"),
              Field("PRIVILEGES", "privileges")},
             result.Find("roles"));
}

void ShowRole(const Value& result) {
  const Value* role = result.Find("role");
  if (role == nullptr || !role->is_map()) return;
  PrintFields(std::cout, {{"id", CellText(role->Find("id"))},
                          {"name", CellText(role->Find("name"))},
                          {"description", CellText(role->Find("description"))},
                          {"privileges", CellText(role->Find("privileges"))},
                          {"builtin", CellText(role->Find("builtin"))}});
}

struct RoleArgs {
  std::string role_id, name, description;
  std::vector<std::string> privileges;
  CLI::Option* name_option = nullptr;
  CLI::Option* description_option = nullptr;
  CLI::Option* privileges_option = nullptr;
};

int CreateRole(const Invocation& invocation, const RoleArgs& args) {
  Value request = Value::MapOf({{"t", "role.create"},
                                {"name", args.name},
                                {"description", args.description},
                                {"privileges", StringList(args.privileges)}});
  return RunRequest(invocation, std::move(request), [](const Value& result) {
    std::cout << "created role " << CellText(result.Find("role_id")) << "\n";
  });
}

int UpdateRole(const Invocation& invocation, const RoleArgs& args) {
  Value request = Value::MapOf({{"t", "role.update"}, {"role_id", args.role_id}});
  if (args.name_option->count() > 0) request.Set("name", args.name);
  if (args.description_option->count() > 0) request.Set("description", args.description);
  // Given at all, the list replaces the role's privileges.
  if (args.privileges_option->count() > 0) request.Set("privileges", StringList(args.privileges));
  if (request.as_map().size() == 2) {
    return UsageError(invocation, "nothing to change: give --name, --description or --privilege");
  }
  return RunRequest(invocation, std::move(request), ShowRole);
}

}  // namespace

void RegisterRoleCommands(Dispatcher& dispatcher) {
  CLI::App* role = dispatcher.Group(dispatcher.root(), "role", "roles: named sets of privileges");
  dispatcher.Add(role, "list", "list the roles, built-ins first", [](const Invocation& i) {
    return RunRequest(i, Value::MapOf({{"t", "role.list"}}), ShowRoles);
  });

  auto create = std::make_shared<RoleArgs>();
  CLI::App* create_cmd = dispatcher.Add(role, "create", "create a custom role",
                                        [create](const Invocation& i) { return CreateRole(i, *create); });
  create_cmd->add_option("--name", create->name, "its name, unique in the organisation")->required();
  create_cmd->add_option("--description", create->description, "what it is for");
  AddListOption(create_cmd, "--privilege", create->privileges, "a privilege it grants, e.g. remote_support");

  auto update = std::make_shared<RoleArgs>();
  CLI::App* update_cmd = dispatcher.Add(role, "update", "change a custom role",
                                        [update](const Invocation& i) { return UpdateRole(i, *update); });
  update_cmd->add_option("ROLE_ID", update->role_id, "the role's id (see 'tetherctl role list')")->required();
  update->name_option = update_cmd->add_option("--name", update->name, "new name");
  update->description_option = update_cmd->add_option("--description", update->description, "new description");
  update->privileges_option =
      AddListOption(update_cmd, "--privilege", update->privileges, "the privileges it grants from now on (replaces all)");

  auto role_id = std::make_shared<std::string>();
  CLI::App* delete_cmd = dispatcher.Add(role, "delete", "delete a custom role no user holds", [role_id](const Invocation& i) {
    return RunRequest(i, Value::MapOf({{"t", "role.delete"}, {"role_id", *role_id}}), Say("deleted role " + *role_id));
  });
  delete_cmd->add_option("ROLE_ID", *role_id, "the role's id")->required();
}

}  // namespace tether::tools::ctl
