// `tetherctl report sessions` (protocol/PROTOCOL.md §6.12): a page of the session report
// as a table or JSON, or the whole report as CSV — an export, which the broker allows
// only with audit_export.
#include <iostream>
#include <memory>
#include <string>

#include "tetherctl/commands.h"
#include "tetherctl/export_format.h"
#include "tetherctl/output.h"
#include "tetherctl/time_option.h"

namespace tether::tools::ctl {
namespace {

struct ReportArgs {
  std::string from, to, cursor, format;
  std::uint64_t limit = 100;
};

// Emails of the participants, separated by spaces (ids of removed users).
std::string Participants(const Value* list) {
  std::string text;
  if (list == nullptr || !list->is_array()) return text;
  for (const Value& p : list->as_array()) {
    const Value* email = p.Find("email");
    std::string who = email && email->is_string() && !email->as_string().empty() ? email->as_string() : CsvCell(p.Find("id"));
    text += (text.empty() ? "" : " ") + who;
  }
  return text;
}

std::string Nested(const Value& row, const char* outer, const char* inner) {
  const Value* map = row.Find(outer);
  return map ? CsvCell(map->Find(inner)) : std::string();
}

std::vector<CsvColumn> ReportColumns() {
  return {CsvKey("session_id"),
          CsvKey("mode"),
          CsvKey("state"),
          {"controller_id", [](const Value& r) { return Nested(r, "controller", "id"); }},
          {"controller_email", [](const Value& r) { return Nested(r, "controller", "email"); }},
          {"controller_name", [](const Value& r) { return Nested(r, "controller", "name"); }},
          {"device_id", [](const Value& r) { return Nested(r, "device", "device_id"); }},
          {"device_name", [](const Value& r) { return Nested(r, "device", "name"); }},
          CsvKey("customer"),
          CsvKey("title"),
          CsvKey("created_at"),
          CsvKey("started_at"),
          CsvKey("ended_at"),
          CsvKey("duration_ms"),
          CsvKey("end_reason"),
          CsvKey("recorded"),
          {"supervisors", [](const Value& r) { return Participants(r.Find("supervisors")); }},
          {"controllers", [](const Value& r) { return Participants(r.Find("controllers")); }}};
}

protocol::Result<Value> ReportRequest(const ReportArgs& args) {
  Value request = Value::MapOf({{"t", "report.sessions"}, {"limit", args.limit}});
  for (const auto& [key, text] : {std::pair<const char*, const std::string&>{"from", args.from}, {"to", args.to}}) {
    if (text.empty()) continue;
    auto ms = ParseTimeOption(text);
    if (!ms.ok()) return protocol::Status::BadRequest("--" + std::string(key) + ": " + ms.status().message());
    request.Set(key, *ms);
  }
  if (!args.cursor.empty()) request.Set("cursor", args.cursor);
  return request;
}

void ShowTable(const Value& result) {
  PrintTable(std::cout,
             {Field("SESSION", "session_id"), Field("MODE", "mode"),
              Column{"CONTROLLER", [](const Value& r) { return Sanitise(Nested(r, "controller", "email")); }},
              Column{"DEVICE/CUSTOMER",
                     [](const Value& r) {
                       return Sanitise(r.Find("device") && r.Find("device")->is_map() ? Nested(r, "device", "name")
                                                                                       : CsvCell(r.Find("customer")));
                     }},
              TimeField("STARTED", "started_at"), TimeField("ENDED", "ended_at"), Field("DURATION MS", "duration_ms"),
              Field("END REASON", "end_reason"),
              Column{"SUPERVISORS", [](const Value& r) { return Sanitise(Participants(r.Find("supervisors"))); }}},
             result.Find("sessions"));
  const Value* cursor = result.Find("cursor");
  if (cursor && cursor->is_string() && !cursor->as_string().empty()) {
    std::cerr << "more: --cursor " << Sanitise(cursor->as_string()) << "\n";
  }
}

// Every page, oldest cursor last, as CSV rows written as they arrive.
int ExportCsv(const Invocation& invocation, Value request) {
  auto session = OpenSavedSession(invocation.globals);
  if (!session.ok()) return Fail(invocation, session.status());
  request.Set("export", true);
  request.Set("limit", std::uint64_t{1000});
  CsvWriter csv(std::cout, ReportColumns());
  for (;;) {
    auto reply = session->client->Call(request, kBrokerTimeout);
    if (!reply.ok()) return Fail(invocation, reply.status());
    const Value* sessions = reply->Find("sessions");
    if (sessions && sessions->is_array()) {
      for (const Value& row : sessions->as_array()) csv.Write(row);
    }
    const Value* cursor = reply->Find("cursor");
    if (cursor == nullptr || !cursor->is_string() || cursor->as_string().empty()) break;
    request.Set("cursor", cursor->as_string());
  }
  std::cout.flush();
  return kExitOk;
}

int RunReport(const Invocation& invocation, const ReportArgs& args) {
  if (!args.format.empty() && args.format != "csv") return UsageError(invocation, "--format must be csv");
  if (!args.format.empty() && invocation.globals.json) return UsageError(invocation, "give --json or --format csv, not both");
  auto request = ReportRequest(args);
  if (!request.ok()) return UsageError(invocation, request.status().message());
  if (args.format == "csv") return ExportCsv(invocation, std::move(*request));
  return RunRequest(invocation, std::move(*request), &ShowTable);
}

}  // namespace

void RegisterReportCommands(Dispatcher& dispatcher) {
  CLI::App* report = dispatcher.Group(dispatcher.root(), "report", "reports");
  auto args = std::make_shared<ReportArgs>();
  CLI::App* sessions = dispatcher.Add(report, "sessions", "sessions, newest first (reports, or reports_own: your own)",
                                      [args](const Invocation& i) { return RunReport(i, *args); });
  sessions->add_option("--from", args->from, "sessions created at or after this time (epoch ms, or 2026-01-31[T12:00:00Z])");
  sessions->add_option("--to", args->to, "sessions created before this time (same forms)");
  sessions->add_option("--limit", args->limit, "sessions per page, 1 to 1000 (default 100; table and --json)");
  sessions->add_option("--cursor", args->cursor, "the next page (printed after a full page)");
  sessions->add_option("--format", args->format, "csv: the whole report as CSV, an export (needs audit_export)");
}

}  // namespace tether::tools::ctl
