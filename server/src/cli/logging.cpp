#include "cli/logging.hpp"

#include <fmt/chrono.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

namespace confab::cli {
namespace {

class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const auto since_epoch = msg.time.time_since_epoch();
    const auto secs = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
    const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(since_epoch - secs).count();
    const std::time_t t = secs.count();
    std::tm utc{};
    gmtime_r(&t, &utc);
    const auto level = spdlog::level::to_string_view(msg.level);
    // A message may hold anything a peer sent (an address, a reason): nlohmann escapes it, and
    // replaces invalid UTF-8 rather than throwing inside the logger.
    const std::string text = nlohmann::json(std::string(msg.payload.data(), msg.payload.size()))
                                 .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    fmt::format_to(std::back_inserter(dest),
                   R"({{"time":"{:%Y-%m-%dT%H:%M:%S}.{:06}Z","level":"{}","thread":{},"msg":{}}})", utc,
                   micros, std::string_view(level.data(), level.size()), msg.thread_id, text);
    dest.push_back('\n');
  }
  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<JsonFormatter>(); }
};

}  // namespace

std::unique_ptr<spdlog::formatter> MakeJsonFormatter() {
  return std::make_unique<JsonFormatter>();
}

void ConfigureLogging(LogStream stream, LogFormat format, std::string_view level) {
  std::shared_ptr<spdlog::logger> logger;
  if (format == LogFormat::kJson) {
    // No colour codes in JSON, whatever the terminal.
    logger = stream == LogStream::kStdout ? spdlog::stdout_logger_mt("confab")
                                          : spdlog::stderr_logger_mt("confab");
    logger->set_formatter(MakeJsonFormatter());
  } else {
    logger =
        stream == LogStream::kStdout ? spdlog::stdout_color_mt("confab") : spdlog::stderr_color_mt("confab");
  }
  logger->set_level(spdlog::level::from_str(std::string(level)));
  spdlog::set_default_logger(std::move(logger));
}

}  // namespace confab::cli
