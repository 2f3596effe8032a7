#pragma once
// Where log lines go and how they look. `serve` logs to stdout (a service's output, as container
// platforms collect it); the log tools log to stderr, because their stdout is data (`export` writes
// NDJSON there). Text lines are for people; JSON lines (one object per line) for log pipelines.
#include <memory>
#include <string>
#include <string_view>

namespace spdlog {
class formatter;
}

namespace confab::cli {

enum class LogFormat { kText, kJson };
enum class LogStream { kStdout, kStderr };

// Replaces spdlog's default logger. `level` is one of spdlog's names (checked by the caller).
void ConfigureLogging(LogStream stream, LogFormat format, std::string_view level);

// {"time":"2026-12-02T04:31:07.123456Z","level":"warn","thread":1234,"msg":"…"} per line.
std::unique_ptr<spdlog::formatter> MakeJsonFormatter();

}  // namespace confab::cli
