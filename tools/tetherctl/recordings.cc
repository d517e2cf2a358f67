// Session recordings: `recording get SESSION [--output FILE]` fetches a session's
// asciicast v2 file with recording.get, chunk by chunk (protocol/PROTOCOL.md §6.11), and
// writes it to stdout or FILE — ready for `asciinema play FILE` or `asciinema cat FILE`.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "tetherctl/commands.h"

namespace tether::tools::ctl {
namespace {

using protocol::Value;

struct GetArgs {
  std::string session_id, output;
};

// Requests chunks from offset 0 until the end of the recording (or, for a session still
// being recorded, until what is written so far); `write` takes each chunk.
Status Fetch(client::BlockingClient& client, const std::string& session_id,
             const std::function<bool(const Value::Bytes&)>& write, bool* complete) {
  std::uint64_t offset = 0;
  for (;;) {
    auto reply = client.Call(Value::MapOf({{"t", "recording.get"}, {"session_id", session_id}, {"offset", offset}}),
                             kBrokerTimeout);
    if (!reply.ok()) return reply.status();
    const Value* data = reply->Find("data");
    const Value* size = reply->Find("size");
    const Value* done = reply->Find("complete");
    if (data == nullptr || !data->is_binary() || size == nullptr || !size->is_uint() || done == nullptr ||
        !done->is_bool()) {
      return Status::Internal("the broker's answer to recording.get lacks data, size or complete");
    }
    if (!write(data->as_binary())) return Status::Internal("cannot write the recording: " + std::string(std::strerror(errno)));
    offset += data->as_binary().size();
    *complete = done->as_bool();
    if (data->as_binary().empty() || (*complete && offset >= size->as_uint())) return Status::Ok();
  }
}

int GetRecording(const Invocation& invocation, const GetArgs& args) {
  auto session = OpenSavedSession(invocation.globals);
  if (!session.ok()) return Fail(invocation, session.status());
  std::ofstream file;
  if (!args.output.empty()) {
    file.open(args.output, std::ios::binary | std::ios::trunc);
    if (!file) return Fail(invocation, Status::BadRequest("cannot write " + args.output));
  }
  std::ostream& out = args.output.empty() ? std::cout : file;
  bool complete = false;
  Status fetched = Fetch(*session->client, args.session_id, [&out](const Value::Bytes& bytes) {
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    return static_cast<bool>(out);
  }, &complete);
  out.flush();
  if (!fetched.ok()) {
    if (!args.output.empty()) std::remove(args.output.c_str());  // never leave half a file that looks whole
    return Fail(invocation, fetched);
  }
  if (!complete) {
    std::fprintf(stderr, "tetherctl %s: the session is still being recorded: this is the recording so far\n",
                 invocation.name.c_str());
  }
  return kExitOk;
}

}  // namespace

void RegisterRecordingCommands(Dispatcher& dispatcher) {
  CLI::App* recording = dispatcher.Group(dispatcher.root(), "recording", "session recordings (asciicast v2)");
  auto get = std::make_shared<GetArgs>();
  CLI::App* get_cmd = dispatcher.Add(recording, "get", "write a session's recording (asciinema play/cat reads it)",
                                     [get](const Invocation& i) { return GetRecording(i, *get); });
  get_cmd->add_option("SESSION", get->session_id, "the session's id (s_...)")->required();
  get_cmd->add_option("--output,-o", get->output, "write to this file instead of stdout");
}

}  // namespace tether::tools::ctl
