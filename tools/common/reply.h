// What the tools make of a broker's answer, the same in `tether` and `tetherctl`.
#pragma once

#include "tether/protocol/value.h"

namespace tether::tools {

// The ok reply without "t" and "re": the request's result fields.
protocol::Value ResultOf(const protocol::Value& reply);
// Pretty JSON on stdout (map keys in the broker's order).
void PrintJson(const protocol::Value& value);

}  // namespace tether::tools
