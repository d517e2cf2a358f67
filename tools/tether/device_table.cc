// The devices table (device_table.h).
#include "tether/device_table.h"

#include <algorithm>
#include <ctime>
#include <vector>

#include "tether/sanitise.h"
#include "tether/session_events.h"

namespace tether::tools::cli {
namespace {

using Row = std::vector<std::string>;

std::string Cell(const Value& row, const char* key) {
  const Value* field = row.Find(key);
  if (field == nullptr || field->is_nil()) return "-";
  if (field->is_string()) return field->as_string().empty() ? "-" : Sanitise(field->as_string());
  if (field->is_bool()) return field->as_bool() ? "yes" : "no";
  if (field->is_uint()) return std::to_string(field->as_uint());
  return "-";
}

// Display width in code points: UTF-8 continuation bytes take no column.
std::size_t Width(const std::string& text) {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::string Render(const std::vector<Row>& rows) {
  std::vector<std::size_t> widths(rows.front().size(), 0);
  for (const Row& row : rows) {
    for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], Width(row[i]));
  }
  std::string text;
  for (const Row& row : rows) {
    for (std::size_t i = 0; i < row.size(); ++i) {
      text += row[i];
      if (i + 1 < row.size()) text.append(widths[i] - Width(row[i]) + 2, ' ');
    }
    text += '\n';
  }
  return text;
}

// The controller's email (or another label when it has none).
std::string ControllerCell(const Value& session) {
  const Value* user = session.Find("controller");
  if (user == nullptr || !user->is_map()) return "-";
  const Value* email = user->Find("email");
  if (email != nullptr && email->is_string() && !email->as_string().empty()) return Sanitise(email->as_string());
  return UserLabel(user);
}

std::string ViewerCount(const Value& session) {
  const Value* participants = session.Find("participants");
  if (participants == nullptr || !participants->is_array()) return "-";
  std::size_t viewers = 0;
  for (const Value& participant : participants->as_array()) {
    const Value* mode = participant.is_map() ? participant.Find("mode") : nullptr;
    viewers += mode != nullptr && mode->is_string() && mode->as_string() == "view";
  }
  return std::to_string(viewers);
}

}  // namespace

std::string TimeText(const Value* epoch_ms) {
  if (epoch_ms == nullptr || !epoch_ms->is_uint() || epoch_ms->as_uint() == 0) return "-";
  std::time_t seconds = static_cast<std::time_t>(epoch_ms->as_uint() / 1000);
  std::tm utc{};
  if (gmtime_r(&seconds, &utc) == nullptr) return "-";
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M UTC", &utc);
  return text;
}

std::string RenderDeviceTable(const Value* devices) {
  std::vector<Row> rows = {{"ID", "NAME", "OS", "GROUP", "ONLINE", "LAST SEEN"}};
  if (devices != nullptr && devices->is_array()) {
    for (const Value& device : devices->as_array()) {
      rows.push_back({Cell(device, "device_id"), Cell(device, "name"), Cell(device, "os"), Cell(device, "group_id"),
                      Cell(device, "online"), TimeText(device.Find("last_seen"))});
    }
  }
  return Render(rows);
}

std::string RenderSessionTable(const Value* sessions) {
  std::vector<Row> rows = {{"SESSION", "STATE", "MODE", "CONTROLLER", "DEVICE", "STARTED", "VIEWERS"}};
  if (sessions != nullptr && sessions->is_array()) {
    for (const Value& session : sessions->as_array()) {
      if (!session.is_map()) continue;
      rows.push_back({Cell(session, "session_id"), Cell(session, "state"), Cell(session, "mode"),
                      ControllerCell(session), Cell(session, "device_id"), TimeText(session.Find("started_at")),
                      ViewerCount(session)});
    }
  }
  return Render(rows);
}

}  // namespace tether::tools::cli
