// SqliteStore: the Store of store.h over one SQLite file. Private to tether_storage; the
// rest of the code base reaches it through OpenSqliteStore. Split by concern:
// sqlite_store.cc (open, organisations, users, tokens) and sqlite_audit.cc (audit chains).
//
// Thread-safety: one thread at a time, like every Store.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "sqlite_handle.h"
#include "tether/storage/store.h"

namespace tether::storage::sqlite {

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(Connection db) : db_(std::move(db)) {}

  Result<Organization> CreateOrganization(Organization org) override;
  Result<Organization> FindOrganization(std::string_view slug) override;
  Result<Organization> GetOrganization(std::int64_t org_id) override;
  Status UpdateOrganization(const Organization& org) override;

  Result<User> CreateUser(User user) override;
  Result<User> FindUserByEmail(std::int64_t org_id, std::string_view email) override;
  Result<User> GetUser(std::int64_t user_id) override;
  Result<std::uint32_t> CountActiveUsersWithRoles(std::int64_t org_id,
                                                  const std::vector<std::string>& role_ids) override;

  Status CreateToken(const Token& token) override;
  Result<Token> FindToken(std::string_view token_hash) override;
  Status RevokeToken(std::string_view token_hash) override;

  Status AppendAudit(std::vector<AuditEvent>& events) override;
  Result<std::vector<AuditEvent>> ReadAudit(std::int64_t chain, std::uint64_t from_seq,
                                            std::size_t limit) override;
  Result<std::vector<std::int64_t>> AuditChains() override;
  Result<AuditVerification> VerifyAudit(std::int64_t chain) override;

 private:
  // The newest event of a chain: what the next append links to. seq 0 / "" when empty.
  struct ChainTip {
    std::uint64_t seq = 0;
    std::string hash;
  };
  using ChainTips = std::unordered_map<std::int64_t, ChainTip>;

  Result<ChainTip> LoadTip(std::int64_t chain);
  Status InsertAuditBatch(std::vector<AuditEvent>& events, ChainTips& batch_tips);
  AuditVerification CheckTipAgainstCache(AuditVerification result, const std::string& last_hash) const;

  Connection db_;
  // Tip of every chain this store has appended to or read the tip of, so that an append
  // needs no read. Only updated after a commit succeeded; a failed append forgets the
  // chains it touched, so the next one reloads them from the database (which also heals
  // a cache made stale by another process appending to the same file).
  ChainTips tips_;
};

// Preferences and audit details are stored as msgpack (tether::protocol::Encode).
std::vector<std::uint8_t> EncodeBlob(const protocol::Value& value);
// Decodes a stored blob. The limits are far above the wire's: this is our own data, and
// refusing to read back what we wrote would make an audit chain unverifiable.
Result<protocol::Value> DecodeBlob(std::span<const std::uint8_t> blob);

}  // namespace tether::storage::sqlite
