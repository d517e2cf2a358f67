// The ends every hello shares: refusing a login (audited, rate-limit counted, then the
// error and the close), issuing a token, and completing a login (audited, then the
// answer).
#pragma once

#include <cstdint>
#include <string>

#include "connection.h"
#include "policy/policy.h"
#include "tether/protocol/status.h"
#include "tether/storage/store.h"

namespace tether::broker {

// The one message for every credential failure: it must not say which part was wrong.
inline constexpr const char* kInvalidCredentials = "invalid organisation, email or password";

// Who is logging in, as found on the storage thread.
struct LoginSubject {
  storage::Organization org;
  storage::User user;
  policy::Actor actor;
  bool must_enrol_totp = false;  // the organisation requires 2FA; the user has none yet
};

// Records `event` (outcome failed or denied), counts a failure against the address and,
// when `account_key` is not empty, the account; then answers `reply` and closes.
void RefuseLogin(ConnectionRef ref, std::uint64_t re, storage::AuditEvent event,
                 const protocol::Status& reply, CloseReason close, const std::string& account_key);

// Stores a new token for the subject, then completes the login answering token,
// expires_at, user and privileges.
void IssueToken(ConnectionRef ref, std::uint64_t re, LoginSubject subject, std::string auth_kind);

// Records the successful login, then answers `fields` plus user and privileges and
// makes the connection authenticated.
void CompleteLogin(ConnectionRef ref, std::uint64_t re, const LoginSubject& subject, std::string token_hash,
                   std::string auth_kind, protocol::Value fields);

// The subject for a user of an organisation (privileges resolved; 2FA requirement).
protocol::Result<LoginSubject> SubjectFor(storage::Store& store, const storage::Organization& org,
                                          const storage::User& user);

}  // namespace tether::broker
