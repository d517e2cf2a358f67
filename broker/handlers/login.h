// The two ends every hello shares: refusing a login (audited, rate-limit counted, then
// the error and the close) and completing one (audited, then the answer).
#pragma once

#include <cstdint>
#include <string>

#include "connection.h"
#include "tether/protocol/status.h"
#include "tether/storage/store.h"

namespace tether::broker {

// The one message for every credential failure: it must not say which part was wrong.
inline constexpr const char* kInvalidCredentials = "invalid organisation, email or password";

// Records `event` (outcome failed or denied), counts a failure against the address and,
// when `account_key` is not empty, the account; then answers `reply` and closes.
void RefuseLogin(ConnectionRef ref, std::uint64_t re, storage::AuditEvent event,
                 const protocol::Status& reply, CloseReason close, const std::string& account_key);

// Records the successful login, then answers `fields` plus user and privileges and
// makes the connection authenticated.
void CompleteLogin(ConnectionRef ref, std::uint64_t re, const storage::Organization& org,
                   const storage::User& user, std::string token_hash, std::string auth_kind,
                   protocol::Value fields);

}  // namespace tether::broker
