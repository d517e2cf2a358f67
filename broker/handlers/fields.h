// Request fields of the access model that several handlers read: privilege lists and
// numeric ids sent as strings. Failures are bad_request naming the field.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "policy/privileges.h"
#include "tether/protocol/status.h"
#include "tether/protocol/value.h"

namespace tether::broker {

struct PrivilegeList {
  policy::PrivilegeSet set;
  std::vector<std::string> names;  // wire names, in the order of the privilege table
};

// `key` must be a list of known privilege names (duplicates collapse).
protocol::Result<PrivilegeList> RequirePrivileges(const protocol::Value& map, std::string_view key);
// `key` must be a string holding a positive decimal integer (ids on the wire are strings).
protocol::Result<std::int64_t> RequireNumericId(const protocol::Value& map, std::string_view key);
// A device's group: `key` must be "0" (the organisation's default group, which has no id)
// or a group id as RequireNumericId takes it.
protocol::Result<std::int64_t> RequireGroupId(const protocol::Value& map, std::string_view key);
// A display name or description: a string of 1..max_bytes bytes (0..max when allow_empty).
protocol::Result<std::string> RequireText(const protocol::Value& map, std::string_view key, std::size_t max_bytes,
                                          bool allow_empty = false);

}  // namespace tether::broker
