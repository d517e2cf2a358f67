// Control characters out of printed text (sanitise.h).
#include "tether/sanitise.h"

namespace tether::tools::cli {

std::string Sanitise(const std::string& text) {
  std::string clean;
  clean.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    bool c1 = c == 0xC2 && i + 1 < text.size() && (static_cast<unsigned char>(text[i + 1]) & 0xE0) == 0x80;
    if (c < 0x20 || c == 0x7F) {
      clean += '?';
    } else if (c1) {
      clean += '?';
      ++i;
    } else {
      clean += text[i];
    }
  }
  return clean;
}

}  // namespace tether::tools::cli
