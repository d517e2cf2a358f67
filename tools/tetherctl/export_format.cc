// CSV (RFC 4180) and JSON Lines writers.
#include "tetherctl/export_format.h"

#include <ostream>

#include "tetherctl/output.h"

namespace tether::tools::ctl {

using protocol::Value;

std::string CsvField(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  quoted += '"';
  return quoted;
}

std::string CompactJson(const Value& value) {
  return ToJson(value).dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

std::string CsvCell(const Value* value) {
  if (value == nullptr || value->is_nil()) return "";
  if (value->is_bool()) return value->as_bool() ? "true" : "false";
  if (value->is_string()) return value->as_string();
  return CompactJson(*value);  // numbers in decimal; maps and arrays as JSON
}

CsvColumn CsvKey(std::string key) {
  std::string header = key;
  return CsvColumn{std::move(header), [key = std::move(key)](const Value& record) { return CsvCell(record.Find(key)); }};
}

CsvWriter::CsvWriter(std::ostream& out, std::vector<CsvColumn> columns) : out_(out), columns_(std::move(columns)) {
  std::vector<std::string> headers;
  for (const CsvColumn& column : columns_) headers.push_back(column.header);
  WriteRow(headers);
}

void CsvWriter::Write(const Value& record) {
  std::vector<std::string> fields;
  fields.reserve(columns_.size());
  for (const CsvColumn& column : columns_) fields.push_back(column.cell(record));
  WriteRow(fields);
}

void CsvWriter::WriteRow(const std::vector<std::string>& fields) {
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out_ << ',';
    out_ << CsvField(fields[i]);
  }
  out_ << "\r\n";
}

void WriteJsonLine(std::ostream& out, const Value& record) { out << CompactJson(record) << '\n'; }

}  // namespace tether::tools::ctl
