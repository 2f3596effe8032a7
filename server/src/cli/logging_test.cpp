#include "cli/logging.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>
#include <sstream>

namespace confab::cli {
namespace {

std::string LogOneLine(spdlog::level::level_enum level, const std::string& text) {
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
  spdlog::logger logger("json-test", sink);
  logger.set_formatter(MakeJsonFormatter());
  logger.log(level, "{}", text);
  return out.str();
}

TEST(JsonLogs, OneObjectPerLineWithEscapedMessage) {
  const std::string line = LogOneLine(spdlog::level::warn, "peer said \"hi\"\nand\tleft \\ ");
  ASSERT_FALSE(line.empty());
  EXPECT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1) << "a newline in the message stays escaped";
  const auto j = nlohmann::json::parse(line);
  EXPECT_EQ(j["level"], "warning");
  EXPECT_EQ(j["msg"], "peer said \"hi\"\nand\tleft \\ ");
  EXPECT_TRUE(j["thread"].is_number_integer());
  const std::string time = j["time"];
  ASSERT_EQ(time.size(), std::string("2026-12-02T04:31:07.123456Z").size()) << time;
  EXPECT_EQ(time[10], 'T');
  EXPECT_EQ(time.back(), 'Z');
}

TEST(JsonLogs, InvalidUtf8IsReplacedNotThrown) {
  const std::string line = LogOneLine(spdlog::level::info, std::string("bad \xC3\x28 byte"));
  const auto j = nlohmann::json::parse(line);
  EXPECT_EQ(j["level"], "info");
  EXPECT_NE(j["msg"].get<std::string>().find("bad "), std::string::npos);
}

}  // namespace
}  // namespace confab::cli
