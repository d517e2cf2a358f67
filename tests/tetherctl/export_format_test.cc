// tetherctl's export writers: CSV after RFC 4180 and JSON Lines, and time options.
#include "tetherctl/export_format.h"

#include <gtest/gtest.h>

#include <sstream>

#include "tetherctl/time_option.h"

namespace tether::tools::ctl {
namespace {

using protocol::Value;

TEST(CsvField, PlainTextStaysUnquoted) { EXPECT_EQ(CsvField("session.created"), "session.created"); }

TEST(CsvField, CommaQuoteAndLineBreaksAreQuotedWithQuotesDoubled) {
  EXPECT_EQ(CsvField("a,b"), "\"a,b\"");
  EXPECT_EQ(CsvField("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(CsvField("line\nbreak"), "\"line\nbreak\"");
  EXPECT_EQ(CsvField("cr\rhere"), "\"cr\rhere\"");
  EXPECT_EQ(CsvField(""), "");
}

TEST(CsvCell, EachKindOfValue) {
  Value nil;
  Value yes(true);
  Value number(std::uint64_t{42});
  Value negative(std::int64_t{-3});
  Value text("x,y");
  Value map = Value::MapOf({{"b", 1}, {"a", Value::MakeArray().Push("z")}});
  EXPECT_EQ(CsvCell(nullptr), "");
  EXPECT_EQ(CsvCell(&nil), "");
  EXPECT_EQ(CsvCell(&yes), "true");
  EXPECT_EQ(CsvCell(&number), "42");
  EXPECT_EQ(CsvCell(&negative), "-3");
  EXPECT_EQ(CsvCell(&text), "x,y");  // quoting is the writer's job
  EXPECT_EQ(CsvCell(&map), R"({"b":1,"a":["z"]})");
}

TEST(CsvWriter, HeaderThenOneCrlfRowPerRecordInColumnOrder) {
  std::ostringstream out;
  CsvWriter csv(out, {CsvKey("seq"), CsvKey("details"), {"upper", [](const Value& r) { return std::string("U"); }}});
  csv.Write(Value::MapOf({{"seq", 1}, {"details", Value::MapOf({{"note", "a \"quoted\", text"}})}}));
  csv.Write(Value::MapOf({{"seq", 2}}));
  EXPECT_EQ(out.str(),
            "seq,details,upper\r\n"
            "1,\"{\"\"note\"\":\"\"a \\\"\"quoted\\\"\", text\"\"}\",U\r\n"
            "2,,U\r\n");
}

TEST(JsonLines, OneCompactObjectPerLineWithLineBreaksEscaped) {
  std::ostringstream out;
  WriteJsonLine(out, Value::MapOf({{"seq", 1}, {"target", "two\nlines"}, {"support", false}}));
  WriteJsonLine(out, Value::MapOf({{"seq", 2}}));
  EXPECT_EQ(out.str(), "{\"seq\":1,\"target\":\"two\\nlines\",\"support\":false}\n{\"seq\":2}\n");
}

TEST(JsonLines, InvalidUtf8BecomesReplacementCharacterRatherThanFailing) {
  std::ostringstream out;
  WriteJsonLine(out, Value::MapOf({{"actor", std::string("a\xff" "b")}}));
  EXPECT_EQ(out.str(), "{\"actor\":\"a\xEF\xBF\xBD" "b\"}\n");
}

TEST(TimeOption, EpochMillisecondsDateAndDateTime) {
  EXPECT_EQ(ParseTimeOption("1767225600000").value(), 1767225600000u);
  EXPECT_EQ(ParseTimeOption("2026-01-01").value(), 1767225600000u);
  EXPECT_EQ(ParseTimeOption("2026-01-01T00:01:00Z").value(), 1767225660000u);
  EXPECT_FALSE(ParseTimeOption("yesterday").ok());
  EXPECT_FALSE(ParseTimeOption("2026-01-01T00:01").ok());
  EXPECT_FALSE(ParseTimeOption("").ok());
}

TEST(TimeOption, DatesThatDoNotExistAreRefusedNotRolledOver) {
  EXPECT_FALSE(ParseTimeOption("2027-02-30").ok());
  EXPECT_FALSE(ParseTimeOption("2026-04-31T10:00:00Z").ok());
  EXPECT_EQ(ParseTimeOption("2028-02-29").value(), 1835395200000u);  // a leap day exists
}

}  // namespace
}  // namespace tether::tools::ctl
