// Several channels on one stream (GET /subscribe?channel=...), against the real binary:
// per-channel order, exact resume with the composite id while publishers go on, patterns
// that take channels made later, template limits and idle removal, ?events=, batches.
#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <thread>

#include "tests/support/http_client.h"
#include "tests/support/process.h"
#include "tests/support/raw_connection.h"

namespace ssegw::testing {
namespace {

const char* kConfig = R"(
server:
  workers: 2
  heartbeat: 300ms
  max_channels_per_subscription: 5
channels:
  - {path: /a, history: 1000, publish: true}
  - {path: /b, history: 1000, publish: true}
  - {path: /c, history: 1000, publish: true}
  - path: /rooms/{room}
    history: 1000
    publish: true
    max_channels: 3
    idle_ttl: 1s
)";

// channel -> data of its events, in arrival order, read from envelope=json events.
using Routed = std::map<std::string, std::vector<std::string>>;

void route_into(Routed& routed, const SseEvent& e) {
  static const std::regex envelope(
      R"re(^\{"channel":"([^"]+)","type":"([^"]+)","data":"([^"]*)"\}$)re");
  std::smatch m;
  ASSERT_TRUE(std::regex_match(e.data, m, envelope)) << e.data;
  EXPECT_EQ(m[2].str(), e.type);
  routed[m[1].str()].push_back(m[3].str());
}

std::vector<std::string> numbered(const std::string& prefix, int from, int to) {
  std::vector<std::string> out;
  for (int i = from; i <= to; ++i) out.push_back(prefix + std::to_string(i));
  return out;
}

class Multiplex : public ::testing::Test {
 protected:
  GatewayProcess gw{kConfig};
  const std::string all_ = "/subscribe?envelope=json&channel=/a&channel=/b&channel=/c";
};

TEST_F(Multiplex, ThreeChannelsAndAPatternArriveEachInOrder) {
  SseClient sub(gw.port(), all_ + "&channel=/rooms/*");
  ASSERT_EQ(sub.status(), 200);
  for (int i = 1; i <= 20; ++i) {
    for (const char* path : {"/a", "/b", "/c"})
      ASSERT_EQ(publish(gw.port(), path, path + std::string("-") + std::to_string(i)).status, 200);
  }
  // A room made after the subscription started: the pattern takes it from its first event.
  for (int i = 1; i <= 5; ++i)
    ASSERT_EQ(publish(gw.port(), "/rooms/x", "x" + std::to_string(i)).status, 200);
  Routed routed;
  for (const SseEvent& e : sub.take(65)) {
    route_into(routed, e);
    EXPECT_TRUE(e.id_field);
    EXPECT_EQ(e.id.rfind("m1!", 0), 0u) << e.id;
  }
  EXPECT_EQ(routed["/a"], numbered("/a-", 1, 20));
  EXPECT_EQ(routed["/b"], numbered("/b-", 1, 20));
  EXPECT_EQ(routed["/c"], numbered("/c-", 1, 20));
  EXPECT_EQ(routed["/rooms/x"], numbered("x", 1, 5));
}

TEST_F(Multiplex, AResumeWithTheLastIdGetsEveryEventOnceWhilePublishersGoOn) {
  constexpr int kPerChannel = 300;
  Routed routed;
  std::string last_id;
  {
    SseClient sub(gw.port(), all_);
    ASSERT_EQ(sub.status(), 200);
    for (int i = 1; i <= 10; ++i) {
      for (const char* path : {"/a", "/b", "/c"})
        publish(gw.port(), path, std::string(path + 1) + std::to_string(i));
    }
    for (const SseEvent& e : sub.take(30)) {
      route_into(routed, e);
      last_id = e.id;
    }
  }  // the client goes away
  std::vector<std::thread> publishers;
  for (const char* path : {"/a", "/b", "/c"}) {
    publishers.emplace_back([this, path] {
      for (int i = 11; i <= kPerChannel; ++i)
        publish(gw.port(), path, std::string(path + 1) + std::to_string(i));
    });
  }
  // Reconnect while they publish: the replay and the live stream meet without a seam.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  SseClient again(gw.port(), all_, {{"Last-Event-ID", last_id}});
  ASSERT_EQ(again.status(), 200);
  for (auto& t : publishers) t.join();
  for (const SseEvent& e : again.take(3 * (kPerChannel - 10), std::chrono::seconds(20)))
    route_into(routed, e);
  EXPECT_FALSE(again.next(std::chrono::milliseconds(300)));  // nothing beyond, nothing twice
  EXPECT_EQ(routed["/a"], numbered("a", 1, kPerChannel));
  EXPECT_EQ(routed["/b"], numbered("b", 1, kPerChannel));
  EXPECT_EQ(routed["/c"], numbered("c", 1, kPerChannel));
}

TEST_F(Multiplex, AChannelTheIdDoesNotMentionIsReplayedFromItsStart) {
  std::string last_id;
  {
    SseClient sub(gw.port(), "/subscribe?channel=/a&channel=/rooms/*");
    publish(gw.port(), "/a", "a1");
    auto e = sub.next();
    ASSERT_TRUE(e);
    last_id = e->id;
  }
  publish(gw.port(), "/rooms/late", "l1");  // made after the id
  publish(gw.port(), "/a", "a2");
  SseClient again(gw.port(), "/subscribe?channel=/a&channel=/rooms/*",
                  {{"Last-Event-ID", last_id}});
  std::vector<std::string> got = data_of(again.take(2));
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<std::string>{"a2", "l1"}));
  EXPECT_FALSE(again.next(std::chrono::milliseconds(300)));
  // A malformed id is an unknown one: the reset event, everything retained, never a crash.
  SseClient garbage(gw.port(), "/subscribe?channel=/a", {{"Last-Event-ID", "m1!!!zz"}});
  std::vector<SseEvent> told = garbage.take(3);
  ASSERT_EQ(told.size(), 3u);
  EXPECT_EQ(told[0].type, "reset");
  EXPECT_EQ(told[0].data, R"({"last_event_id":"m1!!!zz","oldest_id":"","reason":"unknown"})");
  told.erase(told.begin());
  EXPECT_EQ(data_of(told), (std::vector<std::string>{"a1", "a2"}));
}

TEST_F(Multiplex, ATemplateAnswers429AtMaxChannelsAndIdleChannelsGo) {
  for (const char* room : {"/rooms/1", "/rooms/2", "/rooms/3"})
    ASSERT_EQ(publish(gw.port(), room, "x").status, 200);
  EXPECT_EQ(publish(gw.port(), "/rooms/4", "x").status, 429);
  EXPECT_EQ(http_request(gw.port(), "GET", "/subscribe?channel=/rooms/5").status, 429);
  std::string metrics = http_request(gw.port(), "GET", "/metrics").body;
  EXPECT_EQ(metric_sample(metrics, "ssegw_template_channels{template=\"/rooms/{room}\"}"), 3);
  EXPECT_EQ(
      metric_sample(metrics, "ssegw_channel_events_published_total{channel=\"/rooms/{room}\"}"), 3);
  EXPECT_EQ(metrics.find("channel=\"/rooms/1\""), std::string::npos);  // labelled by template
  // Nobody subscribed and nothing published for idle_ttl (1s): they go, and room is made.
  ASSERT_TRUE(wait_until(
      [&] {
        return metric_sample(http_request(gw.port(), "GET", "/metrics").body,
                             "ssegw_template_channels{template=\"/rooms/{room}\"}") == 0;
      },
      std::chrono::seconds(5)));
  EXPECT_EQ(publish(gw.port(), "/rooms/4", "x").status, 200);
  // The removed channel's history went with it.
  SseClient sub(gw.port(), "/rooms/1?lastEventId=earliest");
  EXPECT_FALSE(sub.next(std::chrono::milliseconds(300)));
  metrics = http_request(gw.port(), "GET", "/metrics").body;
  EXPECT_EQ(
      metric_sample(metrics, "ssegw_channel_events_published_total{channel=\"/rooms/{room}\"}"), 4);
}

TEST_F(Multiplex, AnEventsFilterSendsOnlyThoseTypesAndStillResumesExactly) {
  for (const std::string& target : {std::string("/subscribe?channel=/a&channel=/b&events=keep"),
                                    std::string("/a?events=keep")}) {
    const bool single = target.rfind("/a", 0) == 0;  // /b is not in it
    std::vector<std::string> got;
    std::string last_id;
    {
      SseClient sub(gw.port(), target);
      publish(gw.port(), "/a", "k1", "keep");
      publish(gw.port(), "/a", "d1", "drop");
      publish(gw.port(), "/b", "d2");
      publish(gw.port(), "/b", "k2", "keep");
      for (const SseEvent& e : sub.take(single ? 1 : 2)) {
        got.push_back(e.data);
        EXPECT_EQ(e.type, "keep");
        last_id = e.id;
      }
      EXPECT_FALSE(sub.next(std::chrono::milliseconds(200)));
    }
    publish(gw.port(), "/a", "d3", "drop");
    publish(gw.port(), "/a", "k3", "keep");
    SseClient again(gw.port(), target, {{"Last-Event-ID", last_id}});
    for (const SseEvent& e : again.take(1)) got.push_back(e.data);
    EXPECT_FALSE(again.next(std::chrono::milliseconds(300)));
    if (single) {
      EXPECT_EQ(got, (std::vector<std::string>{"k1", "k3"})) << target;
    } else {
      EXPECT_EQ(got, (std::vector<std::string>{"k1", "k2", "k3"})) << target;
    }
  }
}

TEST_F(Multiplex, ABatchIsAllOrNothing) {
  SseClient sub(gw.port(), "/subscribe?channel=/a&channel=/b");
  const Headers ndjson{{"Content-Type", "application/x-ndjson"}};
  HttpResponse bad = http_request(gw.port(), "POST", "/a",
                                  "{\"data\":\"x\"}\n{\"data\":\"y\"}\n{\"dat\":\"z\"}\n", ndjson);
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body, "line 3: unknown key \"dat\" (event, data, channel)\n");
  HttpResponse mixed = http_request(
      gw.port(), "POST", "/subscribe",
      "{\"channel\":\"/a\",\"data\":\"1\"}\n{\"channel\":\"/nope\",\"data\":\"2\"}\n", ndjson);
  EXPECT_EQ(mixed.status, 404);
  EXPECT_FALSE(sub.next(std::chrono::milliseconds(300)));  // nothing of either was published
  HttpResponse good =
      http_request(gw.port(), "POST", "/subscribe",
                   "{\"channel\":\"/a\",\"data\":\"1\"}\n{\"channel\":\"/"
                   "b\",\"event\":\"t\",\"data\":\"2\\n3\"}\n{\"channel\":\"/a\",\"data\":\"4\"}\n",
                   ndjson);
  ASSERT_EQ(good.status, 200);
  EXPECT_TRUE(std::regex_match(good.body, std::regex(R"(\{"ids":\["\d+","\d+","\d+"\]\}\n)")))
      << good.body;
  std::vector<SseEvent> events = sub.take(3);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(data_of(events), (std::vector<std::string>{"1", "2\n3", "4"}));
  EXPECT_EQ(events[1].type, "t");
}

TEST_F(Multiplex, AStreamWhosePatternMatchesNothingYetGetsHeartbeats) {
  SseClient sub(gw.port(), "/subscribe?channel=/none/*");
  ASSERT_EQ(sub.status(), 200);
  EXPECT_FALSE(sub.next(std::chrono::milliseconds(1000)));
  EXPECT_GE(sub.comments_seen(), 2u);  // heartbeat: 300ms
  SseClient legs(gw.port(), "/subscribe?channel=/a&channel=/b");
  EXPECT_FALSE(legs.next(std::chrono::milliseconds(1000)));
  EXPECT_GE(legs.comments_seen(), 2u);
  EXPECT_LE(legs.comments_seen(), 5u);  // one per interval, not one per channel
}

TEST_F(Multiplex, BadSubscriptionsGetTheirStatusAndNothingElse) {
  EXPECT_EQ(http_request(gw.port(), "GET", "/subscribe?channel=/a&channel=/zz").status, 404);
  EXPECT_EQ(
      http_request(gw.port(), "GET",
                   "/subscribe?channel=/a&channel=/b&channel=/c&channel=/d&channel=/e&channel=/f")
          .status,
      400);
  EXPECT_EQ(http_request(gw.port(), "GET", "/subscribe").status, 400);
  EXPECT_EQ(http_request(gw.port(), "DELETE", "/subscribe?channel=/a").status, 405);
  SseClient ok(gw.port(), "/subscribe?channel=/a");
  EXPECT_EQ(ok.status(), 200);
}

}  // namespace
}  // namespace ssegw::testing
