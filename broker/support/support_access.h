// SupportAccess: the broker's side of vendor support access (POLICY.md "Support
// access"). It keeps every grant in force armed, and at its `until` moment — checked by
// the broker's sweep timer against the (injectable) clock, not on the next request —
// ends it: the grant and its `support_access.expired` event in one transaction, then
// everything the support user has ends at once (EndSupportUserPresence).
//
// Thread-safety: loop thread only.
#pragma once

#include <cstdint>
#include <map>
#include <set>

#include "tether/storage/store.h"

namespace tether::broker {

class Broker;

// The bounds of a grant's `until` (POLICY.md): at least 1 day and at most 5 calendar
// years (UTC) from `now`; bad_request naming both bounds otherwise.
protocol::Status CheckSupportUntil(std::int64_t until_ms, std::int64_t now_ms);

// Support access has ended (revoked or expired): the support user's view participations
// end (reason `revoked`), the sessions it controls — scheduled ones too — end with
// reason `revoked`, and once all of that is audited and announced (to the support user
// as well) its connections close with 4403. Its tokens were revoked and the user
// disabled in the transaction that ended the grant.
void EndSupportUserPresence(Broker& broker, std::int64_t user_id);

class SupportAccess {
 public:
  explicit SupportAccess(Broker& broker) : broker_(broker) {}

  // At start-up: arms every grant in force (overdue ones expire at the next sweep).
  void Load();
  // A grant made or changed: (re)armed for its `until`.
  void Arm(const storage::SupportGrant& grant);
  // A grant revoked: nothing left to expire.
  void Disarm(std::int64_t org_id);
  // From the sweep timer: expires every armed grant whose `until` has come.
  void Sweep();

 private:
  void Expire(storage::SupportGrant grant);

  Broker& broker_;
  std::map<std::int64_t, storage::SupportGrant> armed_;  // by organisation
  std::set<std::int64_t> expiring_;                       // organisations with an expiry in flight
};

}  // namespace tether::broker
