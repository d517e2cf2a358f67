// Store: the broker's durable state behind one abstract interface (ARCHITECTURE.md
// "storage/"). Nothing above this layer writes SQL; a PostgreSQL implementation will
// pass the same tests later.
//
// Thread-safety: a Store is used by one thread at a time. In the broker that is the
// storage thread (storage_thread.h); tools such as `tetherctl` use it directly.
// Every failure is a Status: not_found, conflict (a unique key), internal (I/O).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tether/protocol/status.h"
#include "tether/protocol/value.h"

namespace tether::storage {

using protocol::Result;
using protocol::Status;
using protocol::Value;

// Organisation ids start at 1; chain 0 is the system audit chain (events of no organisation).
inline constexpr std::int64_t kSystemChain = 0;

struct Organization {
  std::int64_t id = 0;
  std::string slug;  // the `org` of a password hello
  std::string name;
  std::string plan;  // "free" | "standard" | "professional" | "enterprise" (on the wire)
  std::uint32_t seats = 0;
  Value preferences = Value::MakeMap();  // only the preferences set explicitly
  std::int64_t created_at = 0;           // ms since the epoch; "now" when created with 0
};

struct User {
  std::int64_t id = 0;
  std::int64_t org_id = 0;
  std::string email;  // stored lower-case; unique per organisation
  std::string name;
  std::string role_id;        // "super_admin" | "admin" | "technician" | custom id
  std::string password_hash;  // PHC string ($argon2id$...)
  std::string status = "active";  // "active" | "disabled"
  bool hidden = false;            // a support user (POLICY.md "Support access")
  std::int64_t created_at = 0;    // ms since the epoch; "now" when created with 0
};

// A login token. Only the SHA-256 of the token is stored; the token itself is shown once.
struct Token {
  std::string token_hash;  // hex SHA-256 of the token
  std::int64_t user_id = 0;
  std::int64_t org_id = 0;
  std::int64_t created_at = 0;  // ms since the epoch; "now" when created with 0
  std::int64_t expires_at = 0;  // ms since the epoch; FindToken returns expired tokens too
  bool revoked = false;
};

// One audit event (POLICY.md "Audit"). seq, prev_hash and hash are assigned by the store
// when the event is appended; everything else by the caller.
struct AuditEvent {
  std::int64_t chain = kSystemChain;  // organisation id, or kSystemChain
  std::uint64_t seq = 0;              // from 1 per chain
  std::int64_t time = 0;              // ms since the epoch
  std::string actor_kind;             // "user" | "device" | "agent" | "anonymous" | "system"
  std::string actor_id;               // user id, device id, or what the client claimed
  bool support = false;               // the actor is a hidden support user
  std::string action;                 // e.g. "auth.login"
  std::string target;
  std::string session_id;
  std::string source;   // client address
  std::string outcome;  // "ok" | "denied" | "failed"
  Value details = Value::MakeMap();
  std::string prev_hash;  // hex SHA-256 of the previous event of the chain ("" for seq 1)
  std::string hash;       // hex SHA-256 over prev_hash and this event's canonical encoding
};

// The first problem found walking a chain, if any.
struct AuditVerification {
  std::int64_t chain = kSystemChain;
  std::uint64_t events_checked = 0;
  bool ok = true;
  std::uint64_t first_bad_seq = 0;  // when !ok
  std::string problem;              // when !ok: what is wrong at first_bad_seq
};

class Store {
 public:
  virtual ~Store() = default;

  // Organisations. CreateOrganization fills id and created_at; a taken slug is conflict.
  virtual Result<Organization> CreateOrganization(Organization org) = 0;
  virtual Result<Organization> FindOrganization(std::string_view slug) = 0;
  virtual Result<Organization> GetOrganization(std::int64_t org_id) = 0;
  virtual Status UpdateOrganization(const Organization& org) = 0;

  // Users. CreateUser fills id; an email already used in the organisation is conflict.
  virtual Result<User> CreateUser(User user) = 0;
  virtual Result<User> FindUserByEmail(std::int64_t org_id, std::string_view email) = 0;
  virtual Result<User> GetUser(std::int64_t user_id) = 0;
  // Active users of the organisation whose role is one of `role_ids` (licence seats).
  // Hidden support users are not counted: they take no seat (POLICY.md "Organisation").
  virtual Result<std::uint32_t> CountActiveUsersWithRoles(std::int64_t org_id,
                                                          const std::vector<std::string>& role_ids) = 0;

  // Tokens.
  virtual Status CreateToken(const Token& token) = 0;
  virtual Result<Token> FindToken(std::string_view token_hash) = 0;
  virtual Status RevokeToken(std::string_view token_hash) = 0;

  // Audit. Appends the events in order, in one transaction, filling seq, prev_hash and
  // hash of each; either all are durable when this returns ok, or none are.
  virtual Status AppendAudit(std::vector<AuditEvent>& events) = 0;
  // Events of one chain with seq >= from_seq, in seq order, at most `limit`.
  virtual Result<std::vector<AuditEvent>> ReadAudit(std::int64_t chain, std::uint64_t from_seq,
                                                    std::size_t limit) = 0;
  // Every chain that has events (kSystemChain included when it has any).
  virtual Result<std::vector<std::int64_t>> AuditChains() = 0;
  // Recomputes every hash of the chain: detects changed, removed and reordered rows.
  virtual Result<AuditVerification> VerifyAudit(std::int64_t chain) = 0;
};

// The SQLite implementation: one file, WAL, foreign keys on, schema migrated to the
// current version on open (PRAGMA user_version). `path` ":memory:" works for tests.
Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path);

}  // namespace tether::storage
