// Tables and JSON for tetherctl's results.
#include "tetherctl/output.h"

#include <algorithm>
#include <ctime>
#include <ostream>

namespace tether::tools::ctl {
namespace {

// Display width in code points (UTF-8 continuation bytes take no column). Wide CJK
// characters are counted as one; good enough for aligning admin tables.
std::size_t Width(const std::string& text) {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

void PrintRows(std::ostream& out, const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> widths;
  for (const auto& row : rows) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], Width(row[i]));
  }
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line.append(widths[i] - Width(row[i]) + 2, ' ');
    }
    out << line << "\n";
  }
}

std::string Join(const Value::Array& items, const char* separator) {
  std::string text;
  for (const Value& item : items) {
    if (!text.empty()) text += separator;
    text += CellText(&item);
  }
  return text;
}

}  // namespace

nlohmann::ordered_json ToJson(const Value& value) {
  switch (value.kind()) {
    case Value::Kind::kNil: return nullptr;
    case Value::Kind::kBool: return value.as_bool();
    case Value::Kind::kUint: return value.as_uint();
    case Value::Kind::kInt: return value.as_int();
    case Value::Kind::kDouble: return value.as_double();
    case Value::Kind::kString: return value.as_string();
    case Value::Kind::kBinary: return nlohmann::ordered_json::parse(value.ToJson(), nullptr, false);
    case Value::Kind::kArray: {
      nlohmann::ordered_json array = nlohmann::ordered_json::array();
      for (const Value& item : value.as_array()) array.push_back(ToJson(item));
      return array;
    }
    case Value::Kind::kMap: {
      nlohmann::ordered_json object = nlohmann::ordered_json::object();
      for (const auto& [key, item] : value.as_map()) object[key] = ToJson(item);
      return object;
    }
  }
  return nullptr;
}

std::string Sanitise(const std::string& text) {
  std::string clean;
  clean.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7F) {
      clean += '?';
    } else if (c == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(text[i + 1]) <= 0x9F) {
      clean += '?';  // U+0080..U+009F: C1 controls, e.g. CSI
      ++i;
    } else {
      clean += text[i];
    }
  }
  return clean;
}

std::string CellText(const Value* value) {
  if (value == nullptr) return "-";
  switch (value->kind()) {
    case Value::Kind::kNil: return "-";
    case Value::Kind::kBool: return value->as_bool() ? "yes" : "no";
    case Value::Kind::kUint: return std::to_string(value->as_uint());
    case Value::Kind::kInt: return std::to_string(value->as_int());
    case Value::Kind::kString: return value->as_string().empty() ? "-" : Sanitise(value->as_string());
    case Value::Kind::kArray: return value->as_array().empty() ? "-" : Join(value->as_array(), ",");
    default: return Sanitise(ToJson(*value).dump());
  }
}

std::string TimeText(const Value* epoch_ms) {
  if (epoch_ms == nullptr || !epoch_ms->is_uint()) return "-";
  auto seconds = static_cast<std::time_t>(epoch_ms->as_uint() / 1000);
  std::tm utc{};
  if (gmtime_r(&seconds, &utc) == nullptr) return "-";
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

std::string ScopeText(const Value* scope) {
  if (scope == nullptr || scope->is_nil()) return "all groups";
  if (!scope->is_map()) return CellText(scope);
  std::string text;
  const Value* groups = scope->Find("groups");
  const Value* departments = scope->Find("departments");
  if (groups && groups->is_array() && !groups->as_array().empty()) text = "groups " + CellText(groups);
  if (departments && departments->is_array() && !departments->as_array().empty()) {
    text += (text.empty() ? "" : "; ") + std::string("departments ") + CellText(departments);
  }
  return text.empty() ? "no groups" : text;
}

Column Field(std::string header, std::string key) {
  return {std::move(header), [key = std::move(key)](const Value& row) { return CellText(row.Find(key)); }};
}

Column TimeField(std::string header, std::string key) {
  return {std::move(header), [key = std::move(key)](const Value& row) { return TimeText(row.Find(key)); }};
}

void PrintTable(std::ostream& out, const std::vector<Column>& columns, const Value* rows) {
  std::vector<std::vector<std::string>> lines(1);
  for (const Column& column : columns) lines[0].push_back(column.header);
  if (rows != nullptr && rows->is_array()) {
    for (const Value& row : rows->as_array()) {
      auto& line = lines.emplace_back();
      for (const Column& column : columns) line.push_back(column.cell(row));
    }
  }
  PrintRows(out, lines);
}

void PrintFields(std::ostream& out, const std::vector<std::pair<std::string, std::string>>& fields) {
  std::vector<std::vector<std::string>> lines;
  for (const auto& [name, value] : fields) lines.push_back({name, value});
  PrintRows(out, lines);
}

}  // namespace tether::tools::ctl
