// Command: what every tetherctl command shares — registration of a leaf subcommand with
// the action to run once parsing is done, the error and exit-code conventions, and the
// "one request, then show its result" path that most admin commands are.
//
// Conventions (README "Administration with tetherctl"):
//   exit 0 done; 1 the broker or the system refused ("tetherctl <cmd>: <code>: <message>"
//   on stderr); 2 a usage error (bad or missing options).
//   stdout carries the result only: a table, or with --json the broker's result (the ok
//   reply without "t" and "re") as JSON.
//
// Thread-safety: none needed; one command per process.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

#include "common/reply.h"
#include "tetherctl/session.h"
#include "tether/protocol/status.h"
#include "tether/protocol/value.h"

namespace tether::tools::ctl {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;

// What a running command knows about itself.
struct Invocation {
  std::string name;  // "user invite": the prefix of its error messages
  const Globals& globals;
};

using Action = std::function<int(const Invocation&)>;

// Holds the global options and the action of the one command that was parsed.
class Dispatcher {
 public:
  explicit Dispatcher(CLI::App& app);

  // Adds the leaf subcommand `name` under `parent`; `action` runs if it is the one given.
  CLI::App* Add(CLI::App* parent, const std::string& name, const std::string& description, Action action);
  // Adds a group such as "user" that needs one of its subcommands.
  CLI::App* Group(CLI::App* parent, const std::string& name, const std::string& description);

  // Parses argv and runs the chosen action; returns the exit status.
  int Run(int argc, char** argv);

  CLI::App* root() { return &app_; }
  const Globals& globals() const { return globals_; }

 private:
  CLI::App& app_;
  Globals globals_;
  Action chosen_;
  std::string chosen_name_;
};

// A list option that takes one value per occurrence (repeat it, or, for ids, separate
// values with commas), so that it never swallows the positional arguments that follow
// it. Names (departments) may hold commas: pass split_commas false.
CLI::Option* AddListOption(CLI::App* command, const std::string& name, std::vector<std::string>& values,
                           const std::string& description, bool split_commas = true);
// The strings as a wire array.
protocol::Value StringList(const std::vector<std::string>& values);

// "tetherctl <cmd>: <code>: <message>" on stderr; returns kExitFailed.
int Fail(const Invocation& invocation, const protocol::Status& status);
// "tetherctl <cmd>: <message>" on stderr; returns kExitUsage.
int UsageError(const Invocation& invocation, const std::string& message);

using tools::PrintJson;
using tools::ResultOf;

// Shows a result as text (on stdout).
using Show = std::function<void(const protocol::Value& result)>;
// Opens the saved session, sends `request` and shows the result: as JSON with --json,
// else with `show`.
int RunRequest(const Invocation& invocation, protocol::Value request, const Show& show);

// Shows nothing but `done` (e.g. "removed user 7").
Show Say(std::string done);

}  // namespace tether::tools::ctl
