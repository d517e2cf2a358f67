// The shapes of PROTOCOL.md built from stored records: one function per shape so every
// handler sends the same fields.
#pragma once

#include "tether/protocol/value.h"
#include "tether/storage/store.h"

namespace tether::broker {

// user = {"id","email","name","role","hidden"}
protocol::Value UserToWire(const storage::User& user);
// org = {"slug","name","plan","seats","seats_used","preferences"} (preferences with defaults)
protocol::Value OrgToWire(const storage::Organization& org, std::uint32_t seats_used);

}  // namespace tether::broker
