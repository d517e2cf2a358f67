// Output: how tetherctl shows a broker's result — plain-text tables for people, JSON for
// scripts. One table renderer serves every list, so all lists look alike and every cell
// goes through the same sanitising (names and texts come from other users, and a name
// holding terminal escape sequences must not be able to repaint an admin's terminal).
//
// Rendering never trusts the shape of a reply: a missing or oddly typed field shows as
// "-" instead of aborting.
//
// Thread-safety: plain functions over values.
#pragma once

#include <functional>
#include <iosfwd>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "tether/protocol/value.h"

namespace tether::tools::ctl {

using protocol::Value;

// The value as JSON, map keys in the broker's order (binary as "b64:...", as
// Value::ToJson writes it).
nlohmann::ordered_json ToJson(const Value& value);

// One cell: nil or missing "-", bool "yes"/"no", numbers in decimal, strings sanitised,
// arrays joined with ",", maps as compact JSON.
std::string CellText(const Value* value);
// Epoch milliseconds as "2026-01-08T00:00:00Z"; "-" when not a uint.
std::string TimeText(const Value* epoch_ms);
// A scope (PROTOCOL.md shapes): nil "all groups", else "groups a,b; departments X".
std::string ScopeText(const Value* scope);
// Control characters (C0, DEL and UTF-8-encoded C1) become '?'.
std::string Sanitise(const std::string& text);

// A column of a list: its header and how to turn one row into its cell.
struct Column {
  std::string header;
  std::function<std::string(const Value& row)> cell;
};
// The common columns: a field shown with CellText, or as a time.
Column Field(std::string header, std::string key);
Column TimeField(std::string header, std::string key);

// The table renderer: a header line, then one line per row; columns left-aligned and
// two spaces apart, the last one unpadded. `rows` that is not an array prints the header
// alone.
void PrintTable(std::ostream& out, const std::vector<Column>& columns, const Value* rows);
// A record, one "name  value" line per field (the same renderer without a header).
void PrintFields(std::ostream& out, const std::vector<std::pair<std::string, std::string>>& fields);

}  // namespace tether::tools::ctl
