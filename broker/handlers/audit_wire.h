// What audit.query and audit.export share (protocol/PROTOCOL.md §6.10, §6.11): an audit
// event as the wire shows it, and the filters both requests take.
#pragma once

#include <cstdint>

#include "tether/protocol/status.h"
#include "tether/protocol/value.h"
#include "tether/storage/store.h"

namespace tether::broker {

// {"seq","time","actor","actor_kind","support","action","target","session_id","source",
// "outcome","details"}.
protocol::Value AuditEventToWire(const storage::AuditEvent& event);

// The filters of `body` (from, to, actor, support_only, session_id, action, outcome,
// target) on `chain`; bad_request naming a field of the wrong type.
protocol::Result<storage::AuditQuery> ParseAuditFilters(const protocol::Value& body, std::int64_t chain);

}  // namespace tether::broker
