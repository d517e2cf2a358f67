// tetherctl: administration of a Tether installation. This first version bootstraps
// organisations and verifies the audit chains of a database file offline.
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>

#include "tetherctl/init.h"
#include "tether/storage/store.h"

namespace {

std::int64_t NowMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// The first line of a file or of stdin, without its line ending.
bool ReadSecret(const std::string& file, std::string* secret) {
  std::ifstream in;
  std::istream* source = &std::cin;
  if (!file.empty()) {
    in.open(file);
    if (!in) return false;
    source = &in;
  }
  if (!std::getline(*source, *secret)) return false;
  if (!secret->empty() && secret->back() == '\r') secret->pop_back();
  return true;
}

int RunInit(tether::tools::InitOptions options, const std::string& password_file) {
  if (!ReadSecret(password_file, &options.admin_password)) {
    std::fprintf(stderr, "tetherctl init: could not read the admin password from %s\n",
                 password_file.empty() ? "stdin" : password_file.c_str());
    return 2;
  }
  auto status = tether::tools::InitOrganisation(options, NowMs());
  if (!status.ok()) {
    std::fprintf(stderr, "tetherctl init: %s\n", status.ToString().c_str());
    return status.code() == tether::protocol::ErrorCode::kBadRequest ? 2 : 1;
  }
  std::printf("created organisation '%s' with Super Admin %s in %s\n", options.slug.c_str(),
              options.admin_email.c_str(), options.db_path.c_str());
  return 0;
}

int RunAuditVerify(const std::string& db_path) {
  auto store = tether::storage::OpenSqliteStore(db_path);
  if (!store.ok()) {
    std::fprintf(stderr, "tetherctl audit verify: %s: %s\n", db_path.c_str(), store.status().ToString().c_str());
    return 1;
  }
  auto chains = (*store)->AuditChains();
  if (!chains.ok()) {
    std::fprintf(stderr, "tetherctl audit verify: %s\n", chains.status().ToString().c_str());
    return 1;
  }
  bool all_ok = true;
  for (std::int64_t chain : *chains) {
    auto result = (*store)->VerifyAudit(chain);
    if (!result.ok()) {
      std::fprintf(stderr, "chain %lld: %s\n", static_cast<long long>(chain), result.status().ToString().c_str());
      all_ok = false;
      continue;
    }
    std::string name = chain == tether::storage::kSystemChain ? "system" : "organisation " + std::to_string(chain);
    if (result->ok) {
      std::printf("%s: ok, %llu events\n", name.c_str(), static_cast<unsigned long long>(result->events_checked));
    } else {
      std::printf("%s: BROKEN at seq %llu: %s\n", name.c_str(),
                  static_cast<unsigned long long>(result->first_bad_seq), result->problem.c_str());
      all_ok = false;
    }
  }
  return all_ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  ::umask(0077);  // a database it creates holds password hashes: owner-only
  CLI::App app{"tetherctl: administer a Tether installation"};
  app.require_subcommand(1);

  tether::tools::InitOptions init;
  std::string password_file;
  CLI::App* init_cmd = app.add_subcommand(
      "init", "create an organisation and its Super Admin (password read from stdin)");
  init_cmd->add_option("--db", init.db_path, "SQLite database file")->required();
  init_cmd->add_option("--org", init.slug, "organisation slug, e.g. acme")->required();
  init_cmd->add_option("--name", init.name, "organisation display name")->required();
  init_cmd->add_option("--admin-email", init.admin_email, "the Super Admin's email")->required();
  init_cmd->add_option("--admin-name", init.admin_name, "the Super Admin's display name");
  init_cmd->add_option("--admin-password-file", password_file, "read the password from this file, not stdin");
  init_cmd->add_option("--plan", init.plan, "free, standard, professional (default) or enterprise");
  init_cmd->add_option("--seats", init.seats, "remote-support technician seats (default 10)");

  std::string audit_db;
  CLI::App* audit_cmd = app.add_subcommand("audit", "audit log commands");
  audit_cmd->require_subcommand(1);
  CLI::App* verify_cmd = audit_cmd->add_subcommand("verify", "verify every audit hash chain of a database file");
  verify_cmd->add_option("--db", audit_db, "SQLite database file")->required();

  CLI11_PARSE(app, argc, argv);
  if (init_cmd->parsed()) return RunInit(init, password_file);
  if (verify_cmd->parsed()) return RunAuditVerify(audit_db);
  return 2;
}
