// Field readers for the access-model requests.
#include "handlers/fields.h"

#include "tether/protocol/codec.h"

namespace tether::broker {

using protocol::Status;
using protocol::Value;

protocol::Result<PrivilegeList> RequirePrivileges(const Value& map, std::string_view key) {
  const Value* list = map.Find(key);
  if (list == nullptr) return Status::BadRequest("missing field '" + std::string(key) + "'");
  if (!list->is_array()) return Status::BadRequest("field '" + std::string(key) + "' must be a list of privilege names");
  PrivilegeList out;
  for (const Value& item : list->as_array()) {
    auto privilege = item.is_string() ? policy::PrivilegeFromWire(item.as_string()) : std::nullopt;
    if (!privilege) {
      return Status::BadRequest("field '" + std::string(key) + "': unknown privilege " +
                                (item.is_string() ? "'" + item.as_string() + "'" : item.ToJson()));
    }
    out.set.set(static_cast<std::size_t>(*privilege));
  }
  out.names = policy::PrivilegeNames(out.set);
  return out;
}

protocol::Result<std::int64_t> RequireNumericId(const Value& map, std::string_view key) {
  auto text = protocol::RequireString(map, key);
  if (!text.ok()) return text.status();
  bool digits = !text->empty() && text->size() <= 18 && text->find_first_not_of("0123456789") == std::string::npos;
  std::int64_t id = digits ? std::stoll(*text) : 0;
  if (id <= 0) return Status::BadRequest("field '" + std::string(key) + "' must be an id such as \"12\"");
  return id;
}

protocol::Result<std::int64_t> RequireGroupId(const Value& map, std::string_view key) {
  auto text = protocol::RequireString(map, key);
  if (!text.ok()) return text.status();
  if (*text == "0") return std::int64_t{0};
  return RequireNumericId(map, key);
}

protocol::Result<std::string> RequireText(const Value& map, std::string_view key, std::size_t max_bytes,
                                          bool allow_empty) {
  auto text = protocol::RequireString(map, key);
  if (!text.ok()) return text.status();
  if ((!allow_empty && text->empty()) || text->size() > max_bytes) {
    return Status::BadRequest("field '" + std::string(key) + "' must be " + (allow_empty ? "0" : "1") + " to " +
                              std::to_string(max_bytes) + " bytes");
  }
  return text;
}

}  // namespace tether::broker
