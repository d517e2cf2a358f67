// Terminal: reading secrets (passwords) for tetherctl — from the terminal with echo off,
// or line by line from stdin when stdin is not a terminal (scripts, tests). Secrets are
// never taken from the command line, where `ps` and shell history would show them.
#pragma once

#include <optional>
#include <string>

namespace tether::tools::ctl {

// Prompts on stderr (terminal only) and reads one line without its line ending; nullopt
// at the end of input. Echo is restored even if the user interrupts with Ctrl-C.
std::optional<std::string> ReadSecret(const std::string& prompt);
// Whether stdin is a terminal (then a new password is asked twice).
bool StdinIsTerminal();

}  // namespace tether::tools::ctl
