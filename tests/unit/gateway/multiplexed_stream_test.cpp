// The pieces a multiplexed stream is written from: templates, the type filter, the id line
// joined from each leg's entry, a frame's shared tail and its JSON envelope, and the queue
// that sends parts of frames by reference.
#include "gateway/multiplexed_stream.h"

#include <gtest/gtest.h>

#include "gateway/channel_directory.h"
#include "gateway/channel_template.h"
#include "gateway/clock.h"
#include "gateway/composite_id.h"
#include "gateway/event_type_filter.h"
#include "gateway/sse_framer.h"

namespace ssegw {
namespace {

std::string drain(OutputQueue& q) {
  std::string out(q.bytes(), '\0');
  q.copy_front(out.data(), out.size());
  q.consume(out.size());
  return out;
}

FrameRef frame_of(Event e) {
  std::string bytes = encode_event(e);
  return FrameRef::adopt(new Frame(1, std::move(e), std::move(bytes), 0));
}

TEST(ChannelTemplate, PlaceholdersAreWholeSegments) {
  std::string why;
  auto t = ChannelTemplate::parse("/rooms/{room}/chat", &why);
  ASSERT_TRUE(t) << why;
  EXPECT_TRUE(t->matches("/rooms/a/chat"));
  EXPECT_FALSE(t->matches("/rooms/a"));
  EXPECT_FALSE(t->matches("/rooms//chat"));
  EXPECT_FALSE(t->matches("/rooms/a/b/chat"));
  EXPECT_FALSE(t->matches("/rooms/*/chat"));
  EXPECT_FALSE(t->matches("/rooms/{x}/chat"));
  for (const char* bad :
       {"rooms/{r}", "/rooms/x{r}", "/rooms/{r-x}", "/rooms//{r}", "/rooms", "/rooms/*"}) {
    EXPECT_FALSE(ChannelTemplate::parse(bad, &why)) << bad;
    EXPECT_FALSE(why.empty());
  }
}

TEST(EventTypeFilter, NamesTypesAndMessageForUntyped) {
  auto f = EventTypeFilter::parse("tick,message,tick");
  ASSERT_TRUE(f);
  EXPECT_TRUE(f->wants("tick"));
  EXPECT_TRUE(f->wants(""));
  EXPECT_FALSE(f->wants("tock"));
  EXPECT_FALSE(EventTypeFilter::parse(""));
  EXPECT_FALSE(EventTypeFilter::parse("a,"));
  EXPECT_FALSE(EventTypeFilter::parse(std::string(300, 'a')));
  std::string many;
  for (int i = 0; i < 65; ++i) many += (i ? "," : "") + std::to_string(i);
  EXPECT_FALSE(EventTypeFilter::parse(many));
}

TEST(MultiplexedStream, TheIdLineJoinsEveryLegsEntryInKeyOrder) {
  MultiplexedStream mux;
  MuxLeg* a = mux.add_leg("/a");
  MuxLeg* b = mux.add_leg("/b");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(mux.add_leg("/a"), nullptr);  // one leg per key
  mux.set_entry(*a, "1000001");
  EXPECT_EQ(mux.id_line(), "id: m1" + a->entry + "\n");  // b is unmentioned yet
  mux.set_entry(*b, "7");
  mux.set_entry(*a, "1000002");  // the same width: rewritten in place
  const std::string line = mux.id_line();
  auto parsed = CompositeId::parse(line.substr(4, line.size() - 5));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->find(a->key), "1000002");
  EXPECT_EQ(parsed->find(b->key), "7");
  mux.remove_leg(a);
  EXPECT_EQ(mux.id_line(), "id: m1" + b->entry + "\n");
  // Queued lines are views of the stream's buffer, and stay as they were written.
  OutputQueue q;
  mux.push_id_line(q);
  mux.set_entry(*b, "123456789");
  mux.push_id_line(q);
  EXPECT_EQ(drain(q), "id: m1" + CompositeId::encode_entry(b->key, "7") + "\nid: m1" +
                          CompositeId::encode_entry(b->key, "123456789") + "\n");
}

TEST(Frame, TailDropsOnlyTheIdLineAndTheEnvelopeIsJson) {
  FrameRef f = frame_of(Event{"42", "tick", "a \"q\"\nb\\\x01", {}, {}, {}});
  EXPECT_EQ(f->tail(), "event: tick\ndata: a \"q\"\ndata: b\\\x01\n\n");
  EXPECT_EQ(
      f->envelope_tail("/x"),
      "event: tick\ndata: {\"channel\":\"/x\",\"type\":\"tick\",\"data\":\"a \\\"q\\\"\\nb\\\\"
      "\\u0001\"}\n\n");
  // Made once: the second stream shares the first one's bytes.
  EXPECT_EQ(f->envelope_tail("/x").data(), f->envelope_tail("/x").data());
  FrameRef untyped = frame_of(Event{"", "", "x", {}, {}, {}});
  EXPECT_EQ(untyped->tail(), "data: x\n\n");
  EXPECT_NE(untyped->envelope_tail("/y").find("\"type\":\"message\""), std::string::npos);
}

TEST(OutputQueue, PartsOfFramesGoByReferenceAndSplitCleanly) {
  FrameRef f = frame_of(Event{"9", "", "payload", {}, {}, {}});
  OutputQueue q;
  q.push_owned("id: m1!x\n");
  q.push_view(f, f->tail().data(), f->tail().size());
  q.push_view(f, f->tail().data(), 0);  // nothing to send: nothing queued
  EXPECT_EQ(q.bytes(), 9 + f->tail().size());
  OutputQueue to;
  q.move_front_to(to, 12);  // the owned piece whole, 3 bytes of the tail copied
  EXPECT_EQ(drain(to), "id: m1!x\ndat");
  EXPECT_EQ(drain(q), "a: payload\n\n");
}

TEST(ChannelDirectory, TemplatesMakeChannelsAndIdleOnesGo) {
  ChannelDirectory dir(1000, {});
  ChannelOptions rooms{"/rooms/{room}"};
  rooms.template_path = rooms.path;
  rooms.max_channels = 2;
  rooms.idle_ttl_ms = 1000;
  dir.apply({rooms});
  std::vector<std::string> made;
  dir.set_on_created([&](const std::shared_ptr<Channel>& c) { made.push_back(c->path()); });
  bool full = false;
  auto a = dir.find_or_make("/rooms/a", &full);
  ASSERT_TRUE(a);
  EXPECT_EQ(dir.find_or_make("/rooms/a", &full), a);
  ASSERT_TRUE(dir.find_or_make("/rooms/b", &full));
  EXPECT_FALSE(dir.find_or_make("/rooms/c", &full));
  EXPECT_TRUE(full);
  EXPECT_EQ(made, (std::vector<std::string>{"/rooms/a", "/rooms/b"}));
  EXPECT_FALSE(dir.find_or_make("/other", &full));
  EXPECT_FALSE(full);
  ASSERT_TRUE(a->publish(Event{"", "", "x", {}, {}, {}}).ok);
  a->subscribers().fetch_add(1);
  const int64_t now = wall_ms();             // channels start busy at their making
  EXPECT_TRUE(dir.sweep_idle(now).empty());  // a sweep marks what it sees busy
  auto gone = dir.sweep_idle(now + 1500);
  ASSERT_EQ(gone.size(), 1u);  // b: no subscriber, no publish
  EXPECT_EQ(gone[0]->path(), "/rooms/b");
  EXPECT_EQ(dir.template_stats()[0].live, 1u);
  a->subscribers().fetch_sub(1);
  EXPECT_TRUE(dir.sweep_idle(now + 2000).empty());  // idle since the last busy sweep only
  ASSERT_EQ(dir.sweep_idle(now + 3100).size(), 1u);
  EXPECT_EQ(dir.template_stats()[0].published_by_gone, 1u);
  EXPECT_FALSE(a->publish(Event{"", "", "y", {}, {}, {}}).ok);  // retired
  auto again = dir.find_or_make("/rooms/a", &full);
  ASSERT_TRUE(again);
  // Made again, its ids continue above the earlier channel's.
  EXPECT_GT(std::stoull(again->publish(Event{"", "", "z", {}, {}, {}}).id),
            std::stoull(a->plan_replay_all().newest_id));
}

}  // namespace
}  // namespace ssegw
