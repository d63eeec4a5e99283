// Scenario files (sio/testing/scenario.hpp): parsing, errors naming their field, the depth limit,
// and the report of expectations evaluated from notes.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "sio/testing/scenario.hpp"

using namespace std::chrono_literals;
using sio::json;
using sio::testing::Note;
using sio::testing::parse_scenario;

namespace {

std::string error_of(const std::string& text) {
  try {
    parse_scenario(text);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

TEST(ScenarioParse, ReadsEveryPart) {
  auto s = parse_scenario(R"({"name":"n","timeout":1000,"server":{"pingInterval":500,"recovery":true},
    "namespaces":{"/chat":{"auth":{"equals":{"t":1},"message":"no"},"rooms":["a"],
      "onConnect":[{"emit":"hi","args":["$id"]}],
      "timers":[{"every":100,"times":3,"do":[{"broadcast":"b","room":"a"}]}],
      "events":{"e":[{"ack":"$args"},{"join":"$0"},{"leave":"x"},{"disconnect":true}]}}},
    "expect":[{"event":"e","nsp":"/chat","args":[1],"within":200,"times":2}]})");
  EXPECT_EQ(s.name, "n");
  EXPECT_EQ(s.timeout, 1000ms);
  EXPECT_EQ(s.ping_interval, 500ms);
  EXPECT_TRUE(s.recovery);
  ASSERT_EQ(s.namespaces.size(), 1u);
  const auto& n = s.namespaces[0];
  EXPECT_EQ(n.name, "/chat");
  EXPECT_EQ(*n.auth_equals, json({{"t", 1}}));
  EXPECT_EQ(n.auth_message, "no");
  EXPECT_EQ(n.timers.at(0).times, 3u);
  EXPECT_EQ(n.on_event.at(0).second.size(), 4u);
  ASSERT_EQ(s.expectations.size(), 1u);
  EXPECT_EQ(s.expectations[0].name, "emit e");
  EXPECT_EQ(s.expectations[0].times, 2u);
}

TEST(ScenarioParse, ErrorsNameTheirField) {
  EXPECT_NE(error_of("{").find("not valid JSON"), std::string::npos);
  EXPECT_NE(error_of("[]").find("(top level)"), std::string::npos);
  EXPECT_NE(error_of(R"({"timeout":"x"})").find("timeout"), std::string::npos);
  EXPECT_NE(error_of(R"({"namespaces":{"chat":{}}})").find("starts with '/'"), std::string::npos);
  EXPECT_NE(error_of(R"({"namespaces":{"/":{"events":{"e":[{"fly":1}]}}}})").find("events[\"e\"][0]"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"namespaces":{"/":{"timers":[{"every":1,"do":[]}]}}})").find("at least 10 ms"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"expect":[{"args":[1]}]})").find("expect[0]: missing \"event\""), std::string::npos);
  EXPECT_NE(error_of(R"({"expect":[{"event":"e","times":0}]})").find("expect[0].times"), std::string::npos);
}

TEST(ScenarioParse, DeepNestingIsRefusedBeforeParsing) {
  std::string deep = R"({"expect":[{"event":"e","args":[)" + std::string(100, '[') + std::string(100, ']') + "]}]}";
  EXPECT_NE(error_of(deep).find("not valid JSON"), std::string::npos);
}

TEST(ScenarioReport, MetUnmetAndWhatTheClientDidInstead) {
  auto s = parse_scenario(R"({"name":"r","expect":[
    {"name":"hello","event":"hello","args":["world"],"within":1000},
    {"name":"bye","event":"bye","within":1000},
    {"name":"other nsp","event":"x","nsp":"/other"}]})");
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<Note> notes = {
      {"connection", json{{"nsp", "/"}, {"id", "a"}}, t0},
      {"event", json{{"nsp", "/"}, {"event", "hello"}, {"args", json::array({"world"})}}, t0 + 10ms},
      {"event", json{{"nsp", "/"}, {"event", "bye"}, {"args", json::array()}}, t0 + 2000ms},  // too late
  };
  auto report = sio::testing::evaluate_scenario(s, notes);
  ASSERT_EQ(report.results.size(), 3u);
  EXPECT_TRUE(report.results[0].met);
  EXPECT_FALSE(report.results[1].met);
  EXPECT_FALSE(report.results[2].met);
  EXPECT_NE(report.results[2].detail.find("no client connected to /other"), std::string::npos);
  EXPECT_FALSE(report.passed());
  const auto text = report.text();
  EXPECT_NE(text.find("MET hello: client must emit \"hello\" with [\"world\"]"), std::string::npos) << text;
  EXPECT_NE(text.find("UNMET bye: client must emit \"bye\""), std::string::npos) << text;
  EXPECT_NE(text.find("1/3 expectations met, FAILED"), std::string::npos) << text;
  const auto j = report.to_json();
  EXPECT_EQ(j["passed"], false);
  EXPECT_EQ(j["expectations"][1]["name"], "bye");
}

}  // namespace
