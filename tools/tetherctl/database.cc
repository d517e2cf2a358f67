// `tetherctl init` and `tetherctl audit verify`: the commands that work directly on a
// database file, before a broker runs (bootstrap) or after it stopped (offline checks).
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "tetherctl/commands.h"
#include "tetherctl/init.h"
#include "tether/storage/store.h"

namespace tether::tools::ctl {
namespace {

std::int64_t NowMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// The first line of a file or of stdin, without its line ending.
bool ReadFirstLine(const std::string& file, std::string* line) {
  std::ifstream in;
  std::istream* source = &std::cin;
  if (!file.empty()) {
    in.open(file);
    if (!in) return false;
    source = &in;
  }
  if (!std::getline(*source, *line)) return false;
  if (!line->empty() && line->back() == '\r') line->pop_back();
  return true;
}

struct InitArgs {
  InitOptions options;
  std::string password_file;
};

int RunInit(InitArgs& args) {
  if (!ReadFirstLine(args.password_file, &args.options.admin_password)) {
    std::fprintf(stderr, "tetherctl init: could not read the admin password from %s\n",
                 args.password_file.empty() ? "stdin" : args.password_file.c_str());
    return kExitUsage;
  }
  auto status = InitOrganisation(args.options, NowMs());
  if (!status.ok()) {
    std::fprintf(stderr, "tetherctl init: %s\n", status.ToString().c_str());
    return status.code() == protocol::ErrorCode::kBadRequest ? kExitUsage : kExitFailed;
  }
  std::printf("created organisation '%s' with Super Admin %s in %s\n", args.options.slug.c_str(),
              args.options.admin_email.c_str(), args.options.db_path.c_str());
  return kExitOk;
}

int RunAuditVerify(const std::string& db_path) {
  auto store = storage::OpenSqliteStore(db_path);
  if (!store.ok()) {
    std::fprintf(stderr, "tetherctl audit verify: %s: %s\n", db_path.c_str(), store.status().ToString().c_str());
    return kExitFailed;
  }
  auto chains = (*store)->AuditChains();
  if (!chains.ok()) {
    std::fprintf(stderr, "tetherctl audit verify: %s\n", chains.status().ToString().c_str());
    return kExitFailed;
  }
  bool all_ok = true;
  for (std::int64_t chain : *chains) {
    auto result = (*store)->VerifyAudit(chain);
    if (!result.ok()) {
      std::fprintf(stderr, "chain %lld: %s\n", static_cast<long long>(chain), result.status().ToString().c_str());
      all_ok = false;
      continue;
    }
    std::string name = chain == storage::kSystemChain ? "system" : "organisation " + std::to_string(chain);
    if (result->ok) {
      // The head is what an auditor writes down: a later run that shows an older head, or
      // another hash at this seq, means the end of the chain was rewritten.
      std::printf("%s: ok, %llu events, head seq %llu hash %s", name.c_str(),
                  static_cast<unsigned long long>(result->events_checked),
                  static_cast<unsigned long long>(result->head_seq), result->head_hash.c_str());
      if (result->checkpoint_seq > 0) {
        std::printf(", pruned through seq %llu", static_cast<unsigned long long>(result->checkpoint_seq));
      }
      std::printf("\n");
    } else {
      std::printf("%s: BROKEN at seq %llu: %s\n", name.c_str(), static_cast<unsigned long long>(result->first_bad_seq),
                  result->problem.c_str());
      all_ok = false;
    }
  }
  return all_ok ? kExitOk : kExitFailed;
}

}  // namespace

void RegisterDatabaseCommands(Dispatcher& dispatcher) {
  CLI::App* root = dispatcher.root();
  auto init = std::make_shared<InitArgs>();
  CLI::App* init_cmd = dispatcher.Add(root, "init", "create an organisation and its Super Admin (password read from stdin)",
                                      [init](const Invocation&) { return RunInit(*init); });
  init_cmd->footer("");  // works on the file: the global options do not apply
  init_cmd->add_option("--db", init->options.db_path, "SQLite database file")->required();
  init_cmd->add_option("--org", init->options.slug, "organisation slug, e.g. acme")->required();
  init_cmd->add_option("--name", init->options.name, "organisation display name")->required();
  init_cmd->add_option("--admin-email", init->options.admin_email, "the Super Admin's email")->required();
  init_cmd->add_option("--admin-name", init->options.admin_name, "the Super Admin's display name");
  init_cmd->add_option("--admin-password-file", init->password_file, "read the password from this file, not stdin");
  init_cmd->add_option("--plan", init->options.plan, "free, standard, professional (default) or enterprise");
  init_cmd->add_option("--seats", init->options.seats, "remote-support technician seats (default 10)");

  auto audit_db = std::make_shared<std::string>();
  CLI::App* audit = dispatcher.Group(root, "audit", "audit log commands");
  CLI::App* verify = dispatcher.Add(audit, "verify", "verify every audit hash chain of a database file",
                                    [audit_db](const Invocation&) { return RunAuditVerify(*audit_db); });
  verify->footer("");
  verify->add_option("--db", *audit_db, "SQLite database file")->required();
}

}  // namespace tether::tools::ctl
