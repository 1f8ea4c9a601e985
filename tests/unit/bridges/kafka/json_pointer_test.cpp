#include "bridges/kafka/json_pointer.h"

#include <gtest/gtest.h>

namespace ssegw::kafka {
namespace {

TEST(JsonPointer, ReadsStringMember) {
  EXPECT_EQ(json_pointer_value(R"({"symbol":"ACME","price":12.5})", "/symbol"), "ACME");
}

TEST(JsonPointer, NumbersAndObjectsKeepTheirJsonText) {
  EXPECT_EQ(json_pointer_value(R"({"price": 12.50e1 })", "/price"), "12.50e1");
  EXPECT_EQ(json_pointer_value(R"({"a":{"b":[1, {"c":true}]}})", "/a/b"), R"([1, {"c":true}])");
  EXPECT_EQ(json_pointer_value(R"({"a":null})", "/a"), "null");
}

TEST(JsonPointer, WalksNestedObjectsAndArrays) {
  const char* doc = R"({"a":{"b":[10, {"c":"deep"}, 30]}})";
  EXPECT_EQ(json_pointer_value(doc, "/a/b/1/c"), "deep");
  EXPECT_EQ(json_pointer_value(doc, "/a/b/2"), "30");
  EXPECT_EQ(json_pointer_value(doc, "/a/b/3"), std::nullopt);
  EXPECT_EQ(json_pointer_value(doc, "/a/b/01"), std::nullopt);
  EXPECT_EQ(json_pointer_value(doc, "/a/x"), std::nullopt);
}

TEST(JsonPointer, UnescapesTokensAndStrings) {
  EXPECT_EQ(json_pointer_value(R"({"a/b":1,"m~n":2})", "/a~1b"), "1");
  EXPECT_EQ(json_pointer_value(R"({"a/b":1,"m~n":2})", "/m~0n"), "2");
  EXPECT_EQ(json_pointer_value(R"({"s":"x\"y\\z\u00e9\ud83d\ude00"})", "/s"),
            "x\"y\\z\xC3\xA9\xF0\x9F\x98\x80");
  EXPECT_EQ(json_pointer_value(R"({"":"empty name"})", "/"), "empty name");
}

TEST(JsonPointer, EmptyPointerIsTheWholeDocument) {
  EXPECT_EQ(json_pointer_value(R"( "top" )", ""), "top");
}

TEST(JsonPointer, FirstMatchingMemberWinsAfterSkippingOthers) {
  EXPECT_EQ(json_pointer_value(R"({"x":{"symbol":"no"},"symbol":"yes"})", "/symbol"), "yes");
}

TEST(JsonPointer, NotJsonGivesNothing) {
  EXPECT_EQ(json_pointer_value(R"({"symbol":"ACME")", "/symbol"), std::nullopt);
  EXPECT_EQ(json_pointer_value("symbol=ACME", "/symbol"), std::nullopt);
  EXPECT_EQ(json_pointer_value(R"({"symbol":"ACME"} trailing)", "/symbol"), std::nullopt);
}

TEST(JsonPointerSyntax, Validates) {
  EXPECT_TRUE(is_valid_json_pointer(""));
  EXPECT_TRUE(is_valid_json_pointer("/symbol"));
  EXPECT_TRUE(is_valid_json_pointer("/a~0b/c~1d"));
  EXPECT_FALSE(is_valid_json_pointer("symbol"));
  EXPECT_FALSE(is_valid_json_pointer("/a~2"));
  EXPECT_FALSE(is_valid_json_pointer("/a~"));
}

}  // namespace
}  // namespace ssegw::kafka
