// DeviceTable: the `tether devices` listing — one line per device of a `device.list`
// result (PROTOCOL.md shape **device**) — and the `tether sessions` listing of a
// `session.list` result (PROTOCOL.md §5.1), columns aligned for people. Pure, so that odd
// replies (missing fields, wrong types, hostile names) are tested without a broker:
// a field that is missing or oddly typed shows as "-", never aborts.
//
// Thread-safety: plain functions.
#pragma once

#include <cstdint>
#include <string>

#include "tether/protocol/value.h"

namespace tether::tools::cli {

using protocol::Value;

// Epoch milliseconds as "2026-01-08 14:03 UTC"; "-" when not a uint or 0 (never seen).
std::string TimeText(const Value* epoch_ms);

// The table with a header line: ID NAME OS GROUP ONLINE LAST SEEN. `devices` that is not
// an array gives the header alone. Group "-" means the organisation's default group.
std::string RenderDeviceTable(const Value* devices);

// The table with a header line: SESSION STATE MODE CONTROLLER DEVICE STARTED VIEWERS.
// CONTROLLER is the controller's email; VIEWERS counts the participants in "view" mode;
// STARTED is "-" before the session became active. Not an array: the header alone.
std::string RenderSessionTable(const Value* sessions);

}  // namespace tether::tools::cli
