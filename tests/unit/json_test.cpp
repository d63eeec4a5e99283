// Unit tests of sio/core/json.hpp: parse_json (non-throwing, depth-limited) and dump_json
// (JSON.stringify-compatible output).
#include "sio/core/json.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace {

using sio::Errc;
using sio::json;

Errc parse_error(std::string_view text, std::size_t depth = sio::kMaxJsonDepth) {
  auto r = sio::parse_json(text, depth);
  EXPECT_FALSE(r.ok()) << "accepted: " << text;
  return r.ok() ? Errc::protocol_violation : r.error().code;
}

std::string nested(std::size_t depth, char open, char close) {
  return std::string(depth, open) + std::string(depth, close);
}

TEST(ParseJson, ParsesValidDocuments) {
  auto r = sio::parse_json(R"({"a":[1,-2,3.5,"x",true,false,null],"b":{}})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)["a"][0], 1);
  EXPECT_EQ((*r)["a"][1], -2);
  EXPECT_EQ((*r)["a"][2], 3.5);
  EXPECT_EQ((*r)["a"][3], "x");
  EXPECT_TRUE((*r)["a"][6].is_null());
  EXPECT_TRUE((*r)["b"].is_object());

  // Scalars and surrounding whitespace, as JSON.parse accepts them.
  for (const char* text : {"null", "0", "\"\"", " \t\r\n[ ] ", "-0", "1e5", "\"\\u00e9\\ud83d\\ude00\""}) {
    EXPECT_TRUE(sio::parse_json(text).ok()) << text;
  }
  EXPECT_TRUE(sio::parse_json("null")->is_null());  // null is a value, not an error
  EXPECT_EQ(*sio::parse_json(R"("\u00e9")"), "\xC3\xA9");
}

// Numbers come out with nlohmann's types (what the rest of the code tests for: is_number_unsigned
// for ids and counts) and doubles rounded as JSON.parse rounds them.
TEST(ParseJson, NumbersHaveNlohmannsTypesAndJsonParseRounding) {
  EXPECT_TRUE(sio::parse_json("5")->is_number_unsigned());
  EXPECT_EQ(*sio::parse_json("5"), 5u);
  EXPECT_TRUE(sio::parse_json("-5")->is_number_integer());
  EXPECT_FALSE(sio::parse_json("-5")->is_number_unsigned());
  EXPECT_EQ(*sio::parse_json("-5"), -5);
  EXPECT_FALSE(sio::parse_json("-0")->is_number_unsigned());  // a signed zero, as nlohmann reads it
  EXPECT_EQ(*sio::parse_json("18446744073709551615"), std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(*sio::parse_json("-9223372036854775808"), std::numeric_limits<std::int64_t>::min());
  // Past the integer types: a double.
  EXPECT_TRUE(sio::parse_json("18446744073709551616")->is_number_float());
  EXPECT_EQ(sio::parse_json("18446744073709551616")->get<double>(), 18446744073709551616.0);
  EXPECT_TRUE(sio::parse_json("-9223372036854775809")->is_number_float());
  EXPECT_TRUE(sio::parse_json("1.0")->is_number_float());
  EXPECT_EQ(sio::parse_json("0.1")->get<double>(), 0.1);
  EXPECT_EQ(sio::parse_json("1E2")->get<double>(), 100.0);
  // Texts that a fast decimal reader rounds to the neighbouring double.
  EXPECT_EQ(sio::parse_json("2.2250738585072011e-308")->get<double>(), 2.2250738585072011e-308);
  EXPECT_EQ(sio::parse_json("0.30000000000000004")->get<double>(), 0.30000000000000004);
  EXPECT_EQ(sio::parse_json("9007199254740993.0")->get<double>(), 9007199254740992.0);
  EXPECT_EQ(sio::parse_json("4.9e-324")->get<double>(), std::numeric_limits<double>::denorm_min());
  // Below the smallest denormal: zero, with its sign (JSON.parse gives 0 and -0).
  EXPECT_EQ(sio::parse_json("1e-400")->get<double>(), 0.0);
  EXPECT_TRUE(std::signbit(sio::parse_json("-1e-400")->get<double>()));
  // Beyond double range: refused (Infinity in JavaScript).
  for (const char* text : {"1e309", "-1e400", "[1, 1.8e308]"}) EXPECT_EQ(parse_error(text), Errc::bad_json) << text;
  EXPECT_EQ(sio::parse_json("1.7976931348623157e308")->get<double>(), std::numeric_limits<double>::max());
}

TEST(ParseJson, StringsKeysAndNesting) {
  auto r = sio::parse_json(R"({"z":1,"k\u00e9y\n":"ab\ncd\u00e9\ud83d\ude00\"\\\/","a":[{"b":[1,{"c":"d"}]},[],{}]})");
  ASSERT_TRUE(r.ok());
  // Members in text order (nlohmann::ordered_json), escapes decoded in keys and values.
  std::vector<std::string> keys;
  for (const auto& [k, v] : r->items()) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"z", "k\xC3\xA9y\n", "a"}));
  EXPECT_EQ((*r)["k\xC3\xA9y\n"], "ab\ncd\xC3\xA9\xF0\x9F\x98\x80\"\\/");
  EXPECT_EQ((*r)["a"][0]["b"][1]["c"], "d");
  EXPECT_EQ(sio::dump_json(*r), "{\"z\":1,\"k\xC3\xA9y\\n\":\"ab\\ncd\xC3\xA9\xF0\x9F\x98\x80\\\"\\\\/\",\"a\":[{\"b\":[1,{\"c\":\"d\"}]},[],{}]}");
  // A long string, and one with escapes all through it.
  const std::string long_text(100000, 'x');
  EXPECT_EQ(sio::parse_json("\"" + long_text + "\"")->get_ref<const std::string&>(), long_text);
  std::string escaped = "\"";
  std::string expected;
  for (int i = 0; i < 5000; ++i) {
    escaped += "ab\\u00e9\\n";
    expected += "ab\xC3\xA9\n";
  }
  escaped += "\"";
  EXPECT_EQ(sio::parse_json(escaped)->get_ref<const std::string&>(), expected);
}

TEST(ParseJson, DuplicateKeysLastWins) {
  auto r = sio::parse_json(R"({"a":1,"a":2})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)["a"], 2);
}

TEST(ParseJson, RejectsInvalidTextWithoutThrowing) {
  for (const char* text : {"", " ", "[", "]", "{", "{\"a\"}", "{\"a\":}", "[1,]", "[1 2]", "abc",
                           "'x'", "tru", "01", "1.", ".5", "+1", "NaN", "Infinity", "\"\\x\"",
                           "\"unterminated", "[1]x", "[1][2]", "/*c*/1", "\"a\nb\"",
                           "1e400", "[\"\\ud800\"]", "\"\xFF\""}) {
    EXPECT_EQ(parse_error(text), Errc::bad_json) << text;
  }
}

TEST(ParseJson, RejectsNulBytesAnywhere) {
  // nlohmann alone stops at a NUL and accepts the garbage after it ("{}\0garbage" -> {}).
  using namespace std::string_literals;
  for (const std::string text : {"{}\0garbage"s, "[1]\0"s, "\0{}"s, "\"a\0b\""s, "{\"k\":\0 1}"s}) {
    auto r = sio::parse_json(text);
    ASSERT_FALSE(r) << "accepted: " << json(text).dump();
    EXPECT_EQ(r.error().code, Errc::bad_json);
  }
  EXPECT_EQ(*sio::parse_json("\"a\\u0000b\""), json(std::string("a\0b", 3)));  // escaped NUL is fine
}

TEST(ParseJson, RejectsByteOrderMarkLikeJsonParse) {
  EXPECT_EQ(parse_error("\xEF\xBB\xBF[]"), Errc::bad_json);
}

TEST(ParseJson, DepthLimitIsExact) {
  EXPECT_TRUE(sio::parse_json(nested(sio::kMaxJsonDepth, '[', ']')).ok());
  EXPECT_EQ(parse_error(nested(sio::kMaxJsonDepth + 1, '[', ']')), Errc::too_deep);
  EXPECT_TRUE(sio::parse_json("[[1]]", 2).ok());
  EXPECT_EQ(parse_error("[[1]]", 1), Errc::too_deep);
  EXPECT_EQ(parse_error(R"({"a":{"b":[]}})", 2), Errc::too_deep);
  EXPECT_TRUE(sio::parse_json(R"({"a":{"b":[]}})", 3).ok());
  EXPECT_TRUE(sio::parse_json("1", 0).ok());
  EXPECT_EQ(parse_error("[]", 0), Errc::too_deep);
  // Siblings do not add up.
  EXPECT_TRUE(sio::parse_json("[[],[],{},[[]]]", 3).ok());
}

TEST(ParseJson, BracketsInsideStringsDoNotCount) {
  EXPECT_TRUE(sio::parse_json(R"(["[[[[{{{{", "\"[[[["])", 1).ok());
  EXPECT_TRUE(sio::parse_json(R"(["\\", ["x"]])", 2).ok());
  EXPECT_EQ(parse_error(R"(["\\", [["x"]]])", 2), Errc::too_deep);
}

TEST(ParseJson, HugeNestingIsRejectedQuickly) {
  // Far deeper than any recursive parser or walk could survive.
  EXPECT_EQ(parse_error(nested(1000000, '[', ']')), Errc::too_deep);
  EXPECT_EQ(parse_error(std::string(1000000, '{')), Errc::too_deep);
  // Unbalanced garbage of closing brackets is merely invalid.
  EXPECT_EQ(parse_error(std::string(100000, ']')), Errc::bad_json);
}

TEST(DumpJson, CompactLikeJsonStringify) {
  EXPECT_EQ(sio::dump_json(json::parse(R"({ "b" : [1, 2, {"c": null}], "a": true })")),
            R"({"b":[1,2,{"c":null}],"a":true})");
  EXPECT_EQ(sio::dump_json(json::array()), "[]");
  EXPECT_EQ(sio::dump_json(json::object()), "{}");
  EXPECT_EQ(sio::dump_json(json("x")), "\"x\"");
  EXPECT_EQ(sio::dump_json(json(false)), "false");
  EXPECT_EQ(sio::dump_json(json(nullptr)), "null");
}

TEST(DumpJson, ObjectKeysKeepInsertionOrderLikeJavaScript) {
  // sio::json is nlohmann::ordered_json: members come out in the order they were added, as
  // JSON.stringify writes them (not sorted).
  json o;
  o["z"] = 1;
  o["a"] = 2;
  o["_"] = 3;
  EXPECT_EQ(sio::dump_json(o), R"({"z":1,"a":2,"_":3})");
}

TEST(DumpJson, NumbersLikeJavaScript) {
  struct Case {
    double value;
    const char* js;  // String(value) in JavaScript
  };
  const Case cases[] = {
      {1.0, "1"},          {-1.0, "-1"},
      {0.0, "0"},          {-0.0, "0"},
      {0.5, "0.5"},        {123.456, "123.456"},
      {0.1, "0.1"},        {1e21, "1e+21"},
      {1e20, "100000000000000000000"},
      {1.5e20, "150000000000000000000"},
      {123456789012345680000.0, "123456789012345680000"},
      {1e-6, "0.000001"},  {1.5e-6, "0.0000015"},
      {1e-7, "1e-7"},      {1.25e-7, "1.25e-7"},
      {1e300, "1e+300"},   {-2.5e-300, "-2.5e-300"},
      {5e-324, "5e-324"},  {1.7976931348623157e308, "1.7976931348623157e+308"},
      {9007199254740993.0, "9007199254740992"},
      {0.30000000000000004, "0.30000000000000004"},
      {1e15, "1000000000000000"}, {1e16, "10000000000000000"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(sio::dump_json(json(c.value)), c.js) << c.js;
  }
  EXPECT_EQ(sio::dump_json(json(std::numeric_limits<double>::quiet_NaN())), "null");
  EXPECT_EQ(sio::dump_json(json(std::numeric_limits<double>::infinity())), "null");
  EXPECT_EQ(sio::dump_json(json(-std::numeric_limits<double>::infinity())), "null");
  EXPECT_EQ(sio::dump_json(json(std::int64_t{-9007199254740991})), "-9007199254740991");
  EXPECT_EQ(sio::dump_json(json(std::uint64_t{18446744073709551615ULL})), "18446744073709551615");
  EXPECT_EQ(sio::dump_json(json(std::int64_t{std::numeric_limits<std::int64_t>::min()})),
            "-9223372036854775808");
}

TEST(DumpJson, StringEscapesLikeJsonStringify) {
  EXPECT_EQ(sio::dump_json(json("a\"b\\c/d")), R"("a\"b\\c/d")");
  EXPECT_EQ(sio::dump_json(json("\b\f\n\r\t")), R"("\b\f\n\r\t")");
  EXPECT_EQ(sio::dump_json(json(std::string("\x00\x01\x1f\x7f", 4))), "\"\\u0000\\u0001\\u001f\x7f\"");
  // Non-ASCII stays raw UTF-8, including U+2028 and astral characters.
  EXPECT_EQ(sio::dump_json(json("\xC3\xA9\xE2\x80\xA8\xF0\x9F\x98\x80")),
            "\"\xC3\xA9\xE2\x80\xA8\xF0\x9F\x98\x80\"");
  // Runs of plain characters between escapes and multi-byte characters.
  EXPECT_EQ(sio::dump_json(json("plain text\"quoted\" \xC3\xA9t\xC3\xA9\ttab end")),
            "\"plain text\\\"quoted\\\" \xC3\xA9t\xC3\xA9\\ttab end\"");
  // Keys are escaped too.
  EXPECT_EQ(sio::dump_json(json{{"a\nb", 1}}), "{\"a\\nb\":1}");
}

TEST(DumpJson, InvalidUtf8IsReplacedNotThrown) {
  const std::string fffd = "\xEF\xBF\xBD";
  // Each maximal ill-formed subpart becomes one U+FFFD (what Node's TextDecoder produces).
  EXPECT_EQ(sio::dump_json(json(std::string("a\xFF" "b"))), "\"a" + fffd + "b\"");
  EXPECT_EQ(sio::dump_json(json(std::string("\xE2\x82z"))), "\"" + fffd + "z\"");
  EXPECT_EQ(sio::dump_json(json(std::string("\xED\xA0\x80"))), "\"" + fffd + fffd + fffd + "\"");
  EXPECT_EQ(sio::dump_json(json(std::string("\xC0\xAF"))), "\"" + fffd + fffd + "\"");
  EXPECT_EQ(sio::dump_json(json(std::string("\xF4\x90\x80\x80"))),
            "\"" + fffd + fffd + fffd + fffd + "\"");
  EXPECT_EQ(sio::dump_json(json(std::string("x\xF0\x9F\x98"))), "\"x" + fffd + "\"");
  EXPECT_EQ(sio::dump_json(json{{std::string("k\x80"), 1}}), "{\"k" + fffd + "\":1}");
  // Valid 4-byte and boundary sequences are kept.
  EXPECT_EQ(sio::dump_json(json(std::string("\xF4\x8F\xBF\xBF\xEF\xBF\xBF"))),
            "\"\xF4\x8F\xBF\xBF\xEF\xBF\xBF\"");
}

TEST(DumpJson, RoundTripsThroughParse) {
  const char* docs[] = {R"([1,"two",{"3":[4.5,null,true]},-6e-7,1e+25])",
                        R"({"":"","a\\b":"\u0001","u":"\u00e9"})"};
  for (const char* doc : docs) {
    auto first = sio::parse_json(doc);
    ASSERT_TRUE(first.ok());
    auto second = sio::parse_json(sio::dump_json(*first));
    ASSERT_TRUE(second.ok());
    EXPECT_EQ(*first, *second);
  }
}

TEST(Binary, HelpersMakeBinaryValues) {
  json a = sio::binary(sio::Bytes{1, 2, 3});
  ASSERT_TRUE(a.is_binary());
  EXPECT_EQ(static_cast<const sio::Bytes&>(a.get_binary()), (sio::Bytes{1, 2, 3}));
  json b = sio::binary(std::string_view("\x00\xFF", 2));
  ASSERT_TRUE(b.is_binary());
  EXPECT_EQ(static_cast<const sio::Bytes&>(b.get_binary()), (sio::Bytes{0, 255}));
  EXPECT_TRUE(sio::binary(std::string_view()).get_binary().empty());
  EXPECT_EQ(a, sio::binary(std::string_view("\x01\x02\x03")));
  // Leftover binary values are written in nlohmann's form.
  EXPECT_EQ(sio::dump_json(json::array({a})), R"([{"bytes":[1,2,3],"subtype":null}])");
}

}  // namespace
