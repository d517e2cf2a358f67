// tetherctl: administration of a Tether installation. Bootstrap and offline audit checks
// work on the database file; everything else is a request over the protocol, made with
// the login saved by `tetherctl login` (README "Administration with tetherctl").
#include <sys/stat.h>

#include <CLI/CLI.hpp>

#include "tetherctl/commands.h"

int main(int argc, char** argv) {
  ::umask(0077);  // a database it creates holds password hashes, the session a token: owner-only
  CLI::App app{"tetherctl: administer a Tether installation"};
  tether::tools::ctl::Dispatcher dispatcher(app);
  tether::tools::ctl::RegisterDatabaseCommands(dispatcher);
  tether::tools::ctl::RegisterAccountCommands(dispatcher);
  tether::tools::ctl::RegisterOrgCommands(dispatcher);
  tether::tools::ctl::RegisterUserCommands(dispatcher);
  tether::tools::ctl::RegisterRoleCommands(dispatcher);
  tether::tools::ctl::RegisterGroupCommands(dispatcher);
  tether::tools::ctl::RegisterSupportAccessCommands(dispatcher);
  tether::tools::ctl::RegisterAuditCommands(dispatcher);
  tether::tools::ctl::RegisterReportCommands(dispatcher);
  tether::tools::ctl::RegisterRecordingCommands(dispatcher);
  tether::tools::ctl::RegisterCertCommands(dispatcher);
  return dispatcher.Run(argc, argv);
}
