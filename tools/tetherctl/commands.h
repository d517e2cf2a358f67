// The command groups of tetherctl, one file each; main() registers them all.
#pragma once

#include "tetherctl/command.h"

namespace tether::tools::ctl {

// `init`, `audit verify`: work directly on a database file, no broker (database.cc).
void RegisterDatabaseCommands(Dispatcher& dispatcher);
// `login`, `logout`, `password change`, `totp ...`, `notifications` (account.cc).
void RegisterAccountCommands(Dispatcher& dispatcher);
// `org show`, `org set`, `licence` (org.cc).
void RegisterOrgCommands(Dispatcher& dispatcher);
// `user list|invite|set|remove|transfer-ownership|reset-password` (users.cc).
void RegisterUserCommands(Dispatcher& dispatcher);
// `role list|create|update|delete` (roles.cc).
void RegisterRoleCommands(Dispatcher& dispatcher);
// `group list|create|delete`, `device move` (groups.cc).
void RegisterGroupCommands(Dispatcher& dispatcher);
// `support-access grant|extend|revoke|status` (support_access.cc).
void RegisterSupportAccessCommands(Dispatcher& dispatcher);
// `audit export` (audit.cc); after RegisterDatabaseCommands, which makes `audit`.
void RegisterAuditCommands(Dispatcher& dispatcher);
// `report sessions` (reports.cc).
void RegisterReportCommands(Dispatcher& dispatcher);
// `recording get` (recordings.cc).
void RegisterRecordingCommands(Dispatcher& dispatcher);
// `cert generate` (cert.cc): works offline, no broker.
void RegisterCertCommands(Dispatcher& dispatcher);

}  // namespace tether::tools::ctl
