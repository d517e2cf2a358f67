// The organisation: `org show` (org.get), `org set` (org.update) and `licence`
// (licence.get) — PROTOCOL.md §6.1, §6.2 and protocol/PROTOCOL.md §6.
#include <charconv>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "tetherctl/commands.h"
#include "tetherctl/output.h"

namespace tether::tools::ctl {
namespace {

// "3 of 10 seats used" from a map holding `seats` and `seats_used`.
std::string SeatsText(const Value* holder) {
  if (holder == nullptr) return "-";
  return CellText(holder->Find("seats_used")) + " of " + CellText(holder->Find("seats")) + " seats used";
}

// Preferences are shown as they are typed with --pref (true/false, numbers).
std::string PreferenceText(const Value* value) {
  if (value && value->is_bool()) return value->as_bool() ? "true" : "false";
  return CellText(value);
}

void ShowOrg(const Value& result) {
  const Value* org = result.Find("org");
  if (org == nullptr || !org->is_map()) return;
  PrintFields(std::cout, {{"slug", CellText(org->Find("slug"))},
                          {"name", CellText(org->Find("name"))},
                          {"plan", CellText(org->Find("plan"))},
                          {"seats", SeatsText(org)}});
  Value rows = Value::MakeArray();
  if (const Value* preferences = org->Find("preferences"); preferences && preferences->is_map()) {
    for (const auto& [name, value] : preferences->as_map()) {
      rows.Push(Value::MapOf({{"name", name}, {"value", value}}));
    }
  }
  std::cout << "\n";
  PrintTable(std::cout,
             {Field("PREFERENCE", "name"),
              Column{"VALUE", [](const Value& row) { return PreferenceText(row.Find("value")); }}},
             &rows);
}

// "name=value" with value true, false or a non-negative integer (PROTOCOL.md §6.2 has no
// other types). False with the problem in `error` otherwise.
bool ParsePreference(const std::string& text, std::string* name, Value* value, std::string* error) {
  auto equals = text.find('=');
  if (equals == std::string::npos || equals == 0) {
    *error = "--pref " + text + ": expected name=value, e.g. recording=true";
    return false;
  }
  *name = text.substr(0, equals);
  std::string raw = text.substr(equals + 1);
  if (raw == "true" || raw == "false") {
    *value = raw == "true";
    return true;
  }
  std::uint64_t number = 0;
  auto [end, problem] = std::from_chars(raw.data(), raw.data() + raw.size(), number);
  if (raw.empty() || problem != std::errc() || end != raw.data() + raw.size()) {
    *error = "--pref " + text + ": the value must be true, false or a non-negative integer";
    return false;
  }
  *value = number;
  return true;
}

struct OrgSetArgs {
  std::string name, plan;
  std::uint64_t seats = 0;
  std::vector<std::string> preferences;
  CLI::Option* name_option = nullptr;
  CLI::Option* plan_option = nullptr;
  CLI::Option* seats_option = nullptr;
};

int SetOrg(const Invocation& invocation, const OrgSetArgs& args) {
  Value request = Value::MapOf({{"t", "org.update"}});
  if (args.name_option->count() > 0) request.Set("name", args.name);
  if (args.plan_option->count() > 0) request.Set("plan", args.plan);
  if (args.seats_option->count() > 0) request.Set("seats", args.seats);
  if (!args.preferences.empty()) {
    Value preferences = Value::MakeMap();
    for (const std::string& text : args.preferences) {
      std::string name, error;
      Value value;
      if (!ParsePreference(text, &name, &value, &error)) return UsageError(invocation, error);
      preferences.Set(name, std::move(value));
    }
    request.Set("preferences", std::move(preferences));
  }
  if (request.as_map().size() == 1) {
    return UsageError(invocation, "nothing to change: give --name, --plan, --seats or --pref");
  }
  return RunRequest(invocation, std::move(request), ShowOrg);
}

}  // namespace

void RegisterOrgCommands(Dispatcher& dispatcher) {
  CLI::App* org = dispatcher.Group(dispatcher.root(), "org", "the organisation");
  dispatcher.Add(org, "show", "show the organisation and its preferences", [](const Invocation& i) {
    return RunRequest(i, Value::MapOf({{"t", "org.get"}}), ShowOrg);
  });

  auto set = std::make_shared<OrgSetArgs>();
  CLI::App* set_cmd = dispatcher.Add(org, "set", "change the name, plan, seats or preferences",
                                     [set](const Invocation& i) { return SetOrg(i, *set); });
  set->name_option = set_cmd->add_option("--name", set->name, "display name");
  set->plan_option = set_cmd->add_option("--plan", set->plan, "free, standard, professional or enterprise");
  set->seats_option = set_cmd->add_option("--seats", set->seats, "remote-support technician seats");
  set_cmd->add_option("--pref", set->preferences, "a preference, name=value (true, false or a number); repeatable")
      ->allow_extra_args(false);

  dispatcher.Add(dispatcher.root(), "licence", "seats in use and seats bought", [](const Invocation& i) {
    return RunRequest(i, Value::MapOf({{"t", "licence.get"}}),
                      [](const Value& result) { std::cout << SeatsText(&result) << "\n"; });
  });
}

}  // namespace tether::tools::ctl
