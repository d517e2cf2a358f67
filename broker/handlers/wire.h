// The shapes of PROTOCOL.md built from stored records: one function per shape so every
// handler sends the same fields.
#pragma once

#include "tether/protocol/value.h"
#include "tether/storage/store.h"

namespace tether::broker {

// user = {"id","email","name","role","hidden"}
protocol::Value UserToWire(const storage::User& user);
// user.list entries: user plus "status" and "scope"
protocol::Value ListedUserToWire(const storage::User& user);
// role = {"id","name","description","privileges","builtin"}
protocol::Value RoleToWire(const storage::Role& role);
// The three built-in roles, in the order Super Admin, Admin, Technician.
protocol::Value BuiltinRolesToWire();
// group = {"id","name","department"(str or nil),"devices"}
protocol::Value GroupToWire(const storage::Group& group, std::uint32_t devices);
// notification = {"id","kind","text","actor","target","time","read"}
protocol::Value NotificationToWire(const storage::Notification& notification);
// device = {"device_id","name","os","group_id","online","last_seen"}
protocol::Value DeviceToWire(const storage::Device& device, bool online, std::int64_t now_ms);
// org = {"slug","name","plan","seats","seats_used","preferences"} (preferences with defaults)
protocol::Value OrgToWire(const storage::Organization& org, std::uint32_t seats_used);

}  // namespace tether::broker
