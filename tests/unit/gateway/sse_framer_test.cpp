#include "gateway/sse_framer.h"

#include <gtest/gtest.h>

namespace ssegw {
namespace {

Event data_event(std::string data) {
  Event e;
  e.data = std::move(data);
  return e;
}

TEST(SseFramer, PlainDataIsOneLine) {
  EXPECT_EQ(encode_event(data_event("hello")), "data: hello\n\n");
}

TEST(SseFramer, IdAndTypeComeBeforeData) {
  Event e{"42", "price", "1.5", "", "", {}};
  EXPECT_EQ(encode_event(e), "id: 42\nevent: price\ndata: 1.5\n\n");
}

TEST(SseFramer, MessageTypeIsLeftImplicit) {
  Event e{"", "message", "x", "", "", {}};
  EXPECT_EQ(encode_event(e), "data: x\n\n");
}

TEST(SseFramer, LfSplitsIntoDataLines) {
  EXPECT_EQ(encode_event(data_event("a\nb")), "data: a\ndata: b\n\n");
}

TEST(SseFramer, CrSplitsIntoDataLines) {
  EXPECT_EQ(encode_event(data_event("a\rb")), "data: a\ndata: b\n\n");
}

TEST(SseFramer, CrLfIsOneLineBreak) {
  EXPECT_EQ(encode_event(data_event("a\r\nb")), "data: a\ndata: b\n\n");
}

TEST(SseFramer, LfCrIsTwoLineBreaks) {
  EXPECT_EQ(encode_event(data_event("a\n\rb")), "data: a\ndata: \ndata: b\n\n");
}

TEST(SseFramer, EmptyLinesInsideDataSurvive) {
  EXPECT_EQ(encode_event(data_event("a\n\nb")), "data: a\ndata: \ndata: b\n\n");
}

TEST(SseFramer, TrailingNewlineBecomesEmptyDataLine) {
  // The client joins data lines with LF, so "a\n" must come back as "a\n".
  EXPECT_EQ(encode_event(data_event("a\n")), "data: a\ndata: \n\n");
}

TEST(SseFramer, EmptyDataStillDispatches) {
  EXPECT_EQ(encode_event(data_event("")), "data: \n\n");
}

TEST(SseFramer, PayloadCannotInjectFields) {
  std::string framed = encode_event(data_event("x\nid: evil\n\nevent: boom"));
  EXPECT_EQ(framed, "data: x\ndata: id: evil\ndata: \ndata: event: boom\n\n");
}

TEST(SseFramer, LeadingSpaceInDataIsKept) {
  // The parser strips exactly one space after the colon: ours.
  EXPECT_EQ(encode_event(data_event(" padded")), "data:  padded\n\n");
}

TEST(SseFramer, VeryLongLineIsNotSplit) {
  std::string big(1 << 20, 'x');
  std::string framed = encode_event(data_event(big));
  EXPECT_EQ(framed.size(), big.size() + 8);
  EXPECT_EQ(framed.substr(0, 6), "data: ");
}

TEST(SseFramer, IdAndTypeLoseLineBreaksAndNul) {
  Event e{std::string("a\nb\0c", 5), "t\r\nx", "d", "", "", {}};
  EXPECT_EQ(encode_event(e), "id: abc\nevent: tx\ndata: d\n\n");
}

TEST(SseFramer, FieldValueValidation) {
  EXPECT_TRUE(is_valid_field_value("update"));
  EXPECT_FALSE(is_valid_field_value("a\nb"));
  EXPECT_FALSE(is_valid_field_value("a\rb"));
  EXPECT_FALSE(is_valid_field_value(std::string_view("a\0b", 3)));
}

TEST(SseFramer, Retry) {
  EXPECT_EQ(encode_retry(3000), "retry: 3000\n\n");
}

}  // namespace
}  // namespace ssegw
