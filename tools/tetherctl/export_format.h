// ExportFormat: how tetherctl writes exports (`audit export`, `report sessions --format
// csv`) — CSV after RFC 4180 and JSON Lines — one record at a time, so that an export of
// any length streams through without being held in memory.
//
// CSV: a header row, then one row per record; fields separated by commas and records
// ended by CRLF; a field holding a comma, a double quote, CR or LF is put in double
// quotes with its quotes doubled. Text is written as received (not sanitised: an export
// is data, and an auditor compares it byte for byte); maps and arrays as compact JSON.
// JSON Lines: one JSON object per line, the record as received.
// Text that is not valid UTF-8 cannot be JSON: its bad bytes become U+FFFD.
//
// Thread-safety: plain functions over values.
#pragma once

#include <functional>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "tether/protocol/value.h"

namespace tether::tools::ctl {

// One CSV field, quoted when RFC 4180 needs it.
std::string CsvField(std::string_view text);
// A cell of a value: nil or missing "", bool "true"/"false", numbers in decimal, text as
// is, maps and arrays as compact JSON.
std::string CsvCell(const protocol::Value* value);
// Compact JSON of a value on one line.
std::string CompactJson(const protocol::Value& value);

// A CSV column: its header and its cell of one record.
struct CsvColumn {
  std::string header;
  std::function<std::string(const protocol::Value& record)> cell;
};
// The column of one field of the record, by key, with CsvCell.
CsvColumn CsvKey(std::string key);

// Writes the header at once, then a row per Write.
class CsvWriter {
 public:
  CsvWriter(std::ostream& out, std::vector<CsvColumn> columns);
  void Write(const protocol::Value& record);

 private:
  void WriteRow(const std::vector<std::string>& fields);

  std::ostream& out_;
  std::vector<CsvColumn> columns_;
};

// One record per line.
void WriteJsonLine(std::ostream& out, const protocol::Value& record);

}  // namespace tether::tools::ctl
