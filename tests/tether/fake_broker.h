// FakeBroker: a stand-in for tether-broker *and* an agent, for testing the `tether`
// binary before the real session work lands. It is a small libwebsockets server on its
// own uv loop and thread (127.0.0.1, any free port) that plays the controller's side of
// PROTOCOL.md §5 and protocol/PROTOCOL.md §5 with a scripted agent behind it:
//
//   hello token     "good-token" → ok; anything else unauthenticated + close 4401
//   device.list     two devices (d_online in group "3", d_offline in the default group)
//   session.create  ok {session_id, key "012345678", expires_at}, then the customer:
//                   consent → active (AttendedOutcome) or nothing (kWait)
//   session.connect d_offline → device_offline; d_denied → consent → ended
//                   consent_denied; anything else → consent → active + prompt "fake$ "
//   session.resize  ok; recorded (resizes())
//   session.end     ok, then session.ended controller_ended
//   session.info    ok {hostname:"fakehost", os:"linux"}
//   channel 1       a line shell: echoes keystrokes; Enter runs the line: "exit N" ends
//                   the session (agent_left, exit_status N), "size" prints COLSxROWS,
//                   "drop" closes the connection (1011) and lets the session be rejoined
//                   (session.rejoin), "drop-for-good" refuses the rejoin (not_found);
//                   anything else "you typed: LINE". Every byte is recorded (keystrokes()).
//   file.begin      upload: chunks are collected; at `size` bytes the agent answers
//                   file.end with their SHA-256 (ok false for the name "refuse-me") and
//                   the file lands in files(); "hang-me" is never answered. download: a file of files() is sent as
//                   file.begin (size, sha256) + 64 KiB chunks; an unknown name gets
//                   file.end ok false; "corrupt-me" is sent with a wrong sha256.
//   file ops        session "s_notmine" → not_found (the broker's "not yours" check)
//
// Thread-safety: the accessors lock `state_mutex`; everything else is the server thread's.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace tether::tools::cli::testing {

enum class AttendedOutcome { kActive, kWait };

struct FakeBrokerOptions {
  AttendedOutcome attended = AttendedOutcome::kActive;
  // Expose the session.ended exit_status extension (else only the reason is sent).
  bool send_exit_status = true;
};

class FakeBroker {
 public:
  static std::unique_ptr<FakeBroker> Start(FakeBrokerOptions options = {});
  ~FakeBroker();

  std::string url() const;
  // Snapshots of what the fake saw, for assertions.
  std::vector<std::string> resizes() const;         // "120x40"
  std::string keystrokes() const;                   // every channel-1 byte received
  std::map<std::string, std::string> files() const;  // uploaded (and seeded) files
  std::vector<std::string> requests() const;         // every request type, in order
  std::vector<std::string> file_ends() const;        // "ok <sha256>" / "failed <sha256>" of downloads
  void AddFile(const std::string& name, const std::string& content);

  struct Shared;  // what the accessors read; filled on the server thread
  struct Server;  // the lws server and its thread's loop

 private:
  FakeBroker() = default;
  std::unique_ptr<Server> server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace tether::tools::cli::testing
