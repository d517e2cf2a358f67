// reply.h
#include "common/reply.h"

#include <iostream>
#include <nlohmann/json.hpp>

namespace tether::tools {

protocol::Value ResultOf(const protocol::Value& reply) {
  protocol::Value result = protocol::Value::MakeMap();
  if (!reply.is_map()) return result;
  for (const auto& [key, value] : reply.as_map()) {
    if (key != "t" && key != "re") result.Set(key, value);
  }
  return result;
}

void PrintJson(const protocol::Value& value) {
  std::cout << nlohmann::ordered_json::parse(value.ToJson()).dump(2) << "\n";
}

}  // namespace tether::tools
