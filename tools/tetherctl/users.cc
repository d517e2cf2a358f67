// Users: `user list|invite|set|remove|transfer-ownership|reset-password`
// (protocol/PROTOCOL.md §6: user.list, user.invite, user.update, user.remove,
// user.transfer_ownership, user.password_reset).
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "tetherctl/commands.h"
#include "tetherctl/output.h"

namespace tether::tools::ctl {
namespace {

// The wire's scope: {"groups":[...],"departments":[...]}.
Value Scope(const std::vector<std::string>& groups, const std::vector<std::string>& departments) {
  return Value::MapOf({{"groups", StringList(groups)}, {"departments", StringList(departments)}});
}

void ShowUsers(const Value& result) {
  PrintTable(std::cout,
             {Field("ID", "id"), Field("EMAIL", "email"), Field("NAME", "name"), Field("ROLE", "role"),
              Field("STATUS", "status"), Column{"SCOPE", [](const Value& row) { return ScopeText(row.Find("scope")); }}},
             result.Find("users"));
}

struct InviteArgs {
  std::string role;
  std::vector<std::string> groups, departments, emails;
};

int Invite(const Invocation& invocation, const InviteArgs& args) {
  // All emails go in one user.invite: the broker applies it all or nothing.
  Value invites = Value::MakeArray();
  for (const std::string& email : args.emails) {
    Value invite = Value::MapOf({{"email", email}, {"role", args.role}});
    if (!args.groups.empty() || !args.departments.empty()) invite.Set("scope", Scope(args.groups, args.departments));
    invites.Push(std::move(invite));
  }
  return RunRequest(invocation, Value::MapOf({{"t", "user.invite"}, {"invites", std::move(invites)}}),
                    [](const Value& result) {
                      PrintTable(std::cout, {Field("EMAIL", "email"), Field("TOKEN", "token"), TimeField("EXPIRES", "expires_at")},
                                 result.Find("invitations"));
                    });
}

struct SetArgs {
  std::string user_id, role;
  bool all_groups = false, disable = false, enable = false;
  std::vector<std::string> groups, departments;
};

int SetUser(const Invocation& invocation, const SetArgs& args) {
  Value request = Value::MapOf({{"t", "user.update"}, {"user_id", args.user_id}});
  if (!args.role.empty()) request.Set("role", args.role);
  if (args.all_groups) request.Set("scope", nullptr);  // nil: all groups
  if (!args.groups.empty() || !args.departments.empty()) request.Set("scope", Scope(args.groups, args.departments));
  if (args.disable) request.Set("status", "disabled");
  if (args.enable) request.Set("status", "active");
  if (request.as_map().size() == 2) {
    return UsageError(invocation,
                      "nothing to change: give --role, --all-groups, --scope-group, --scope-department, --disable or --enable");
  }
  return RunRequest(invocation, std::move(request), Say("updated user " + args.user_id));
}

// A command that sends `type` with {"user_id": USER_ID} and prints `done` (+ the id).
void AddUserIdCommand(Dispatcher& dispatcher, CLI::App* parent, const std::string& name, const std::string& description,
                      const std::string& type, std::function<void(const std::string&, const Value&)> show) {
  auto user_id = std::make_shared<std::string>();
  CLI::App* command = dispatcher.Add(parent, name, description, [user_id, type, show](const Invocation& i) {
    return RunRequest(i, Value::MapOf({{"t", type}, {"user_id", *user_id}}),
                      [user_id, show](const Value& result) { show(*user_id, result); });
  });
  command->add_option("USER_ID", *user_id, "the user's id (see 'tetherctl user list')")->required();
}

}  // namespace

void RegisterUserCommands(Dispatcher& dispatcher) {
  CLI::App* user = dispatcher.Group(dispatcher.root(), "user", "users of the organisation");
  dispatcher.Add(user, "list", "list the users", [](const Invocation& i) {
    return RunRequest(i, Value::MapOf({{"t", "user.list"}}), ShowUsers);
  });

  auto invite = std::make_shared<InviteArgs>();
  CLI::App* invite_cmd = dispatcher.Add(user, "invite", "invite one or more people with one role (all or nothing)",
                                        [invite](const Invocation& i) { return Invite(i, *invite); });
  invite_cmd->add_option("--role", invite->role, "role id, e.g. technician (see 'tetherctl role list')")->required();
  AddListOption(invite_cmd, "--scope-group", invite->groups, "limit them to this group id");
  AddListOption(invite_cmd, "--scope-department", invite->departments, "limit them to this department", false);
  invite_cmd->add_option("EMAIL", invite->emails, "their email addresses")->required();

  auto set = std::make_shared<SetArgs>();
  CLI::App* set_cmd = dispatcher.Add(user, "set", "change a user's role, scope or status",
                                     [set](const Invocation& i) { return SetUser(i, *set); });
  set_cmd->add_option("USER_ID", set->user_id, "the user's id")->required();
  set_cmd->add_option("--role", set->role, "new role id");
  CLI::Option* all = set_cmd->add_flag("--all-groups", set->all_groups, "scope: every group");
  CLI::Option* groups = AddListOption(set_cmd, "--scope-group", set->groups, "scope: this group id");
  CLI::Option* departments = AddListOption(set_cmd, "--scope-department", set->departments, "scope: this department", false);
  all->excludes(groups)->excludes(departments);
  CLI::Option* disable = set_cmd->add_flag("--disable", set->disable, "disable the account (its connections close)");
  set_cmd->add_flag("--enable", set->enable, "enable the account again")->excludes(disable);

  AddUserIdCommand(dispatcher, user, "remove", "remove a user", "user.remove",
                   [](const std::string& id, const Value&) { std::cout << "removed user " << Sanitise(id) << "\n"; });
  AddUserIdCommand(dispatcher, user, "transfer-ownership", "make another user the Super Admin (you become an Admin)",
                   "user.transfer_ownership", [](const std::string& id, const Value&) {
                     std::cout << "user " << Sanitise(id) << " is now the Super Admin; you are now an Admin\n";
                   });
  AddUserIdCommand(dispatcher, user, "reset-password", "issue a password-reset token for a user",
                   "user.password_reset", [](const std::string&, const Value& result) {
                     PrintFields(std::cout,
                                 {{"token", CellText(result.Find("token"))}, {"expires", TimeText(result.Find("expires_at"))}});
                   });
}

}  // namespace tether::tools::ctl
