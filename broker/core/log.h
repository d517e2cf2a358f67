// Structured logging: one line per event, `time level event key=value ...`, to stderr.
// Secrets (passwords, tokens, device secrets) are never passed here: callers log ids.
//
// Thread-safety: Log may be called from any thread; a line is written with one write().
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace tether::broker {

enum class LogLevel { kDebug, kInfo, kWarn, kError };

using LogField = std::pair<std::string_view, std::string>;

void SetLogLevel(LogLevel level);
// Parses "debug" | "info" | "warn" | "error"; false for anything else.
bool ParseLogLevel(std::string_view name, LogLevel* level);
void Log(LogLevel level, std::string_view event, std::initializer_list<LogField> fields = {});

}  // namespace tether::broker
