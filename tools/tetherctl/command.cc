// Parsing, dispatch and the shared request path.
#include "tetherctl/command.h"

#include <cstdio>
#include <exception>
#include <iostream>

#include "tetherctl/output.h"

namespace tether::tools::ctl {

using protocol::Value;

Dispatcher::Dispatcher(CLI::App& app) : app_(app) {
  // Global options may be given before or after the subcommand ("tetherctl user list
  // --json"): subcommands created after this inherit fallthrough to the main app.
  app_.fallthrough();
  app_.require_subcommand(1);
  app_.add_option("--broker", globals_.broker, "broker URL, e.g. ws://127.0.0.1:7070/v1/ws (default: the saved session's)");
  app_.add_option("--org", globals_.org, "organisation slug (default: the saved session's)");
  app_.add_flag("--json", globals_.json, "print the broker's result as JSON, for scripts");
}

CLI::App* Dispatcher::Group(CLI::App* parent, const std::string& name, const std::string& description) {
  CLI::App* group = parent->add_subcommand(name, description);
  group->require_subcommand(1);
  return group;
}

CLI::App* Dispatcher::Add(CLI::App* parent, const std::string& name, const std::string& description, Action action) {
  CLI::App* command = parent->add_subcommand(name, description);
  std::string full = name;
  for (CLI::App* up = parent; up != nullptr && up->get_parent() != nullptr; up = up->get_parent()) {
    full = up->get_name() + " " + full;
  }
  command->footer("Global options, before or after the command: --broker URL, --org SLUG, --json");
  command->callback([this, full, action = std::move(action)] {
    chosen_ = action;
    chosen_name_ = full;
  });
  return command;
}

int Dispatcher::Run(int argc, char** argv) {
  try {
    app_.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    int shown = app_.exit(error);  // prints help (0) or the problem
    return shown == 0 ? kExitOk : kExitUsage;
  }
  if (!chosen_) return kExitUsage;
  Invocation invocation{chosen_name_, globals_};
  try {
    return chosen_(invocation);
  } catch (const std::exception& error) {  // a bug of ours; say so rather than abort
    return Fail(invocation, protocol::Status::Internal(error.what()));
  }
}

CLI::Option* AddListOption(CLI::App* command, const std::string& name, std::vector<std::string>& values,
                           const std::string& description, bool split_commas) {
  CLI::Option* option = command->add_option(name, values, description + (split_commas ? " (repeatable, or comma-separated)" : " (repeatable)"));
  option->allow_extra_args(false);
  if (split_commas) option->delimiter(',');
  return option;
}

Value StringList(const std::vector<std::string>& values) {
  Value list = Value::MakeArray();
  for (const std::string& value : values) list.Push(value);
  return list;
}

int Fail(const Invocation& invocation, const protocol::Status& status) {
  std::fprintf(stderr, "tetherctl %s: %s\n", invocation.name.c_str(), status.ToString().c_str());
  return kExitFailed;
}

int UsageError(const Invocation& invocation, const std::string& message) {
  std::fprintf(stderr, "tetherctl %s: %s\nRun with --help for more information.\n", invocation.name.c_str(),
               message.c_str());
  return kExitUsage;
}

int RunRequest(const Invocation& invocation, Value request, const Show& show) {
  auto session = OpenSavedSession(invocation.globals);
  if (!session.ok()) return Fail(invocation, session.status());
  auto reply = session->client->Call(std::move(request), kBrokerTimeout);
  if (!reply.ok()) return Fail(invocation, reply.status());
  Value result = ResultOf(*reply);
  if (invocation.globals.json) {
    PrintJson(result);
  } else if (show) {
    show(result);
  }
  std::cout.flush();
  return kExitOk;
}

Show Say(std::string done) {
  return [done = std::move(done)](const Value&) { std::cout << done << "\n"; };
}

}  // namespace tether::tools::ctl
