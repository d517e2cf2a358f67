// The `~.` escape state machine (escape.h).
#include "tether/escape.h"

namespace tether::tools::cli {

EscapeResult EscapeScanner::Feed(std::string_view input, std::string& forward) {
  for (std::size_t i = 0; i < input.size(); ++i) {
    char c = input[i];
    if (tilde_pending_) {
      tilde_pending_ = false;
      if (c == '.') return {EscapeAction::kDisconnect, i + 1};
      if (c == '?') {
        at_line_start_ = false;
        return {EscapeAction::kHelp, i + 1};
      }
      // `~~` sends one tilde; `~x` sends both, as ssh does.
      if (c != '~') forward += '~';
      forward += c;
      at_line_start_ = IsLineEnd(c);
      continue;
    }
    if (c == '~' && at_line_start_) {
      tilde_pending_ = true;
      continue;
    }
    forward += c;
    at_line_start_ = IsLineEnd(c);
  }
  return {EscapeAction::kNone, input.size()};
}

std::string_view EscapeScanner::HelpText() {
  return "\r\nSupported escape sequences (after Enter):\r\n"
         "  ~.  end the session\r\n"
         "  ~?  this help\r\n"
         "  ~~  send the escape character\r\n";
}

}  // namespace tether::tools::cli
