// Store: the broker's durable state behind one abstract interface (ARCHITECTURE.md
// "storage/"). Nothing above this layer writes SQL; a PostgreSQL implementation will
// pass the same tests later.
//
// Thread-safety: a Store is used by one thread at a time. In the broker that is the
// storage thread (storage_thread.h); tools such as `tetherctl` use it directly.
// Every failure is a Status: not_found, conflict (a unique key or a state rule), expired
// (a single-use token past its date), bad_request (a value the store cannot keep),
// internal (I/O).
#pragma once

#include <cstdint>
#include <functional>
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
  Value scope;                    // nil: all groups; else {"groups":[ids],"departments":[names]}
  std::string totp_secret;        // base32; "" when never enrolled
  bool totp_enabled = false;      // confirmed: every password login needs an otp
  std::int64_t totp_last_step = 0;  // the last TOTP time step accepted (a code works once)
};

// A custom role (the three built-ins live in code, policy/privileges.h).
struct Role {
  std::string id;  // generated, e.g. "r_5f3a…"; never one of the built-in ids
  std::int64_t org_id = 0;
  std::string name;  // unique per organisation
  std::string description;
  std::vector<std::string> privileges;  // wire names
  std::int64_t created_by = 0;          // user id
  std::int64_t created_at = 0;
};

// A group of unattended devices; a department is a name several groups share.
struct Group {
  std::int64_t id = 0;
  std::int64_t org_id = 0;
  std::string name;        // unique per organisation
  std::string department;  // "" for none
  bool session_confirmation = false;  // unattended sessions on its devices need consent
  std::int64_t created_by = 0;
  std::int64_t created_at = 0;
};

// An unattended device (enrolment arrives with the sessions issue; the access model
// needs its group for group.delete and device.move).
struct Device {
  std::string id;
  std::int64_t org_id = 0;
  std::int64_t group_id = 0;  // 0: the organisation's default group
  std::string name;
  std::string os;
  std::string mac;
  std::string secret_hash;  // hex SHA-256 of the device secret
  std::int64_t created_at = 0;
  std::int64_t last_seen = 0;
};

// A remote-support session as recorded (the live state is the broker's; this row is for
// reports, the audit trail and recovery after a crash).
struct SessionRecord {
  std::string id;
  std::int64_t org_id = 0;
  std::string mode;   // "attended" | "unattended"
  std::string state;  // "scheduled" | "waiting" | "consent" | "active" | "ended"
  std::int64_t controller_id = 0;  // user id
  std::string device_id;           // unattended only
  std::string agent_name;          // attended: the name the customer gave
  std::string title;               // scheduled sessions
  std::int64_t scheduled_at = 0;   // scheduled sessions: not before
  std::int64_t created_at = 0;
  std::int64_t started_at = 0;  // when it became active; 0 if never
  std::int64_t ended_at = 0;
  std::string end_reason;  // one of PROTOCOL.md's session.ended reasons
  bool recorded = false;
};

// A deployment key: lets agents enrol into one group (PROTOCOL.md "deploy_key.create").
struct DeployKey {
  std::string key_hash;  // hex SHA-256 of the key
  std::int64_t org_id = 0;
  std::int64_t group_id = 0;  // 0: the default group
  std::int64_t created_by = 0;
  std::int64_t created_at = 0;
  bool revoked = false;
};

// A single-use token sent to someone: an invitation, or a password reset.
struct Invitation {
  std::string token_hash;  // hex SHA-256 of the token
  std::int64_t org_id = 0;
  std::string kind = "invite";  // "invite" | "reset"
  std::string email;            // invite: the invitee; reset: the user's
  std::string role_id;          // invite only
  Value scope;                  // invite only; nil = all groups
  std::int64_t user_id = 0;     // reset only: whose password
  std::int64_t created_by = 0;
  std::int64_t created_at = 0;
  std::int64_t expires_at = 0;
  std::int64_t used_at = 0;  // 0 while unused
};

// A notice stored for one user (POLICY.md "notify_technician_changes").
struct Notification {
  std::int64_t id = 0;
  std::int64_t org_id = 0;
  std::int64_t user_id = 0;  // the recipient
  std::string kind;          // e.g. "technician_invited"
  Value body = Value::MakeMap();  // {"text","actor","target"}
  std::int64_t created_at = 0;
  bool read = false;
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

// Vendor support access granted by an organisation (POLICY.md "Support access"). At most
// one grant of an organisation is in force (ended_at 0); ended ones are history.
struct SupportGrant {
  std::int64_t id = 0;
  std::int64_t org_id = 0;
  std::int64_t user_id = 0;     // the hidden support user it created
  std::int64_t granted_by = 0;  // user id
  std::int64_t granted_at = 0;  // ms since the epoch
  std::int64_t until = 0;       // ms since the epoch: it ends by itself then
  std::int64_t ended_at = 0;    // 0 while in force
  std::string end_reason;       // "revoked" | "expired" once ended
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

// The first problem found walking a chain, if any, and the records it was checked against.
struct AuditVerification {
  std::int64_t chain = kSystemChain;
  std::uint64_t events_checked = 0;
  bool ok = true;
  std::uint64_t first_bad_seq = 0;  // when !ok
  std::string problem;              // when !ok: what is wrong at first_bad_seq
  // The chain head record (seq 0 / "" when the chain has none): the anchor an auditor
  // keeps outside the database, since whoever can rewrite the rows can rewrite it too.
  std::uint64_t head_seq = 0;
  std::string head_hash;
  // The retention checkpoint (seq 0 / "" when never pruned): the chain starts after it.
  std::uint64_t checkpoint_seq = 0;
  std::string checkpoint_hash;
};

// The action of the event that retention appends for each pruning step; its details say
// what was removed ("count", "from_seq", "through_seq", "through_hash"), and verification
// checks that the newest one agrees with the checkpoint. On the wire: never rename.
inline constexpr const char* kAuditPrunedAction = "audit.pruned";

// What one pruning step removed (Store::PruneAudit).
struct AuditPruning {
  std::uint64_t count = 0;  // 0: nothing to prune (then nothing was written)
  std::uint64_t from_seq = 0;
  std::uint64_t through_seq = 0;
  bool more = false;  // older events remain beyond this step's bound
  AuditEvent event;   // the audit.pruned event appended, when count > 0
};

// A search of one audit chain (PROTOCOL.md "audit.query"): every set filter must hold.
struct AuditQuery {
  std::int64_t chain = kSystemChain;
  std::optional<std::int64_t> from;  // time >= from (ms)
  std::optional<std::int64_t> to;    // time < to (ms)
  std::optional<std::string> actor;  // actor_id
  bool support_only = false;
  std::optional<std::string> session_id;
  std::optional<std::string> action_prefix;
  std::optional<std::string> outcome;
  std::optional<std::string> target;
  std::uint64_t before_seq = 0;  // the cursor: only events with seq below it (0: from the newest)
  std::uint64_t after_seq = 0;   // only events with seq above it (exports page forward with it)
  bool oldest_first = false;     // by seq ascending (exports) rather than descending
  std::size_t limit = 100;
};

// Someone who took part in a session other than as its first controller (PROTOCOL.md
// "report.sessions"): a view participant (a supervisor), or a controller by hand-over.
struct SessionParticipant {
  std::int64_t user_id = 0;
  std::string email;  // "" when the user has been removed since
  std::string name;
  std::string mode;  // "view" | "control" (on the wire)
  std::int64_t joined_at = 0;  // the first time they joined in this mode
};

// One session of a report, with what a report shows and what its scope check needs.
struct SessionReportRow {
  SessionRecord session;
  std::string controller_email;  // "" when the controller has been removed since
  std::string controller_name;
  Value controller_scope;        // nil: all groups (as User::scope)
  std::string device_name;       // unattended: "" when the device has been deleted since
  std::int64_t device_group = 0;     // the device's group now (0: the default group)
  std::string device_department;     // that group's department, "" for none
  std::vector<SessionParticipant> participants;  // by joined_at
};

// Sessions of one organisation, newest first by (created_at, id) (PROTOCOL.md
// "report.sessions"): every set filter must hold.
struct SessionReportQuery {
  std::int64_t org_id = 0;
  std::optional<std::int64_t> from;  // created_at >= from (ms)
  std::optional<std::int64_t> to;    // created_at < to (ms)
  // Only sessions this user controlled: their controller now, or a controller by
  // hand-over (0: any controller).
  std::int64_t controlled_by = 0;
  // The cursor: only sessions strictly older than (created_at, id) in that order.
  std::optional<std::pair<std::int64_t, std::string>> before;
  std::size_t limit = 100;
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

  // Users, continued. UpdateUser writes every mutable field (name, role_id,
  // password_hash, status, scope, totp_secret, totp_enabled, totp_last_step) of the user
  // with that id.
  virtual Status UpdateUser(const User& user) = 0;
  // Deletes the user and their tokens; not_found when there is none.
  virtual Status DeleteUser(std::int64_t user_id) = 0;
  // Users of the organisation, ordered by id; hidden support users only when asked.
  virtual Result<std::vector<User>> ListUsers(std::int64_t org_id, bool include_hidden) = 0;
  // Every user (any status) whose role is `role_id`.
  virtual Result<std::uint32_t> CountUsersWithRole(std::int64_t org_id, std::string_view role_id) = 0;
  // Revokes every token of the user except `keep_token_hash` ("" keeps none).
  virtual Status RevokeUserTokens(std::int64_t user_id, std::string_view keep_token_hash) = 0;
  // Makes `new_owner` super_admin and `old_owner` admin in one transaction.
  virtual Status TransferOwnership(std::int64_t old_owner, std::int64_t new_owner) = 0;

  // Custom roles. CreateRole: a taken name is conflict. DeleteRole: conflict while any
  // user holds the role (checked in the same transaction). Lookups are per organisation:
  // a role of another organisation is not_found.
  virtual Result<Role> CreateRole(Role role) = 0;
  virtual Status UpdateRole(const Role& role) = 0;  // by role.id within role.org_id
  virtual Status DeleteRole(std::int64_t org_id, std::string_view role_id) = 0;
  virtual Result<Role> GetRole(std::int64_t org_id, std::string_view role_id) = 0;
  virtual Result<std::vector<Role>> ListRoles(std::int64_t org_id) = 0;  // by name

  // Invitations and password resets. CreateInvitations stores all or none.
  // AcceptInvitation marks the invitation used and creates `user` in one transaction:
  // conflict if it was used already (or the email became a user meanwhile).
  // ConsumeReset marks a reset used and sets the user's password hash, revoking all
  // their tokens, in one transaction.
  virtual Status CreateInvitations(const std::vector<Invitation>& invitations) = 0;
  virtual Result<Invitation> FindInvitation(std::string_view token_hash) = 0;
  virtual Result<User> AcceptInvitation(std::string_view token_hash, User user, std::int64_t now) = 0;
  virtual Status ConsumeReset(std::string_view token_hash, const std::string& password_hash,
                              std::int64_t now) = 0;

  // Groups. DeleteGroup: conflict while devices are in it (same transaction).
  virtual Result<Group> CreateGroup(Group group) = 0;
  virtual Result<Group> GetGroup(std::int64_t org_id, std::int64_t group_id) = 0;
  // Writes name, department and session_confirmation of the group (id within org_id).
  virtual Status UpdateGroup(const Group& group) = 0;
  virtual Result<std::vector<Group>> ListGroups(std::int64_t org_id) = 0;  // by name
  virtual Status DeleteGroup(std::int64_t org_id, std::int64_t group_id) = 0;
  virtual Result<std::uint32_t> CountDevicesInGroup(std::int64_t org_id, std::int64_t group_id) = 0;

  // Devices. CreateDevice generates the id ("d_" + 24 hex) when empty. FindDevice looks
  // a device up by id alone (the device hello names no organisation). ListDevices of the
  // organisation, by name; group_id -1 = every group, 0 = the default group.
  virtual Result<Device> CreateDevice(Device device) = 0;
  virtual Result<Device> GetDevice(std::int64_t org_id, std::string_view device_id) = 0;
  virtual Result<Device> FindDevice(std::string_view device_id) = 0;
  virtual Result<std::vector<Device>> ListDevices(std::int64_t org_id, std::int64_t group_id) = 0;
  virtual Status MoveDevice(std::int64_t org_id, std::string_view device_id, std::int64_t group_id) = 0;
  virtual Status SetDeviceSecret(std::int64_t org_id, std::string_view device_id, std::string_view secret_hash) = 0;
  virtual Status TouchDevice(std::string_view device_id, std::int64_t last_seen) = 0;
  virtual Status DeleteDevice(std::int64_t org_id, std::string_view device_id) = 0;

  // Deployment keys. FindDeployKey returns revoked keys too (the caller refuses them).
  virtual Status CreateDeployKey(const DeployKey& key) = 0;
  virtual Result<DeployKey> FindDeployKey(std::string_view key_hash) = 0;

  // Sessions. SaveSession inserts or replaces the row with that id. EndOpenSessions ends
  // every session not yet ended (ended_at = now, end_reason = reason) and returns them —
  // at start-up with "broker_restart" for sessions a crash left open — except scheduled
  // ones, which outlive restarts (ListScheduledSessions, by scheduled_at).
  virtual Status SaveSession(const SessionRecord& session) = 0;
  virtual Result<SessionRecord> GetSession(std::string_view session_id) = 0;
  virtual Result<std::vector<SessionRecord>> ListScheduledSessions() = 0;
  virtual Result<std::vector<SessionRecord>> EndOpenSessions(std::string_view reason, std::int64_t now) = 0;
  // Records that `user_id` joined the session in `mode` ("view" | "control") at `at`;
  // joining again in the same mode keeps the first time.
  virtual Status AddSessionParticipant(std::string_view session_id, std::int64_t user_id, std::string_view mode,
                                       std::int64_t at) = 0;
  // Sessions matching the query with their controller, device and participants.
  virtual Result<std::vector<SessionReportRow>> ReportSessions(const SessionReportQuery& query) = 0;

  // Notifications, newest first.
  virtual Result<Notification> CreateNotification(Notification notification) = 0;
  virtual Result<std::vector<Notification>> ListNotifications(std::int64_t user_id, bool unread_only,
                                                              std::size_t limit) = 0;

  // Tokens.
  virtual Status CreateToken(const Token& token) = 0;
  virtual Result<Token> FindToken(std::string_view token_hash) = 0;
  virtual Status RevokeToken(std::string_view token_hash) = 0;

  // Support access. CreateSupportGrant creates the hidden support user and the grant in
  // one transaction (conflict when the organisation has a grant in force) and fills ids.
  // EndSupportGrant ends a grant in force (not_found otherwise), disables its user and
  // revokes the user's tokens, in one transaction.
  virtual Result<SupportGrant> CreateSupportGrant(SupportGrant grant, User support_user) = 0;
  virtual Result<SupportGrant> FindSupportGrantInForce(std::int64_t org_id) = 0;  // not_found when none
  virtual Result<std::vector<SupportGrant>> ListSupportGrantsInForce() = 0;         // every organisation's
  virtual Status SetSupportGrantUntil(std::int64_t grant_id, std::int64_t until) = 0;
  virtual Status EndSupportGrant(std::int64_t grant_id, std::int64_t now, std::string_view reason) = 0;

  // Runs `work` (calls on this store) as one transaction: everything it wrote commits
  // when it returns ok, nothing when it returns an error. Calls inside may nest
  // Atomically; an inner one that returns an error undoes only its own writes. For a
  // change and the audit event that records it: both durable, or neither.
  virtual Status Atomically(const std::function<Status()>& work) = 0;
  // Whether a transaction is open (inside Atomically). The storage thread runs a whole
  // turn in one Atomically and asks this after each job: SQLite rolls an open transaction
  // back by itself on some failures (a full disk, an I/O error), and the jobs after that
  // must not run as if they were still inside it.
  virtual bool InTransaction() = 0;

  // Audit. Appends the events in order, in one transaction, filling seq, prev_hash and
  // hash of each; either all are durable when this returns ok, or none are.
  virtual Status AppendAudit(std::vector<AuditEvent>& events) = 0;
  // Events of one chain with seq >= from_seq, in seq order, at most `limit`.
  virtual Result<std::vector<AuditEvent>> ReadAudit(std::int64_t chain, std::uint64_t from_seq,
                                                    std::size_t limit) = 0;
  // Events matching the query, newest first (by seq) unless query.oldest_first, at most
  // query.limit.
  virtual Result<std::vector<AuditEvent>> QueryAudit(const AuditQuery& query) = 0;
  // Every chain that has events, a head record or a checkpoint (kSystemChain included).
  virtual Result<std::vector<std::int64_t>> AuditChains() = 0;
  // Recomputes every hash of the chain from its checkpoint (or seq 1) and compares the
  // end with the chain head record: detects changed, removed and reordered rows,
  // including removed newest rows. Reads one snapshot.
  virtual Result<AuditVerification> VerifyAudit(std::int64_t chain) = 0;
  // Retention, in one transaction: removes the chain's oldest events while their time is
  // before `older_than` (stopping at the first newer one, so what remains is still one
  // unbroken chain), at most `max_events`; moves the checkpoint to the last one removed;
  // and appends `record` (action kAuditPrunedAction; the store adds the details above to
  // the caller's). Nothing is written when nothing is old enough.
  virtual Result<AuditPruning> PruneAudit(std::int64_t chain, std::int64_t older_than, std::size_t max_events,
                                          AuditEvent record) = 0;
};

// The SQLite implementation: one file, WAL, foreign keys on, schema migrated to the
// current version on open (PRAGMA user_version). `path` ":memory:" works for tests.
Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path);
// A second, read-only connection to a file a writer already opened (and migrated): WAL
// lets it read while the writer commits, so long reads (audit verification, searches)
// run on their own thread without holding up audit appends. Every write through it fails.
Result<std::unique_ptr<Store>> OpenSqliteReader(const std::string& path);

}  // namespace tether::storage
