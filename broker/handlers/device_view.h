// A device as session requests need it: its record, its group's department (scope) and
// whether its sessions need the end user's consent (the organisation's or the group's
// session_confirmation). Loaded on the storage thread.
#pragma once

#include <string>

#include "tether/storage/store.h"

namespace tether::broker {

struct DeviceView {
  protocol::Status status;  // not_found when the device is not the organisation's
  storage::Device device;
  std::string department;
  bool confirmation_required = false;
};

DeviceView LoadDevice(storage::Store& store, std::int64_t org_id, const std::string& device_id);

}  // namespace tether::broker
