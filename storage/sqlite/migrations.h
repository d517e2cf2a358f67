// Schema migrations of the SQLite store, applied on open by PRAGMA user_version.
#pragma once

#include <sqlite3.h>

#include "tether/protocol/status.h"

namespace tether::storage::sqlite {

// The schema version this build writes: the number of migration steps it knows.
int CurrentSchemaVersion();

// Brings the database to CurrentSchemaVersion(): every step above its user_version runs,
// in order, in one transaction with the new user_version, so a failed step leaves the
// file as it was. A file from a newer build is refused rather than guessed at.
protocol::Status Migrate(sqlite3* db);

// Brings the database to `version` (1..CurrentSchemaVersion()) and no further; a file
// already there or beyond is left alone. Migrate is MigrateTo(CurrentSchemaVersion());
// tests use this to build a file as an older build left it.
protocol::Status MigrateTo(sqlite3* db, int version);

}  // namespace tether::storage::sqlite
