// A device as session requests need it: its record, its group's department (scope) and
// whether its sessions need the end user's consent (the organisation's or the group's
// session_confirmation), and whether they are recorded (its `recording`). Loaded on the
// storage thread.
#pragma once

#include <functional>
#include <string>

#include "connection.h"
#include "tether/storage/store.h"

namespace tether::broker {

struct DeviceView {
  protocol::Status status;  // not_found when the device is not the organisation's
  storage::Device device;
  std::string department;
  bool confirmation_required = false;
  bool recorded = false;
};

DeviceView LoadDevice(storage::Store& store, std::int64_t org_id, const std::string& device_id);

// The step session.connect, session.schedule and device.wake share: loads the device on
// the storage thread; back on the loop refuses (audited as `action`) one that is not the
// organisation's or that the actor's scope does not reach; else calls `then`.
void WithDeviceInScope(Connection& c, std::uint64_t re, std::string action, std::string device_id,
                       std::function<void(Connection&, const DeviceView&)> then);
// Answers `re` with `refusal` once its audit event (`action`, `target`) is durable.
void RefuseAudited(Connection& c, std::uint64_t re, const std::string& action, const std::string& target,
                   const protocol::Status& refusal);

}  // namespace tether::broker
