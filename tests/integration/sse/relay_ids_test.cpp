// A transparent relay: gateway B's `type: sse` source with `ids: upstream` reads a channel of
// gateway A, both real processes over loopback sockets, and B's subscribers see and resume
// by A's own ids.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/integration/sse/upstream_server.h"
#include "tests/support/fault_proxy.h"
#include "tests/support/http_client.h"
#include "tests/support/process.h"

namespace ssegw::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Everything B's channel retains, without the reset event an unknown id would bring first.
const std::string kFromTheStart = "/b?lastEventId=earliest";

std::string relay_source(uint16_t upstream_port, const std::string& extra = "") {
  return "    endpoint: \"http://127.0.0.1:" + std::to_string(upstream_port) +
         "/a\"\n    ids: upstream\n" + extra + "    to: /b\n";
}

// Publishes data to A's /a and returns the id A gave it (the body is {"id":"..."}).
std::string publish_to_a(uint16_t a_port, const std::string& data) {
  const HttpResponse r = publish(a_port, "/a", data);
  EXPECT_EQ(r.status / 100, 2) << r.body;
  const std::string key = "\"id\":\"";
  const size_t at = r.body.find(key);
  if (at == std::string::npos) return "";
  const size_t from = at + key.size();
  return r.body.substr(from, r.body.find('"', from) - from);
}

std::vector<std::string> ids_of(const std::vector<SseEvent>& events) {
  std::vector<std::string> out;
  for (const SseEvent& e : events) out.push_back(e.id);
  return out;
}

void expect_next(SseClient& client, const std::string& data, const std::string& id) {
  const auto event = client.next(seconds(10));
  ASSERT_TRUE(event) << "no event; expected " << data;
  EXPECT_EQ(event->data, data);
  EXPECT_EQ(event->id, id);
}

// Nothing else arrives: a duplicate would show here. Bounded wait, not a timing assertion.
void expect_nothing_more(SseClient& client) {
  const auto extra = client.next(milliseconds(700));
  EXPECT_FALSE(extra) << "unexpected event " << extra->id << " " << extra->data;
}

TEST(SseRelayIds, SubscribersOfTheRelaySeeAndResumeByTheUpstreamIds) {
  GatewayProcess a(gateway_config({"/a"}, ""));
  GatewayProcess b(gateway_config({"/b"}, relay_source(a.port())));
  ASSERT_TRUE(wait_state(b.port(), "up", "streaming")) << b.output();
  std::vector<std::string> a_ids;
  for (const std::string data : {"e1", "e2", "e3"}) a_ids.push_back(publish_to_a(a.port(), data));
  SseClient first(b.port(), kFromTheStart);
  const auto seen = first.take(3, seconds(15));
  ASSERT_EQ(seen.size(), 3u) << b.output();
  EXPECT_EQ(data_of(seen), (std::vector<std::string>{"e1", "e2", "e3"}));
  EXPECT_EQ(ids_of(seen), a_ids);
  for (const SseEvent& e : seen) EXPECT_TRUE(e.id_field);

  // A's id of e2, handed to B: exactly what followed it, then live, nothing twice.
  SseClient resumed(b.port(), "/b", {{"Last-Event-ID", a_ids[1]}});
  ASSERT_EQ(resumed.status(), 200);
  expect_next(resumed, "e3", a_ids[2]);
  expect_next(resumed, "e4", publish_to_a(a.port(), "e4"));
  expect_nothing_more(resumed);
  expect_clean_stop(b);
  expect_clean_stop(a);
}

TEST(SseRelayIds, LastEventIdOptionStartsTheSourceAfterIt) {
  GatewayProcess a(gateway_config({"/a"}, ""));
  std::vector<std::string> a_ids;
  for (const std::string data : {"e1", "e2", "e3"}) a_ids.push_back(publish_to_a(a.port(), data));
  GatewayProcess b(
      gateway_config({"/b"}, relay_source(a.port(), "    last_event_id: \"" + a_ids[1] + "\"\n")));
  ASSERT_TRUE(wait_state(b.port(), "up", "streaming")) << b.output();
  SseClient sub(b.port(), kFromTheStart);
  expect_next(sub, "e3", a_ids[2]);
  expect_next(sub, "e4", publish_to_a(a.port(), "e4"));
  expect_nothing_more(sub);
  EXPECT_NE(b.output().find("last_event_id=" + a_ids[1]), std::string::npos) << b.output();
  expect_clean_stop(b);
  expect_clean_stop(a);
}

// A multiplexed subscription's composite id carries A's ids for B's channel, and resumes by
// them: the rule that ids be printable ASCII without '!' is what lets them travel there.
TEST(SseRelayIds, MultiplexedSubscriberResumesByTheRelayedIds) {
  GatewayProcess a(gateway_config({"/a"}, ""));
  GatewayProcess b(gateway_config({"/b"}, relay_source(a.port())));
  ASSERT_TRUE(wait_state(b.port(), "up", "streaming")) << b.output();
  std::string composite;
  {
    SseClient mux(b.port(), "/subscribe?channel=/b");
    ASSERT_EQ(mux.status(), 200);
    publish_to_a(a.port(), "e1");
    const auto first = mux.next(seconds(10));
    ASSERT_TRUE(first) << b.output();
    EXPECT_EQ(first->data, "e1");
    composite = first->id;
  }
  EXPECT_EQ(composite.substr(0, 2), "m1");
  const std::string e2 = publish_to_a(a.port(), "e2");
  SseClient again(b.port(), "/subscribe?channel=/b", {{"Last-Event-ID", composite}});
  const auto next = again.next(seconds(10));
  ASSERT_TRUE(next);
  EXPECT_EQ(next->data, "e2");
  expect_nothing_more(again);
  SseClient single(b.port(), "/b", {{"Last-Event-ID", e2}});
  expect_next(single, "e3", publish_to_a(a.port(), "e3"));
  expect_nothing_more(single);
  expect_clean_stop(b);
  expect_clean_stop(a);
}

// The source's own reconnection (A's connection to B reset) resumes A from the last id B
// published, so B's channel holds A's sequence with no gap and nothing twice.
TEST(SseRelayIds, ReconnectingSourceResumesFromTheLastUpstreamId) {
  GatewayProcess a(gateway_config({"/a"}, ""));
  FaultProxy proxy("127.0.0.1", a.port());
  GatewayProcess b(gateway_config({"/b"}, relay_source(proxy.port())));
  ASSERT_TRUE(wait_state(b.port(), "up", "streaming")) << b.output();
  SseClient sub(b.port(), kFromTheStart);
  std::vector<std::string> a_ids;
  for (const std::string data : {"e1", "e2"}) a_ids.push_back(publish_to_a(a.port(), data));
  ASSERT_EQ(sub.take(2, seconds(10)).size(), 2u) << b.output();

  proxy.set_mode(FaultProxy::Mode::kReset);
  ASSERT_GE(wait_metric(b.port(), "ssegw_bridge_reconnects_total", "up", 1), 1) << b.output();
  // Published while B cannot reach A: only a resume from e2's id brings them.
  for (const std::string data : {"e3", "e4"}) a_ids.push_back(publish_to_a(a.port(), data));
  proxy.set_mode(FaultProxy::Mode::kPass);
  const auto resumed = sub.take(2, seconds(20));
  ASSERT_EQ(resumed.size(), 2u) << b.output();
  EXPECT_EQ(data_of(resumed), (std::vector<std::string>{"e3", "e4"}));
  EXPECT_EQ(ids_of(resumed), (std::vector<std::string>{a_ids[2], a_ids[3]}));
  expect_nothing_more(sub);
  EXPECT_EQ(source_metric(b.port(), "ssegw_bridge_id_fallbacks", "up").value_or(-1), 0);
  expect_clean_stop(b);
  expect_clean_stop(a);
}

}  // namespace
}  // namespace ssegw::testing
