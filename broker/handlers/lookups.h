// Facts that several handlers read from the store and hand to policy: a role's
// privileges (built-in or custom), the organisation's seats and plan, the Super Admin.
// These run on the storage thread (they take a Store&); policy itself stays pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <string>
#include <vector>

#include "policy/policy.h"
#include "tether/storage/store.h"

namespace tether::broker {

// The privileges of a role of the organisation; not_found for an unknown role.
protocol::Result<policy::PrivilegeSet> RolePrivileges(storage::Store& store, std::int64_t org_id,
                                                      const std::string& role_id);
// Ids of the roles whose users take a remote-support seat (built-ins and custom).
protocol::Result<std::vector<std::string>> SeatRoleIds(storage::Store& store, std::int64_t org_id);
// Plan, seats and seats in use.
protocol::Result<policy::OrgFacts> LoadOrgFacts(storage::Store& store, std::int64_t org_id);
// The organisation's Super Admin (there is exactly one).
protocol::Result<storage::User> FindSuperAdmin(storage::Store& store, std::int64_t org_id);
// A user's scope as policy sees it (stored nil or map; a malformed stored scope counts as
// no groups at all rather than all of them).
policy::Scope ScopeOf(const storage::User& user);
// Accepts a TOTP code for the user's (pending or active) secret at most once: the code
// must match a step within the window and be later than the last step accepted (RFC 6238
// section 5.2: no replay). On success records the step in `user`; the caller stores it.
protocol::Status AcceptTotpCode(storage::User& user, std::string_view code, std::int64_t now_ms);

// Whether the organisation records its sessions (its `recording` preference; off when unset).
bool OrganisationRecords(storage::Store& store, std::int64_t org_id);

// The actor a user acts as: role privileges resolved, scope, support flag.
protocol::Result<policy::Actor> ActorFor(storage::Store& store, const storage::User& user);

}  // namespace tether::broker
