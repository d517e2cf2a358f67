// Sanitise: text from other people (device names, user names, reasons) made safe to
// print on a technician's terminal. A device name holding an escape sequence must not
// be able to repaint the screen, retitle the window or hide a line.
//
// Thread-safety: plain functions.
#pragma once

#include <string>

namespace tether::tools::cli {

// C0 controls, DEL and the UTF-8 encoded C1 controls (U+0080..U+009F) become '?'.
std::string Sanitise(const std::string& text);

}  // namespace tether::tools::cli
