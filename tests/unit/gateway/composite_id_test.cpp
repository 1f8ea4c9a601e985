#include "gateway/composite_id.h"

#include <gtest/gtest.h>

namespace ssegw {
namespace {

TEST(CompositeId, RoundTripsDecimalAndKafkaIds) {
  CompositeId id;
  const std::string a = CompositeId::key_for("/prices");
  const std::string b = CompositeId::key_for("/rooms/a");
  const std::string c = CompositeId::key_for("/rooms/b");
  id.set(a, "1796146509824000002");
  id.set(b, "2@0:13,1:41,2:8");
  id.set(c, "0");
  const std::string text = id.encode();
  std::optional<CompositeId> back = CompositeId::parse(text);
  ASSERT_TRUE(back) << text;
  EXPECT_EQ(back->find(a), "1796146509824000002");
  EXPECT_EQ(back->find(b), "2@0:13,1:41,2:8");
  EXPECT_EQ(back->find(c), "0");
  EXPECT_FALSE(back->find(CompositeId::key_for("/other")));
  EXPECT_EQ(back->encode(), text);
}

TEST(CompositeId, KeysAreEightBase64urlCharsAndDifferByPath) {
  const std::string key = CompositeId::key_for("/rooms/a");
  EXPECT_EQ(key.size(), CompositeId::kKeyChars);
  EXPECT_NE(key, CompositeId::key_for("/rooms/b"));
  EXPECT_EQ(key, CompositeId::key_for("/rooms/a"));
}

TEST(CompositeId, HundredChannelsOfOurOwnIdsStayUnderTheStatedBound) {
  CompositeId id;
  for (int i = 0; i < 100; ++i)
    id.set(CompositeId::key_for("/c/" + std::to_string(i)), "18446744073709551615");
  EXPECT_LE(id.encode().size(), 2u + 100u * 21u);
  EXPECT_EQ(id.size(), 100u);
}

TEST(CompositeId, SettingReplacesAndAnEmptyIdRemoves) {
  CompositeId id;
  const std::string a = CompositeId::key_for("/a");
  id.set(a, "5");
  id.set(a, "6");
  EXPECT_EQ(id.find(a), "6");
  id.set(a, "");
  EXPECT_EQ(id.size(), 0u);
  EXPECT_EQ(id.encode(), "m1");
}

TEST(CompositeId, MalformedTextFromClientsIsRefusedWhole) {
  CompositeId good;
  good.set(CompositeId::key_for("/a"), "12");
  good.set(CompositeId::key_for("/b"), "2@0:1");
  const std::string text = good.encode();
  ASSERT_TRUE(CompositeId::parse(text));
  const std::string key = CompositeId::key_for("/a");
  for (const std::string& bad : std::vector<std::string>{
           "", "m", "m2", "x1!" + key + "nA", "m1!", "m1!short", "m1!" + key, "m1!" + key + "n",
           "m1!" + key + "q12", "m1!" + key + "nAB",  // leading zero digit
           "m1!" + key + "s12",                       // a decimal must be written "n"
           "m1!" + key + "n____________",             // more than 64 bits
           "m1!" + key + "nB!" + key + "nC",          // a key twice
           "m1!" + key + "s a",                       // a space
           text + "!",                                // an empty entry
           std::string("m1!") + "????????" + "nB",    // not base64url
       }) {
    EXPECT_FALSE(CompositeId::parse(bad)) << bad;
  }
  std::string huge = "m1";
  for (size_t i = 0; i <= CompositeId::kMaxEntries; ++i) huge += "!AAAAAAAAnB";
  EXPECT_FALSE(CompositeId::parse(huge));
}

TEST(CompositeId, EntriesOutOfOrderAreNotOneOfOurs) {
  const std::string first = "AAAAAAAA";
  const std::string second = "BAAAAAAA";
  EXPECT_TRUE(CompositeId::parse("m1!" + first + "nB!" + second + "nC"));
  EXPECT_FALSE(CompositeId::parse("m1!" + second + "nB!" + first + "nC"));
}

}  // namespace
}  // namespace ssegw
