// EscapeScanner: the ssh-style escape sequences of an interactive session, as a pure
// state machine over the keystrokes (no terminal, no socket), so every rule is tested
// byte by byte.
//
// The escape character `~` is recognised only at the beginning of a line: as the very
// first keystroke, or right after Enter (CR or LF). Then the next keystroke decides:
//   ~.  end the session (`session.end`, like closing an ssh connection)
//   ~?  show the list of escapes
//   ~~  send one `~`
//   ~ followed by anything else: both keystrokes are sent unchanged.
// Anywhere else a `~` is an ordinary keystroke. A `~` at the end of one read is held
// until the next keystroke arrives (keystrokes come in arbitrary chunks).
//
// Thread-safety: a plain value; one per interactive session.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace tether::tools::cli {

enum class EscapeAction {
  kNone,        // nothing special: forward what was collected
  kDisconnect,  // `~.`: end the session; the rest of the input is dropped
  kHelp,        // `~?`: show the help, then keep feeding the rest
};

struct EscapeResult {
  EscapeAction action = EscapeAction::kNone;
  std::size_t consumed = 0;  // input bytes used, up to and including the escape
};

class EscapeScanner {
 public:
  // Scans `input` and appends the keystrokes to send to `forward`. Stops after the
  // first escape that needs an action and says how much of `input` it consumed: the
  // caller handles the action and feeds the rest again (for kHelp).
  EscapeResult Feed(std::string_view input, std::string& forward);

  // The text `~?` shows (CRLF line ends: the terminal is in raw mode).
  static std::string_view HelpText();

 private:
  static bool IsLineEnd(char c) { return c == '\r' || c == '\n'; }

  bool at_line_start_ = true;
  bool tilde_pending_ = false;  // a `~` at the beginning of a line, not yet decided
};

}  // namespace tether::tools::cli
