// The `tether devices` table and the sanitising of names from the wire.
#include "tether/device_table.h"

#include <gtest/gtest.h>

#include "tether/sanitise.h"

namespace tether::tools::cli {
namespace {

TEST(DeviceTable, ShowsOneAlignedLinePerDevice) {
  Value devices = Value::Array{
      Value::MapOf({{"device_id", "d_1"}, {"name", "FRONT-DESK-01"}, {"os", "windows"}, {"group_id", "3"},
                    {"online", true}, {"last_seen", 1767225600000ull}}),
      Value::MapOf({{"device_id", "d_22"}, {"name", "lab"}, {"os", "linux"}, {"group_id", nullptr},
                    {"online", false}, {"last_seen", 1767312000000ull}}),
  };
  EXPECT_EQ(RenderDeviceTable(&devices),
            "ID    NAME           OS       GROUP  ONLINE  LAST SEEN\n"
            "d_1   FRONT-DESK-01  windows  3      yes     2026-01-01 00:00 UTC\n"
            "d_22  lab            linux    -      no      2026-01-02 00:00 UTC\n");
}

TEST(DeviceTable, OddRepliesShowDashesInsteadOfAborting) {
  Value devices = Value::Array{Value::MapOf({{"device_id", -5}, {"online", Value::MakeArray()}}), Value("not a map")};
  std::string table = RenderDeviceTable(&devices);
  EXPECT_EQ(table,
            "ID  NAME  OS  GROUP  ONLINE  LAST SEEN\n"
            "-   -     -   -      -       -\n"
            "-   -     -   -      -       -\n");
  Value nothing;
  EXPECT_EQ(RenderDeviceTable(&nothing), "ID  NAME  OS  GROUP  ONLINE  LAST SEEN\n");
  EXPECT_EQ(RenderDeviceTable(nullptr), "ID  NAME  OS  GROUP  ONLINE  LAST SEEN\n");
}

TEST(DeviceTable, NamesCannotRepaintTheTerminal) {
  Value devices = Value::Array{Value::MapOf({{"device_id", "d_1"}, {"name", "Lab\x1b]0;pwned\x07\xc2\x9b" "2J"}})};
  std::string table = RenderDeviceTable(&devices);
  EXPECT_EQ(table.find('\x1b'), std::string::npos);
  EXPECT_EQ(table.find("\xc2\x9b"), std::string::npos);
  EXPECT_NE(table.find("Lab?]0;pwned??2J"), std::string::npos) << table;
}

TEST(SessionTable, ShowsControllerEmailAndCountsViewersOnly) {
  Value tom = Value::MapOf({{"id", "3"}, {"email", "tom@acme.test"}, {"name", "Tom"}});
  Value sue = Value::MapOf({{"id", "4"}, {"email", "sue@acme.test"}, {"name", "Sue"}});
  Value sessions = Value::Array{
      Value::MapOf({{"session_id", "s_1"}, {"state", "active"}, {"mode", "unattended"}, {"controller", tom},
                    {"device_id", "d_9"}, {"started_at", 1767225600000ull},
                    {"participants", Value::Array{Value::MapOf({{"user", tom}, {"mode", "control"}}),
                                                  Value::MapOf({{"user", sue}, {"mode", "view"}}),
                                                  Value::MapOf({{"user", sue}, {"mode", "view"}})}},
                    {"recorded", false}}),
      Value::MapOf({{"session_id", "s_22"}, {"state", "waiting"}, {"mode", "attended"},
                    {"controller", Value::MapOf({{"id", "5"}, {"name", "No Mail"}})}, {"device_id", nullptr},
                    {"started_at", 0u}, {"participants", Value::Array{Value::MapOf({{"mode", "control"}})}}}),
      Value("not a map"),
  };
  EXPECT_EQ(RenderSessionTable(&sessions),
            "SESSION  STATE    MODE        CONTROLLER     DEVICE  STARTED               VIEWERS\n"
            "s_1      active   unattended  tom@acme.test  d_9     2026-01-01 00:00 UTC  2\n"
            "s_22     waiting  attended    No Mail        -       -                     0\n");
  EXPECT_EQ(RenderSessionTable(nullptr), "SESSION  STATE  MODE  CONTROLLER  DEVICE  STARTED  VIEWERS\n");
}

TEST(Sanitise, KeepsPrintableUtf8AndReplacesControls) {
  EXPECT_EQ(Sanitise("Zoë 東京"), "Zoë 東京");
  EXPECT_EQ(Sanitise("a\tb\r\nc\x7f"), "a?b??c?");
}

TEST(DeviceTable, TimeTextIsUtcMinutesOrADash) {
  Value when(1767225600000ull);
  EXPECT_EQ(TimeText(&when), "2026-01-01 00:00 UTC");
  Value never(0u);
  EXPECT_EQ(TimeText(&never), "-");
  Value text("yesterday");
  EXPECT_EQ(TimeText(&text), "-");
}

}  // namespace
}  // namespace tether::tools::cli
