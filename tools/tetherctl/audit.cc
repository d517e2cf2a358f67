// `tetherctl audit export` (protocol/PROTOCOL.md §6.11): the organisation's audit log,
// oldest first, as CSV or JSON Lines, written page by page as the broker streams it.
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "tetherctl/commands.h"
#include "tetherctl/export_format.h"
#include "tetherctl/time_option.h"

namespace tether::tools::ctl {
namespace {

using protocol::Value;

struct ExportArgs {
  std::string format = "csv";
  std::string output;  // "" for stdout
  std::string from, to, actor, session, action, outcome, target;
  bool support_only = false;
};

// The columns of the CSV form: every field of an exported event (§8.1), wire names.
std::vector<CsvColumn> AuditColumns() {
  std::vector<CsvColumn> columns;
  for (const char* key : {"chain", "seq", "time", "actor_kind", "actor", "support", "action", "target", "session_id",
                          "source", "outcome", "details", "prev_hash", "hash"}) {
    columns.push_back(CsvKey(key));
  }
  return columns;
}

protocol::Result<Value> ExportRequest(const ExportArgs& args) {
  Value request = Value::MapOf({{"t", "audit.export"}});
  for (const auto& [key, text] : {std::pair<const char*, const std::string&>{"from", args.from}, {"to", args.to}}) {
    if (text.empty()) continue;
    auto ms = ParseTimeOption(text);
    if (!ms.ok()) return protocol::Status::BadRequest("--" + std::string(key) + ": " + ms.status().message());
    request.Set(key, *ms);
  }
  for (const auto& [key, text] : {std::pair<const char*, const std::string&>{"actor", args.actor},
                                  {"session_id", args.session}, {"action", args.action},
                                  {"outcome", args.outcome}, {"target", args.target}}) {
    if (!text.empty()) request.Set(key, text);
  }
  if (args.support_only) request.Set("support_only", true);
  return request;
}

// Writes each page as it arrives; the broker's ok ends the export with its count.
int StreamExport(const Invocation& invocation, client::BlockingClient& client, Value request, std::ostream& out,
                 const ExportArgs& args) {
  std::unique_ptr<CsvWriter> csv;
  if (args.format == "csv") csv = std::make_unique<CsvWriter>(out, AuditColumns());
  std::uint64_t id = client.StartCall(std::move(request));
  std::uint64_t written = 0;
  for (;;) {
    bool is_reply = false;
    auto message = client.NextMessageOrReply(id, kBrokerTimeout, &is_reply);
    if (!message.ok()) return Fail(invocation, message.status());
    if (is_reply) {
      out.flush();
      if (!out) return Fail(invocation, protocol::Status::Internal("could not write the export"));
      const Value* count = message->Find("count");
      std::cerr << "exported " << written << " events\n";
      if (count == nullptr || !count->is_uint() || count->as_uint() != written) {
        return Fail(invocation, protocol::Status::Internal("the broker counted " + CsvCell(count) +
                                                           " events, " + std::to_string(written) + " arrived"));
      }
      return kExitOk;
    }
    const Value* event = message->Find("event");
    const Value* re = message->Find("re");
    const Value* events = message->Find("events");
    bool ours = event && event->is_string() && event->as_string() == "audit.export.page" && re && re->is_uint() &&
                re->as_uint() == id && events && events->is_array();
    if (!ours) continue;  // another event (a notification): not part of the export
    for (const Value& e : events->as_array()) {
      if (csv) {
        csv->Write(e);
      } else {
        WriteJsonLine(out, e);
      }
      ++written;
    }
  }
}

int RunExport(const Invocation& invocation, const ExportArgs& args) {
  if (args.format != "csv" && args.format != "jsonl") return UsageError(invocation, "--format must be csv or jsonl");
  auto request = ExportRequest(args);
  if (!request.ok()) return UsageError(invocation, request.status().message());
  auto session = OpenSavedSession(invocation.globals);
  if (!session.ok()) return Fail(invocation, session.status());
  std::ofstream file;
  if (!args.output.empty()) {
    file.open(args.output, std::ios::binary | std::ios::trunc);
    if (!file) return Fail(invocation, protocol::Status::Internal("cannot write " + args.output));
  }
  std::ostream& out = args.output.empty() ? std::cout : file;
  return StreamExport(invocation, *session->client, std::move(*request), out, args);
}

}  // namespace

void RegisterAuditCommands(Dispatcher& dispatcher) {
  CLI::App* audit = dispatcher.root()->get_subcommand("audit");  // made by RegisterDatabaseCommands
  auto args = std::make_shared<ExportArgs>();
  CLI::App* export_cmd = dispatcher.Add(audit, "export", "export the audit log, oldest first (needs audit_export)",
                                        [args](const Invocation& i) { return RunExport(i, *args); });
  export_cmd->add_option("--format", args->format, "csv (default) or jsonl");
  export_cmd->add_option("-o,--output", args->output, "write to this file instead of stdout");
  export_cmd->add_option("--from", args->from, "events at or after this time (epoch ms, or 2026-01-31[T12:00:00Z])");
  export_cmd->add_option("--to", args->to, "events before this time (same forms)");
  export_cmd->add_option("--actor", args->actor, "the actor's id (a user id, device id, ...)");
  export_cmd->add_flag("--support-only", args->support_only, "only events of support users");
  export_cmd->add_option("--session", args->session, "one session's events");
  export_cmd->add_option("--action", args->action, "actions starting with this, e.g. session.");
  export_cmd->add_option("--outcome", args->outcome, "ok, denied or failed");
  export_cmd->add_option("--target", args->target, "what was acted on");
}

}  // namespace tether::tools::ctl
