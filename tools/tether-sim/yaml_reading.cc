#include "yaml_reading.h"

#include <charconv>
#include <limits>

namespace tether::sim::yaml {

int LineOf(const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  return mark.line < 0 ? 0 : mark.line + 1;
}

void Fail(const YAML::Node& node, const std::string& reason) { throw ScenarioError(LineOf(node), reason); }

void RequireMap(const YAML::Node& node, const std::string& what) {
  if (!node.IsMap()) Fail(node, what + " must be a map");
}

std::string String(const YAML::Node& node, const std::string& what) {
  if (!node.IsScalar()) Fail(node, what + " must be a string");
  return node.Scalar();
}

std::int64_t Integer(const YAML::Node& node, const std::string& what) {
  if (!node.IsScalar()) Fail(node, what + " must be an integer");
  const std::string& text = node.Scalar();
  std::int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) Fail(node, what + " must be an integer, not '" + text + "'");
  return value;
}

bool Bool(const YAML::Node& node, const std::string& what) {
  if (node.IsScalar()) {
    const std::string& text = node.Scalar();
    if (text == "true") return true;
    if (text == "false") return false;
  }
  Fail(node, what + " must be true or false");
}

std::vector<std::string> StringList(const YAML::Node& node, const std::string& what) {
  if (!node.IsSequence()) Fail(node, what + " must be a list");
  std::vector<std::string> out;
  for (const auto& item : node) out.push_back(String(item, "each entry of " + what));
  return out;
}

Millis Duration(const YAML::Node& node, const std::string& what) {
  if (!node.IsScalar()) Fail(node, what + " must be a duration such as 500ms, 5s, 10m, 2h or 7d");
  const std::string& text = node.Scalar();
  std::int64_t amount = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), amount);
  std::string unit(end, text.data() + text.size());
  static const std::map<std::string, std::int64_t> kUnits = {
      {"", 1}, {"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}, {"d", 86'400'000}};
  auto found = kUnits.find(unit);
  if (error != std::errc() || end == text.data() || amount < 0 || found == kUnits.end()) {
    Fail(node, what + " must be a duration such as 500ms, 5s, 10m, 2h or 7d, not '" + text + "'");
  }
  // The product must fit in the milliseconds it becomes (signed overflow is undefined).
  if (amount > std::numeric_limits<std::int64_t>::max() / found->second) {
    Fail(node, what + " must be at most 106751991167d (2^63 ms), not '" + text + "'");
  }
  return Millis(amount * found->second);
}

namespace {

Value PlainScalar(const std::string& text) {
  if (text == "~" || text == "null") return Value();
  if (text == "true") return Value(true);
  if (text == "false") return Value(false);
  std::int64_t integer = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), integer);
  if (error == std::errc() && end == text.data() + text.size() && !text.empty()) return Value(static_cast<long long>(integer));
  double real = 0;
  auto [rend, rerror] = std::from_chars(text.data(), text.data() + text.size(), real);
  if (rerror == std::errc() && rend == text.data() + text.size() && !text.empty()) return Value(real);
  return Value(text);
}

}  // namespace

Value ToValue(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
      return Value();
    case YAML::NodeType::Scalar:
      // yaml-cpp tags a quoted scalar "!" and a plain one "?": "123" stays a string.
      return node.Tag() == "!" ? Value(node.Scalar()) : PlainScalar(node.Scalar());
    case YAML::NodeType::Sequence: {
      Value list = Value::MakeArray();
      for (const auto& item : node) list.Push(ToValue(item));
      return list;
    }
    case YAML::NodeType::Map: {
      Value map = Value::MakeMap();
      for (const auto& entry : node) map.Set(String(entry.first, "a map key"), ToValue(entry.second));
      return map;
    }
    case YAML::NodeType::Undefined:
      break;
  }
  return Value();
}

void CheckKeys(const YAML::Node& map, const std::set<std::string>& allowed, const std::string& where) {
  for (const auto& entry : map) {
    const std::string key = String(entry.first, "a key of " + where);
    if (!allowed.count(key)) {
      std::string known;
      for (const auto& name : allowed) known += (known.empty() ? "" : ", ") + name;
      Fail(entry.first, "unknown key '" + key + "' in " + where + " (known: " + known + ")");
    }
  }
}

}  // namespace tether::sim::yaml
