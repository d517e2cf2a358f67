// The ordered list of schema steps of the SQLite store and the code that applies them.
// To change the schema, append a step to kMigrations: never edit a step that has shipped,
// because databases in the field already ran it.
#include "migrations.h"

#include <iterator>
#include <string>

#include "sqlite_handle.h"

namespace tether::storage::sqlite {
namespace {

// Version 1: organisations, users, login tokens and the audit chains. Built-in roles live
// in code, so role_id is free text here.
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE organizations (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: ids name audit chains
  slug        TEXT    NOT NULL UNIQUE,
  name        TEXT    NOT NULL,
  plan        TEXT    NOT NULL,
  seats       INTEGER NOT NULL,
  preferences BLOB    NOT NULL,  -- msgpack map (tether::protocol::Encode)
  created_at  INTEGER NOT NULL   -- ms since the epoch
);

CREATE TABLE users (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: audit events name actors by id
  org_id        INTEGER NOT NULL REFERENCES organizations(id),
  email         TEXT    NOT NULL,  -- lower-case
  name          TEXT    NOT NULL,
  role_id       TEXT    NOT NULL,
  password_hash TEXT    NOT NULL,
  status        TEXT    NOT NULL,
  hidden        INTEGER NOT NULL,
  created_at    INTEGER NOT NULL,
  UNIQUE (org_id, email)
);

CREATE TABLE tokens (
  token_hash TEXT    PRIMARY KEY,  -- hex SHA-256 of the token; the token is never stored
  user_id    INTEGER NOT NULL REFERENCES users(id),
  org_id     INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  revoked    INTEGER NOT NULL DEFAULT 0
);
-- Deleting a user checks tokens for references: without this index that is a full scan.
CREATE INDEX tokens_by_user ON tokens(user_id);

CREATE TABLE audit_events (
  chain      INTEGER NOT NULL,  -- organisation id, 0 for the system chain
  seq        INTEGER NOT NULL,
  time       INTEGER NOT NULL,
  actor_kind TEXT    NOT NULL,
  actor_id   TEXT    NOT NULL,
  support    INTEGER NOT NULL,
  action     TEXT    NOT NULL,
  target     TEXT    NOT NULL,
  session_id TEXT    NOT NULL,
  source     TEXT    NOT NULL,
  outcome    TEXT    NOT NULL,
  details    BLOB    NOT NULL,  -- msgpack (tether::protocol::Encode), as the caller built it
  prev_hash  TEXT    NOT NULL,
  hash       TEXT    NOT NULL,
  PRIMARY KEY (chain, seq)
);
-- audit.query filters one organisation by time range.
CREATE INDEX audit_events_by_time ON audit_events(chain, time);
)sql";

// Version 2: the access model (POLICY.md "Organisation", "Groups and scope",
// "Invitations"). Columns added to users get defaults, so rows of version 1 read as
// "all groups, no TOTP".
constexpr const char* kSchemaV2 = R"sql(
ALTER TABLE users ADD COLUMN scope BLOB;  -- NULL: all groups; else msgpack of the scope
ALTER TABLE users ADD COLUMN totp_secret TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN totp_enabled INTEGER NOT NULL DEFAULT 0;
-- The last TOTP time step accepted: a code is good once (RFC 6238 section 5.2).
ALTER TABLE users ADD COLUMN totp_last_step INTEGER NOT NULL DEFAULT 0;
-- user.list, seat counts and role.delete all look users up by organisation (and role).
CREATE INDEX users_by_org_role ON users(org_id, role_id);

CREATE TABLE roles (
  id          TEXT    PRIMARY KEY,  -- "r_" + 16 hex; the built-in ids live in code
  org_id      INTEGER NOT NULL REFERENCES organizations(id),
  name        TEXT    NOT NULL,
  description TEXT    NOT NULL,
  privileges  TEXT    NOT NULL,  -- comma-separated wire names
  created_by  INTEGER NOT NULL,  -- a user id; no foreign key: the creator may be removed
  created_at  INTEGER NOT NULL,
  UNIQUE (org_id, name)
);

-- AUTOINCREMENT: a group id is never reused. Users' scopes name groups by id, so a new
-- group taking a deleted group's id would silently enter those scopes.
CREATE TABLE groups (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  org_id      INTEGER NOT NULL REFERENCES organizations(id),
  name        TEXT    NOT NULL,
  department  TEXT    NOT NULL DEFAULT '',
  created_by  INTEGER NOT NULL,
  created_at  INTEGER NOT NULL,
  UNIQUE (org_id, name)
);

CREATE TABLE devices (
  id          TEXT    PRIMARY KEY,
  org_id      INTEGER NOT NULL REFERENCES organizations(id),
  group_id    INTEGER REFERENCES groups(id),  -- NULL: the organisation's default group
  name        TEXT    NOT NULL,
  os          TEXT    NOT NULL,
  mac         TEXT    NOT NULL,
  secret_hash TEXT    NOT NULL,  -- hex SHA-256 of the device secret
  created_at  INTEGER NOT NULL,
  last_seen   INTEGER NOT NULL
);
-- Group counts and deletes (and the foreign key check when a group is deleted).
CREATE INDEX devices_by_group ON devices(group_id, org_id);

CREATE TABLE invitations (
  token_hash TEXT    PRIMARY KEY,  -- hex SHA-256 of the token; the token is never stored
  org_id     INTEGER NOT NULL REFERENCES organizations(id),
  kind       TEXT    NOT NULL,     -- "invite" | "reset"
  email      TEXT    NOT NULL,     -- lower-case
  role_id    TEXT    NOT NULL,     -- invite only
  scope      BLOB,                 -- invite only; NULL: all groups
  user_id    INTEGER NOT NULL,     -- reset only; no foreign key: DeleteUser removes resets
  created_by INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at    INTEGER NOT NULL DEFAULT 0  -- 0 while unused
);

CREATE TABLE notifications (
  id         INTEGER PRIMARY KEY,
  org_id     INTEGER NOT NULL REFERENCES organizations(id),
  user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  kind       TEXT    NOT NULL,
  body       BLOB    NOT NULL,  -- msgpack map
  created_at INTEGER NOT NULL,
  read       INTEGER NOT NULL DEFAULT 0
);
-- notification.list: one user's, newest first.
CREATE INDEX notifications_by_user ON notifications(user_id, created_at);
)sql";

// Version 3: sessions, deployment keys and device listing (issue 4; PROTOCOL.md
// "Sessions", protocol/PROTOCOL.md §5). A session row is a record: it outlives its
// controller and its device, so neither is a foreign key.
constexpr const char* kSchemaV3 = R"sql(
CREATE TABLE sessions (
  id            TEXT    PRIMARY KEY,  -- "s_" + 24 hex
  org_id        INTEGER NOT NULL REFERENCES organizations(id),
  mode          TEXT    NOT NULL,     -- "attended" | "unattended"
  state         TEXT    NOT NULL,     -- "scheduled" | "waiting" | "consent" | "active" | "ended"
  controller_id INTEGER NOT NULL,     -- a user id; no foreign key: users may be deleted
  device_id     TEXT    NOT NULL,     -- "" when attended; no foreign key: devices may be deleted
  agent_name    TEXT    NOT NULL,
  title         TEXT    NOT NULL,
  scheduled_at  INTEGER NOT NULL,
  created_at    INTEGER NOT NULL,
  started_at    INTEGER NOT NULL,     -- 0 if never active
  ended_at      INTEGER NOT NULL,     -- 0 while open
  end_reason    TEXT    NOT NULL,
  recorded      INTEGER NOT NULL
);
-- Reports: one organisation's sessions by time.
CREATE INDEX sessions_by_org_time ON sessions(org_id, created_at);
-- Open sessions are few among many ended ones: EndOpenSessions at start-up and listings
-- of live sessions read only these rows.
CREATE INDEX sessions_open ON sessions(org_id) WHERE ended_at = 0;

-- device.list: one organisation's devices by name (version 2 indexed them by group only).
CREATE INDEX devices_by_org_name ON devices(org_id, name);

-- ON DELETE CASCADE: a key enrolling into a deleted group has nowhere to enrol into, and
-- falling back to the default group would put devices where nobody chose to.
CREATE TABLE deploy_keys (
  key_hash   TEXT    PRIMARY KEY,  -- hex SHA-256 of the key; the key is never stored
  org_id     INTEGER NOT NULL REFERENCES organizations(id),
  group_id   INTEGER REFERENCES groups(id) ON DELETE CASCADE,  -- NULL: the default group
  created_by INTEGER NOT NULL,      -- a user id; no foreign key: the creator may be removed
  created_at INTEGER NOT NULL,
  revoked    INTEGER NOT NULL DEFAULT 0
);
-- Deleting a group looks its keys up (the cascade): without this index, a full scan.
CREATE INDEX deploy_keys_by_group ON deploy_keys(group_id);
)sql";

// Version 4: a group may require the end user's consent for unattended sessions
// (POLICY.md "Sessions": "the organisation (or the device's group) requires session
// confirmation").
constexpr const char* kSchemaV4 = R"sql(
ALTER TABLE groups ADD COLUMN session_confirmation INTEGER NOT NULL DEFAULT 0;
)sql";

// Version 5: what the audit rows alone cannot show (PROTOCOL.md §8 "Verification").
// audit_heads holds each chain's newest seq and hash, written in the transaction of every
// append, so that removing the newest rows is detected; audit_checkpoints holds the last
// event removed by retention, so that the remaining chain still verifies from it.
constexpr const char* kSchemaV5 = R"sql(
CREATE TABLE audit_heads (
  chain INTEGER PRIMARY KEY,  -- organisation id, 0 for the system chain
  seq   INTEGER NOT NULL,
  hash  TEXT    NOT NULL
);
INSERT INTO audit_heads (chain, seq, hash)
  SELECT chain, seq, hash FROM audit_events AS newest
  WHERE seq = (SELECT MAX(seq) FROM audit_events WHERE chain = newest.chain);
CREATE TABLE audit_checkpoints (
  chain     INTEGER PRIMARY KEY,
  seq       INTEGER NOT NULL,  -- the last pruned event: the chain continues at seq + 1
  hash      TEXT    NOT NULL,  -- its hash: the prev_hash of seq + 1
  time      INTEGER NOT NULL,  -- its time (ms)
  pruned_at INTEGER NOT NULL   -- when it was pruned (ms, the broker's clock)
);
)sql";

// Version 6: support access (POLICY.md "Support access"): each grant names its hidden
// support user; at most one grant of an organisation is in force (ended_at NULL).
constexpr const char* kSchemaV6 = R"sql(
CREATE TABLE support_grants (
  id INTEGER PRIMARY KEY,
  org_id INTEGER NOT NULL REFERENCES organizations(id),
  user_id INTEGER NOT NULL REFERENCES users(id),
  granted_by INTEGER NOT NULL,
  granted_at INTEGER NOT NULL,
  until INTEGER NOT NULL,
  ended_at INTEGER,
  end_reason TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX support_grants_one_in_force ON support_grants(org_id) WHERE ended_at IS NULL;
)sql";

// Version 7: session reports (protocol/PROTOCOL.md "report.sessions"). Who took part in
// a session besides its first controller: supervisors ("view", written when
// participant.joined is) and controllers by hand-over ("control"), so that a report can
// list supervisors and a technician's own report finds sessions handed to or from them.
// No foreign keys: a participant row, like its session row, outlives the user.
constexpr const char* kSchemaV7 = R"sql(
CREATE TABLE session_participants (
  session_id TEXT    NOT NULL,
  user_id    INTEGER NOT NULL,
  mode       TEXT    NOT NULL,  -- "view" | "control"
  joined_at  INTEGER NOT NULL,  -- the first time in this mode
  PRIMARY KEY (session_id, user_id, mode)
);
-- reports_own: the sessions a user controlled by hand-over.
CREATE INDEX session_participants_by_user ON session_participants(user_id, mode);
-- reports_own: the sessions a user controls, newest first.
CREATE INDEX sessions_by_controller ON sessions(org_id, controller_id, created_at);
)sql";

// Append only. Version N is kMigrations[N - 1].
constexpr const char* kMigrations[] = {
    kSchemaV1,
    kSchemaV2,
    kSchemaV3,
    kSchemaV4,
    kSchemaV5,
    kSchemaV6,
    kSchemaV7,
};

Result<int> ReadUserVersion(sqlite3* db) {
  Result<Statement> statement = Statement::Prepare(db, "PRAGMA user_version");
  if (!statement.ok()) return statement.status();
  Result<bool> row = statement->Step();
  if (!row.ok()) return row.status();
  if (!*row) return Status::Internal("sqlite: PRAGMA user_version returned no row");
  return static_cast<int>(statement->Int(0));
}

Status ApplyPendingSteps(sqlite3* db, int target) {
  Transaction transaction(db);
  if (Status s = transaction.Begin(); !s.ok()) return s;
  // Read again under the write lock: another process may have migrated meanwhile.
  Result<int> version = ReadUserVersion(db);
  if (!version.ok()) return version.status();
  if (*version >= target) return Status::Ok();
  for (int next = *version + 1; next <= target; ++next) {
    if (Status s = Exec(db, kMigrations[next - 1]); !s.ok()) {
      return Status::Internal("schema migration " + std::to_string(next) + ": " + s.message());
    }
  }
  // PRAGMA takes no bound parameters; the value is our own integer.
  const std::string set_version = "PRAGMA user_version = " + std::to_string(target);
  if (Status s = Exec(db, set_version); !s.ok()) return s;
  return transaction.Commit();
}

}  // namespace

int CurrentSchemaVersion() { return static_cast<int>(std::size(kMigrations)); }

Status Migrate(sqlite3* db) { return MigrateTo(db, CurrentSchemaVersion()); }

Status MigrateTo(sqlite3* db, int target) {
  if (target < 1 || target > CurrentSchemaVersion()) {
    return Status::Internal("no schema version " + std::to_string(target));
  }
  Result<int> version = ReadUserVersion(db);
  if (!version.ok()) return version.status();
  if (*version > CurrentSchemaVersion() || *version < 0) {
    return Status::Internal("database schema version " + std::to_string(*version) +
                            " is not one this build knows (it knows up to " +
                            std::to_string(CurrentSchemaVersion()) + ")");
  }
  if (*version >= target) return Status::Ok();
  return ApplyPendingSteps(db, target);
}

}  // namespace tether::storage::sqlite
