// Conformance of SseParser with the WHATWG HTML standard, section 9.2.6 "Interpreting an event
// stream" (and the UTF-8 decode it starts with). One test per rule; every test feeds its
// stream in every chunking: all at once, byte by byte, split at every position, and for short
// streams split at every pair of positions, and expects the same outcome from each.
#include "bridges/sse/sse_parser.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace ssegw::sse {
namespace {

struct Seen {
  std::string type;  // effective type, as a browser fires it
  std::string data;
  std::string id;
  bool operator==(const Seen&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Seen& s) {
  return os << "{type=" << testing::PrintToString(s.type)
            << " data=" << testing::PrintToString(s.data) << " id=" << testing::PrintToString(s.id)
            << "}";
}

struct Outcome {
  std::vector<Seen> events;
  std::string last_event_id;  // what a reconnection would send
  int64_t retry_ms = -1;
  uint64_t comments = 0;
  uint64_t oversized = 0;
  bool operator==(const Outcome&) const = default;
};

Outcome run(const std::vector<std::string_view>& chunks, size_t max_event_size) {
  Outcome out;
  SseParser parser(
      [&](SseMessage& m) {
        out.events.push_back({std::string(m.effective_type()), m.data, m.last_event_id});
      },
      max_event_size);
  for (std::string_view chunk : chunks) parser.feed(chunk);
  out.last_event_id = parser.last_event_id();
  out.retry_ms = parser.retry_ms();
  out.comments = parser.counters().comments;
  out.oversized = parser.counters().oversized_events;
  return out;
}

std::string describe(const std::vector<std::string_view>& chunks) {
  std::string text = "chunks:";
  for (std::string_view c : chunks) text += " [" + testing::PrintToString(std::string(c)) + "]";
  return text;
}

// Every chunking of `stream` gives the same outcome, which is returned for the test to check.
Outcome parse_every_way(std::string_view stream, size_t max_event_size = 1 << 20) {
  const Outcome whole = run({stream}, max_event_size);
  std::vector<std::string_view> bytes;
  for (size_t i = 0; i < stream.size(); ++i) bytes.push_back(stream.substr(i, 1));
  EXPECT_EQ(run(bytes, max_event_size), whole) << "byte by byte";
  for (size_t i = 0; i <= stream.size(); ++i) {
    std::vector<std::string_view> two{stream.substr(0, i), stream.substr(i)};
    EXPECT_EQ(run(two, max_event_size), whole) << describe(two);
  }
  if (stream.size() <= 48) {
    for (size_t i = 0; i <= stream.size(); ++i) {
      for (size_t j = i; j <= stream.size(); ++j) {
        std::vector<std::string_view> three{stream.substr(0, i), stream.substr(i, j - i),
                                            stream.substr(j)};
        EXPECT_EQ(run(three, max_event_size), whole) << describe(three);
      }
    }
  }
  return whole;
}

std::vector<Seen> events_of(std::string_view stream) {
  return parse_every_way(stream).events;
}

Seen msg(std::string data, std::string id = "", std::string type = "message") {
  return {std::move(type), std::move(data), std::move(id)};
}

const std::string kFffd = "\xEF\xBF\xBD";

// --- "Streams must be decoded using the UTF-8 decode algorithm."

TEST(SseParserUtf8, ValidMultiByteTextPassesUnchanged) {
  EXPECT_EQ(events_of("data: caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\n\n"),
            (std::vector<Seen>{msg("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80")}));
}

TEST(SseParserUtf8, InvalidByteBecomesReplacementCharacter) {
  EXPECT_EQ(events_of("data: a\xFF"
                      "b\x80"
                      "c\n\n"),
            (std::vector<Seen>{msg("a" + kFffd + "b" + kFffd + "c")}));
}

TEST(SseParserUtf8, TruncatedSequenceIsOneReplacementAndNextByteIsKept) {
  // E2 82 is the start of a three-byte sequence; 'x' interrupts it and is decoded itself.
  EXPECT_EQ(events_of("data: \xE2\x82x\n\n"), (std::vector<Seen>{msg(kFffd + "x")}));
}

TEST(SseParserUtf8, SequenceCutByLineEndIsOneReplacement) {
  EXPECT_EQ(events_of("data: \xF0\x9F\x98\ndata: \xC3\n\n"),
            (std::vector<Seen>{msg(kFffd + "\n" + kFffd)}));
}

TEST(SseParserUtf8, OverlongAndSurrogateBytesEachBecomeReplacement) {
  // C0 and the lone continuation bytes are each a maximal subpart, as are ED A0 80 (a
  // surrogate: A0 is outside ED's 80..9F range) and F4 90 (above U+10FFFF).
  EXPECT_EQ(events_of("data: \xC0\xAF|\xED\xA0\x80|\xF4\x90\x80\x80\n\n"),
            (std::vector<Seen>{msg(kFffd + kFffd + "|" + kFffd + kFffd + kFffd + "|" + kFffd +
                                   kFffd + kFffd + kFffd)}));
}

TEST(SseParserUtf8, EventTypeAndIdAreDecodedToo) {
  EXPECT_EQ(events_of("event: t\xFE\nid: i\xFE\ndata: d\n\n"),
            (std::vector<Seen>{msg("d", "i" + kFffd, "t" + kFffd)}));
}

// --- The UTF-8 decode algorithm drops one leading byte order mark.

TEST(SseParserBom, LeadingBomIsDropped) {
  EXPECT_EQ(events_of("\xEF\xBB\xBF"
                      "data: x\n\n"),
            (std::vector<Seen>{msg("x")}));
}

TEST(SseParserBom, OnlyOneBomIsDropped) {
  // The second BOM is part of the first line's field name, which is then unknown.
  EXPECT_EQ(events_of("\xEF\xBB\xBF\xEF\xBB\xBF"
                      "data: x\n\ndata: y\n\n"),
            (std::vector<Seen>{msg("y")}));
}

TEST(SseParserBom, BomLaterInTheStreamIsText) {
  EXPECT_EQ(events_of("data: \xEF\xBB\xBFx\n\n"), (std::vector<Seen>{msg("\xEF\xBB\xBFx")}));
}

TEST(SseParserBom, IncompleteBomAtStartIsAnInvalidSequence) {
  // EF BB then 'd': one U+FFFD, so the first field is named "\uFFFDdata" and ignored.
  EXPECT_EQ(events_of("\xEF\xBB"
                      "data: x\n\ndata: y\n\n"),
            (std::vector<Seen>{msg("y")}));
}

// --- Lines end with CRLF, a lone LF, or a lone CR.

TEST(SseParserLines, LfEndsLines) {
  EXPECT_EQ(events_of("data: a\ndata: b\n\n"), (std::vector<Seen>{msg("a\nb")}));
}

TEST(SseParserLines, CrEndsLines) {
  EXPECT_EQ(events_of("data: a\rdata: b\r\r"), (std::vector<Seen>{msg("a\nb")}));
}

TEST(SseParserLines, CrLfEndsLines) {
  EXPECT_EQ(events_of("data: a\r\ndata: b\r\n\r\n"), (std::vector<Seen>{msg("a\nb")}));
}

TEST(SseParserLines, MixedLineEndsInOneStream) {
  EXPECT_EQ(events_of("data: a\rdata: b\r\ndata: c\n\r\ndata: d\n\r"),
            (std::vector<Seen>{msg("a\nb\nc"), msg("d")}));
}

TEST(SseParserLines, LfThenCrIsTwoLineEnds) {
  EXPECT_EQ(events_of("data: a\n\rdata: b\n\n"), (std::vector<Seen>{msg("a"), msg("b")}));
}

TEST(SseParserLines, CrAtEndOfOneFeedAndLfAtStartOfNextAreOneLineEnd) {
  const Outcome split = run({"data: a\r", "\ndata: b\r", "\n\r", "\n"}, 1 << 20);
  EXPECT_EQ(split.events, (std::vector<Seen>{msg("a\nb")}));
  // The same split with a CR at the end and something else next: the CR ended the line alone.
  const Outcome cr_only = run({"data: a\r", "data: b\r", "\r"}, 1 << 20);
  EXPECT_EQ(cr_only.events, (std::vector<Seen>{msg("a\nb")}));
  // An empty feed between CR and LF changes nothing.
  const Outcome empty_between = run({"data: a\r", "", "\n\n"}, 1 << 20);
  EXPECT_EQ(empty_between.events, (std::vector<Seen>{msg("a")}));
}

// --- "If the line is empty (a blank line): Dispatch the event."

TEST(SseParserDispatch, BlankLineDispatches) {
  EXPECT_EQ(events_of("data: one\n\ndata: two\n\n"), (std::vector<Seen>{msg("one"), msg("two")}));
}

// --- "If the line starts with a U+003A COLON character (:): Ignore the line."

TEST(SseParserComments, CommentLinesAreIgnored) {
  const Outcome out = parse_every_way(": hello\ndata: x\n:data: y\n:\n\n");
  EXPECT_EQ(out.events, (std::vector<Seen>{msg("x")}));
  EXPECT_EQ(out.comments, 3u);
}

TEST(SseParserComments, CommentOnlyBlockDispatchesNothing) {
  const Outcome out = parse_every_way(":heartbeat\n\n:heartbeat\n\n");
  EXPECT_TRUE(out.events.empty());
  EXPECT_EQ(out.comments, 2u);
}

// --- Field name before the first colon; value after it, one leading space removed.

TEST(SseParserFields, ValueLosesExactlyOneLeadingSpace) {
  EXPECT_EQ(events_of("data:  two\n\ndata:none\n\ndata:\tx\n\n"),
            (std::vector<Seen>{msg(" two"), msg("none"), msg("\tx")}));
}

TEST(SseParserFields, SplitIsAtTheFirstColonOnly) {
  EXPECT_EQ(events_of("data: a:b: c\n\ndata:: x\n\n"),
            (std::vector<Seen>{msg("a:b: c"), msg(": x")}));
}

TEST(SseParserFields, TrailingSpaceIsKept) {
  EXPECT_EQ(events_of("data: x  \n\n"), (std::vector<Seen>{msg("x  ")}));
}

// --- "Otherwise... process the field using the whole line as the field name, and the empty
// string as the field value."

TEST(SseParserFields, LineWithoutColonIsFieldWithEmptyValue) {
  EXPECT_EQ(events_of("data\n\ndata\ndata\n\n"), (std::vector<Seen>{msg(""), msg("\n")}));
}

TEST(SseParserFields, ColonlessEventFieldResetsTypeToMessage) {
  EXPECT_EQ(events_of("event: x\nevent\ndata: d\n\n"), (std::vector<Seen>{msg("d")}));
}

// --- Unknown fields are ignored; names are case-sensitive and exact.

TEST(SseParserFields, UnknownFieldsAreIgnored) {
  EXPECT_EQ(events_of("foo: bar\nDATA: no\ndata : no\n data: no\ndata: yes\n\n"),
            (std::vector<Seen>{msg("yes")}));
}

TEST(SseParserFields, BlockOfUnknownFieldsDispatchesNothing) {
  EXPECT_TRUE(events_of("foo: bar\n\n").empty());
}

// --- "data": append the value and an LF; at dispatch drop the final LF.

TEST(SseParserData, DataLinesAreJoinedWithLf) {
  EXPECT_EQ(events_of("data: a\ndata: b\ndata: c\n\n"), (std::vector<Seen>{msg("a\nb\nc")}));
}

TEST(SseParserData, OnlyTheLastLfIsRemoved) {
  EXPECT_EQ(events_of("data: a\ndata:\n\n"), (std::vector<Seen>{msg("a\n")}));
  EXPECT_EQ(events_of("data:\ndata:\ndata:\n\n"), (std::vector<Seen>{msg("\n\n")}));
}

TEST(SseParserData, EmptyDataFieldDispatchesEmptyEvent) {
  EXPECT_EQ(events_of("data:\n\n"), (std::vector<Seen>{msg("")}));
}

TEST(SseParserData, NulAndOtherControlBytesInDataPassThrough) {
  EXPECT_EQ(events_of(std::string_view("data: a\0b\x01\n\n", 12)),
            (std::vector<Seen>{msg(std::string("a\0b\x01", 4))}));
}

// --- Dispatch step 2: an empty data buffer dispatches nothing but still resets the buffers.

TEST(SseParserDispatch, EmptyDataBufferDispatchesNothing) {
  EXPECT_TRUE(events_of("event: x\n\n\n\n").empty());
}

TEST(SseParserDispatch, EmptyDataBufferStillResetsEventType) {
  EXPECT_EQ(events_of("event: x\n\ndata: y\n\n"), (std::vector<Seen>{msg("y")}));
}

// --- "event": sets the event type buffer; the type defaults to "message".

TEST(SseParserType, EventFieldSetsTheType) {
  EXPECT_EQ(events_of("event: add\ndata: 1\n\n"), (std::vector<Seen>{msg("1", "", "add")}));
}

TEST(SseParserType, TypeDefaultsToMessageAndResetsAfterDispatch) {
  EXPECT_EQ(events_of("event: add\ndata: 1\n\ndata: 2\n\n"),
            (std::vector<Seen>{msg("1", "", "add"), msg("2")}));
}

TEST(SseParserType, LastEventFieldWins) {
  EXPECT_EQ(events_of("event: a\ndata: 1\nevent: b\n\n"), (std::vector<Seen>{msg("1", "", "b")}));
}

TEST(SseParserType, RawTypeIsEmptyWhenNoEventField) {
  std::vector<std::string> raw;
  SseParser parser([&](SseMessage& m) { raw.push_back(m.type); });
  parser.feed("data: 1\n\nevent: message\ndata: 2\n\n");
  EXPECT_EQ(raw, (std::vector<std::string>{"", "message"}));
}

// --- "id": sets the last event ID buffer unless the value contains NUL.

TEST(SseParserId, IdSetsLastEventId) {
  const Outcome out = parse_every_way("id: 7\ndata: x\n\n");
  EXPECT_EQ(out.events, (std::vector<Seen>{msg("x", "7")}));
  EXPECT_EQ(out.last_event_id, "7");
}

TEST(SseParserId, LastEventIdPersistsAcrossEvents) {
  EXPECT_EQ(events_of("id: 7\ndata: x\n\ndata: y\n\nid: 8\ndata: z\n\n"),
            (std::vector<Seen>{msg("x", "7"), msg("y", "7"), msg("z", "8")}));
}

TEST(SseParserId, IdContainingNulIsIgnored) {
  const Outcome out =
      parse_every_way(std::string_view("id: 1\ndata: a\n\nid: 2\0x\ndata: b\n\n", 33));
  EXPECT_EQ(out.events, (std::vector<Seen>{msg("a", "1"), msg("b", "1")}));
  EXPECT_EQ(out.last_event_id, "1");
}

TEST(SseParserId, EmptyIdClearsTheBuffer) {
  EXPECT_EQ(events_of("id: 1\ndata: a\n\nid\ndata: b\n\nid: 2\ndata: c\n\nid:\ndata: d\n\n"),
            (std::vector<Seen>{msg("a", "1"), msg("b", ""), msg("c", "2"), msg("d", "")}));
}

TEST(SseParserId, IdIsCommittedAtDispatchEvenWithoutData) {
  const Outcome out = parse_every_way("id: 5\n\n");
  EXPECT_TRUE(out.events.empty());
  EXPECT_EQ(out.last_event_id, "5");
}

TEST(SseParserId, IdOfAnUnfinishedEventIsNotCommitted) {
  const Outcome out = parse_every_way("id: 9\ndata: a\n\nid: 10\ndata: b\n");
  EXPECT_EQ(out.events, (std::vector<Seen>{msg("a", "9")}));
  EXPECT_EQ(out.last_event_id, "9");
}

TEST(SseParserId, IdKeepsSpacesAfterTheFirst) {
  EXPECT_EQ(events_of("id:  a b \ndata: x\n\n"), (std::vector<Seen>{msg("x", " a b ")}));
}

// Not in the standard: whether an event had an id: line of its own, which a relay
// (`ids: upstream`) needs because the buffer carries an earlier event's id over.
std::vector<bool> id_fields_of(std::string_view stream, bool byte_by_byte) {
  std::vector<bool> out;
  SseParser parser([&](SseMessage& m) { out.push_back(m.id_field); });
  if (!byte_by_byte) parser.feed(stream);
  for (size_t i = 0; byte_by_byte && i < stream.size(); ++i) parser.feed(stream.substr(i, 1));
  return out;
}

TEST(SseParserId, EventTellsWhetherItHadAnIdLineOfItsOwn) {
  // The last id line holds a NUL, which the standard ignores: no id of its own.
  const std::string stream = std::string("id: 7\ndata: a\n\ndata: b\n\nid: 8\n\ndata: c\n\n") +
                             "id:\ndata: d\n\nid: 9" + '\0' + "\ndata: e\n\n";
  const std::vector<bool> expected{true, false, false, true, false};
  EXPECT_EQ(id_fields_of(stream, false), expected);
  EXPECT_EQ(id_fields_of(stream, true), expected);
}

// --- "retry": only values made of ASCII digits set the reconnection time.

TEST(SseParserRetry, DigitsSetTheReconnectionTime) {
  const Outcome out = parse_every_way("retry: 2500\n");
  EXPECT_EQ(out.retry_ms, 2500);
  EXPECT_TRUE(out.events.empty());
}

TEST(SseParserRetry, AnythingButDigitsIsIgnored) {
  for (std::string_view bad :
       {"retry: 25x\n", "retry: -1\n", "retry: \n", "retry\n", "retry: 1.5\n", "retry:  100\n",
        "retry: 100 \n", "retry: \xD9\xA1\n"}) {
    SCOPED_TRACE(testing::PrintToString(std::string(bad)));
    EXPECT_EQ(parse_every_way(bad).retry_ms, -1);
  }
}

TEST(SseParserRetry, LaterValidRetryReplacesEarlierOne) {
  EXPECT_EQ(parse_every_way("retry: 100\nretry: x\nretry:300\n").retry_ms, 300);
}

TEST(SseParserRetry, RetryDoesNotTouchTheEvent) {
  EXPECT_EQ(events_of("data: a\nretry: 10\ndata: b\n\n"), (std::vector<Seen>{msg("a\nb")}));
}

TEST(SseParserRetry, HugeValueSaturates) {
  EXPECT_EQ(parse_every_way("retry: 99999999999999999999999\n").retry_ms,
            std::numeric_limits<int64_t>::max());
}

// --- "Once the end of the file is reached, any pending data must be discarded."

TEST(SseParserEnd, IncompleteEventAtEndIsNotDispatched) {
  EXPECT_EQ(events_of("data: a\n\ndata: b\n"), (std::vector<Seen>{msg("a")}));
  EXPECT_EQ(events_of("data: a\n\ndata: b"), (std::vector<Seen>{msg("a")}));
}

TEST(SseParserEnd, ResetDiscardsTheHalfEventAndKeepsTheResumeId) {
  std::vector<Seen> seen;
  SseParser parser([&](SseMessage& m) {
    seen.push_back({std::string(m.effective_type()), m.data, m.last_event_id});
  });
  parser.feed("id: 1\ndata: a\n\nid: 2\nevent: t\ndata: half");
  parser.reset(parser.last_event_id());
  parser.feed(
      "\xEF\xBB\xBF"
      "data: b\n\n");  // a new stream: its BOM is dropped again
  EXPECT_EQ(seen, (std::vector<Seen>{msg("a", "1"), msg("b", "1")}));
}

TEST(SseParserEnd, ResetForgetsAPendingCr) {
  std::vector<std::string> data;
  SseParser parser([&](SseMessage& m) { data.push_back(m.data); });
  parser.feed("data: a\n\ndata: b\r");
  parser.reset("");
  parser.feed("\ndata: c\n\n");  // this LF is a blank line of the new stream, not a CR's pair
  EXPECT_EQ(data, (std::vector<std::string>{"a", "c"}));
}

// --- The gateway's own limit: a line or event over max_event_size is dropped, memory bounded.

TEST(SseParserLimit, OversizedLineDropsItsEvent) {
  const std::string big(100, 'x');
  const Outcome out =
      parse_every_way("data: ok\n\ndata: " + big + "\ndata: tail\n\ndata: next\n\n", 64);
  EXPECT_EQ(out.events, (std::vector<Seen>{msg("ok"), msg("next")}));
  EXPECT_EQ(out.oversized, 1u);
}

TEST(SseParserLimit, EventGrowingPastTheLimitIsDropped) {
  const std::string line = "data: " + std::string(30, 'y') + "\n";
  const Outcome out = parse_every_way(line + line + line + "\ndata: next\n\n", 64);
  EXPECT_EQ(out.events, (std::vector<Seen>{msg("next")}));
  EXPECT_EQ(out.oversized, 1u);
}

TEST(SseParserLimit, EventAtTheLimitIsKept) {
  const std::string body(64, 'z');
  EXPECT_EQ(parse_every_way("data:" + body + "\n\n", 64).events, (std::vector<Seen>{msg(body)}));
  const Outcome over = parse_every_way("data:" + body + "z\n\n", 64);
  EXPECT_TRUE(over.events.empty());
  EXPECT_EQ(over.oversized, 1u);
}

TEST(SseParserLimit, IdOfADroppedEventIsStillCommitted) {
  const Outcome out = parse_every_way("id: 3\ndata: " + std::string(100, 'x') + "\n\n", 64);
  EXPECT_TRUE(out.events.empty());
  EXPECT_EQ(out.last_event_id, "3");
}

TEST(SseParserLimit, OversizedCommentIsIgnoredWithoutDroppingTheEvent) {
  const Outcome out = parse_every_way("data: a\n:" + std::string(1000, 'c') + "\ndata: b\n\n", 64);
  EXPECT_EQ(out.events, (std::vector<Seen>{msg("a\nb")}));
  EXPECT_EQ(out.oversized, 0u);
}

TEST(SseParserLimit, LongStreamOfOneEndlessLineStaysBounded) {
  // 64 MiB of one line without an end, fed in 64 KiB reads, never completes and never
  // dispatches; the following event after its end is delivered.
  std::vector<std::string> data;
  SseParser parser([&](SseMessage& m) { data.push_back(m.data); }, 1 << 16);
  const std::string chunk(1 << 16, 'q');
  parser.feed("data: ");
  for (int i = 0; i < 1024; ++i) parser.feed(chunk);
  parser.feed("\n\ndata: after\n\n");
  EXPECT_EQ(data, std::vector<std::string>{"after"});
  EXPECT_EQ(parser.counters().oversized_events, 1u);
}

TEST(SseParserCallbacks, RetryAndCommentCallbacksFire) {
  std::vector<int64_t> retries;
  int comments = 0;
  SseParser parser([](SseMessage&) {});
  parser.set_retry_callback([&](int64_t ms) { retries.push_back(ms); });
  parser.set_comment_callback([&] { ++comments; });
  parser.feed("retry: 10\n:hb\nretry: no\nretry: 20\n");
  EXPECT_EQ(retries, (std::vector<int64_t>{10, 20}));
  EXPECT_EQ(comments, 1);
}

TEST(SseParserCallbacks, CallbackMayMoveTheDataOut) {
  std::vector<std::string> kept;
  SseParser parser([&](SseMessage& m) { kept.push_back(std::move(m.data)); });
  parser.feed("data: first\n\ndata: second\n\n");
  EXPECT_EQ(kept, (std::vector<std::string>{"first", "second"}));
}

}  // namespace
}  // namespace ssegw::sse
