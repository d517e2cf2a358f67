// SqliteStore: the Store of store.h over one SQLite file. Private to tether_storage; the
// rest of the code base reaches it through OpenSqliteStore. Split by concern:
// sqlite_store.cc (open, organisations, tokens), sqlite_users.cc (users),
// sqlite_roles.cc (custom roles), sqlite_invitations.cc (invitations and password
// resets), sqlite_groups.cc (groups), sqlite_devices.cc (devices and deployment keys),
// sqlite_sessions.cc (session records), sqlite_reports.cc (session reports and
// participants), sqlite_support.cc (support grants), sqlite_notifications.cc,
// sqlite_audit.cc (audit chains: append, read, search), sqlite_audit_verify.cc and
// sqlite_audit_prune.cc.
//
// Thread-safety: one thread at a time, like every Store.
#pragma once

#include <cstdint>
#include <set>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "sqlite_handle.h"
#include "tether/storage/store.h"

namespace tether::storage::sqlite {

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(Connection db) : db_(std::move(db)), statements_(db_.get()) {}

  // The newest event of a chain: what the next append links to. seq 0 / "" when empty.
  struct ChainTip {
    std::uint64_t seq = 0;
    std::string hash;
  };
  using ChainTips = std::unordered_map<std::int64_t, ChainTip>;

  Result<Organization> CreateOrganization(Organization org) override;
  Result<Organization> FindOrganization(std::string_view slug) override;
  Result<Organization> GetOrganization(std::int64_t org_id) override;
  Status UpdateOrganization(const Organization& org) override;

  Result<User> CreateUser(User user) override;
  Result<User> FindUserByEmail(std::int64_t org_id, std::string_view email) override;
  Result<User> GetUser(std::int64_t user_id) override;
  Result<std::uint32_t> CountActiveUsersWithRoles(std::int64_t org_id,
                                                  const std::vector<std::string>& role_ids) override;
  Status UpdateUser(const User& user) override;
  Status DeleteUser(std::int64_t user_id) override;
  Result<std::vector<User>> ListUsers(std::int64_t org_id, bool include_hidden) override;
  Result<std::uint32_t> CountUsersWithRole(std::int64_t org_id, std::string_view role_id) override;
  Status RevokeUserTokens(std::int64_t user_id, std::string_view keep_token_hash) override;
  Status TransferOwnership(std::int64_t old_owner, std::int64_t new_owner) override;

  Result<Role> CreateRole(Role role) override;
  Status UpdateRole(const Role& role) override;
  Status DeleteRole(std::int64_t org_id, std::string_view role_id) override;
  Result<Role> GetRole(std::int64_t org_id, std::string_view role_id) override;
  Result<std::vector<Role>> ListRoles(std::int64_t org_id) override;

  Status CreateInvitations(const std::vector<Invitation>& invitations) override;
  Result<Invitation> FindInvitation(std::string_view token_hash) override;
  Result<User> AcceptInvitation(std::string_view token_hash, User user, std::int64_t now) override;
  Status ConsumeReset(std::string_view token_hash, const std::string& password_hash,
                      std::int64_t now) override;

  Result<Group> CreateGroup(Group group) override;
  Result<Group> GetGroup(std::int64_t org_id, std::int64_t group_id) override;
  Status UpdateGroup(const Group& group) override;
  Result<std::vector<Group>> ListGroups(std::int64_t org_id) override;
  Status DeleteGroup(std::int64_t org_id, std::int64_t group_id) override;
  Result<std::uint32_t> CountDevicesInGroup(std::int64_t org_id, std::int64_t group_id) override;

  Result<Device> CreateDevice(Device device) override;
  Result<Device> GetDevice(std::int64_t org_id, std::string_view device_id) override;
  Result<Device> FindDevice(std::string_view device_id) override;
  Result<std::vector<Device>> ListDevices(std::int64_t org_id, std::int64_t group_id) override;
  Status MoveDevice(std::int64_t org_id, std::string_view device_id, std::int64_t group_id) override;
  Status SetDeviceSecret(std::int64_t org_id, std::string_view device_id,
                         std::string_view secret_hash) override;
  Status TouchDevice(std::string_view device_id, std::int64_t last_seen) override;
  Status DeleteDevice(std::int64_t org_id, std::string_view device_id) override;

  Status CreateDeployKey(const DeployKey& key) override;
  Result<DeployKey> FindDeployKey(std::string_view key_hash) override;

  Status SaveSession(const SessionRecord& session) override;
  Result<SessionRecord> GetSession(std::string_view session_id) override;
  Result<std::vector<SessionRecord>> ListScheduledSessions() override;
  Result<std::vector<SessionRecord>> EndOpenSessions(std::string_view reason, std::int64_t now) override;
  Status AddSessionParticipant(std::string_view session_id, std::int64_t user_id, std::string_view mode,
                               std::int64_t at) override;
  Result<std::vector<SessionReportRow>> ReportSessions(const SessionReportQuery& query) override;

  Result<Notification> CreateNotification(Notification notification) override;
  Result<std::vector<Notification>> ListNotifications(std::int64_t user_id, bool unread_only,
                                                      std::size_t limit) override;

  Status CreateToken(const Token& token) override;
  Result<Token> FindToken(std::string_view token_hash) override;
  Status RevokeToken(std::string_view token_hash) override;

  Result<SupportGrant> CreateSupportGrant(SupportGrant grant, User support_user) override;
  Result<SupportGrant> FindSupportGrantInForce(std::int64_t org_id) override;
  Result<std::vector<SupportGrant>> ListSupportGrantsInForce() override;
  Status SetSupportGrantUntil(std::int64_t grant_id, std::int64_t until) override;
  Status EndSupportGrant(std::int64_t grant_id, std::int64_t now, std::string_view reason) override;

  Status Atomically(const std::function<Status()>& work) override;
  bool InTransaction() override;
  Status AppendAudit(std::vector<AuditEvent>& events) override;
  Result<std::vector<AuditEvent>> QueryAudit(const AuditQuery& query) override;
  Result<std::vector<AuditEvent>> ReadAudit(std::int64_t chain, std::uint64_t from_seq,
                                            std::size_t limit) override;
  Result<std::vector<std::int64_t>> AuditChains() override;
  Result<AuditVerification> VerifyAudit(std::int64_t chain) override;
  Result<AuditPruning> PruneAudit(std::int64_t chain, std::int64_t older_than, std::size_t max_events,
                                  AuditEvent record) override;

 private:
  // Inserts `user` (email lower-cased, created_at filled) and fills its id: CreateUser,
  // and AcceptInvitation inside its transaction.
  Result<User> InsertUser(User user);
  // Inside the caller's transaction: marks the unused, unexpired single-use token of
  // `kind` used at `now`; otherwise says why it cannot be (not_found, expired, conflict).
  Result<Invitation> UseInvitation(std::string_view token_hash, std::string_view kind, std::int64_t now);
  // Inside the caller's transaction: not_found unless `group_id` is a group of `org_id`.
  // Group 0 (the default group) always exists.
  Status CheckGroupOfOrganization(std::int64_t org_id, std::int64_t group_id);

  Result<ChainTip> LoadTip(std::int64_t chain);
  // Inside the caller's transaction: numbers, links, hashes and inserts `events`, then
  // writes the head record of every chain touched. `batch_tips` collects those tips, for
  // the cache after commit (CommitTips) or to forget them after a failure (ForgetTips).
  Status InsertAuditBatch(std::vector<AuditEvent>& events, ChainTips& batch_tips);
  void CommitTips(ChainTips& batch_tips);
  void ForgetTips(const ChainTips& batch_tips);
  // Inside the caller's transaction: the pruning of PruneAudit.
  Result<AuditPruning> PruneAuditStep(std::int64_t chain, std::int64_t older_than, std::size_t max_events,
                                      AuditEvent record, ChainTips& batch_tips);

  Connection db_;
  StatementCache statements_;  // after db_: finalized before the connection closes
  // Tip of every chain this store has appended to or read the tip of, so that an append
  // needs no read. Only updated after a commit succeeded; a failed append forgets the
  // chains it touched, so the next one reloads them from the database (which also heals
  // a cache made stale by another process appending to the same file).
  ChainTips tips_;
  // Chains whose cached tip was written inside a transaction that is still open (an
  // append nested in Atomically): if that transaction rolls back, their tips are forgotten.
  std::set<std::int64_t> tips_in_open_transaction_;
};

// The columns of an audit_events row in the order ReadAuditRow reads them, followed by
// the rest of a SELECT ("FROM audit_events ").
extern const char* const kAuditColumns;
// One row of kAuditColumns; a details blob that does not decode is the Status.
Result<AuditEvent> ReadAuditRow(const Statement& row);

// What is wrong with one row of a chain walked in seq order, if anything: `seq` is the
// row that should be there, `problem` empty when the row is intact. `previous_hash` is the
// hash of the row before ("" before seq 1; the checkpoint's hash after pruning).
struct RowProblem {
  std::uint64_t seq = 0;
  std::string problem;
};
RowProblem CheckAuditRow(const AuditEvent& event, std::uint64_t expected_seq, const std::string& previous_hash);

// Preferences and audit details are stored as msgpack (tether::protocol::Encode).
std::vector<std::uint8_t> EncodeBlob(const protocol::Value& value);
// Decodes a stored blob. The limits are far above the wire's: this is our own data, and
// refusing to read back what we wrote would make an audit chain unverifiable.
Result<protocol::Value> DecodeBlob(std::span<const std::uint8_t> blob);

// A scope (users.scope, invitations.scope) is NULL for nil ("all groups"), else msgpack.
void BindScope(Statement& statement, int index, const protocol::Value& scope);
// Reads a scope column back; `what` names the row in the message of an unreadable blob.
Result<protocol::Value> ReadScope(const Statement& row, int column, const std::string& what);

// A group id column (devices.group_id, deploy_keys.group_id) is NULL for group 0, the
// organisation's default group, which has no row; reading NULL back as 0 needs nothing.
void BindGroupId(Statement& statement, int index, std::int64_t group_id);

// `prefix` followed by `random_bytes` bytes from OpenSSL's RAND_bytes as lowercase hex:
// ids that are neither guessable nor sequential ("r_" roles, "d_" devices). `what` names
// the id in the message when the random generator fails.
Result<std::string> RandomId(std::string_view prefix, std::size_t random_bytes, std::string_view what);

// A session row whose first 14 columns are those of sqlite_sessions.cc's kSessionColumns
// (id, org_id, mode, state, controller_id, device_id, agent_name, title, scheduled_at,
// created_at, started_at, ended_at, end_reason, recorded).
SessionRecord ReadSession(const Statement& row);

// Milliseconds since the epoch: the store's "now" for records created with time 0.
std::int64_t NowMs();
// Emails compare case-insensitively by storing and looking them up in lower case.
std::string LowerCaseEmail(std::string_view email);
// "1 user", "3 users": for conflict messages.
std::string CountOf(std::uint32_t n, std::string_view noun);

}  // namespace tether::storage::sqlite
