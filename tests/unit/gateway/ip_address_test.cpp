#include "gateway/ip_address.h"

#include <gtest/gtest.h>

#include "gateway/http_request.h"

namespace ssegw {
namespace {

IpAddress ip(const char* text) {
  std::optional<IpAddress> parsed = parse_ip_address(text);
  EXPECT_TRUE(parsed) << text;
  return parsed.value_or(IpAddress{});
}

HttpRequest with_headers(std::vector<std::pair<std::string, std::string>> headers) {
  HttpRequest request;
  request.headers = std::move(headers);
  return request;
}

TEST(IpAddress, ParsesBothFamiliesIntoOneForm) {
  EXPECT_TRUE(ip("192.0.2.1").is_v4());
  EXPECT_EQ(ip("192.0.2.1"), ip("::ffff:192.0.2.1"));
  EXPECT_FALSE(ip("2001:db8::1").is_v4());
  EXPECT_EQ(ip("2001:db8::1").text(), "2001:db8::1");
  EXPECT_EQ(ip("192.0.2.1").text(), "192.0.2.1");
  for (const char* bad : {"", "1.2.3", "1.2.3.256", "[::1]", "fe80::1%eth0", "host", " 1.2.3.4"})
    EXPECT_FALSE(parse_ip_address(bad)) << bad;
}

TEST(IpAddress, LoopbackIsAll127AndColonColonOne) {
  EXPECT_TRUE(ip("127.0.0.1").is_loopback());
  EXPECT_TRUE(ip("127.8.9.10").is_loopback());
  EXPECT_TRUE(ip("::1").is_loopback());
  EXPECT_TRUE(ip("::ffff:127.0.0.1").is_loopback());
  EXPECT_FALSE(ip("128.0.0.1").is_loopback());
  EXPECT_FALSE(ip("::2").is_loopback());
  EXPECT_FALSE(ip("10.0.0.1").is_loopback());
}

TEST(IpAddress, LimitKeyIsTheAddressForV4AndTheSlash64ForV6) {
  EXPECT_EQ(ip("192.0.2.1").limit_key(), ip("192.0.2.1"));
  EXPECT_EQ(ip("2001:db8:1:2:aaaa::1").limit_key(), ip("2001:db8:1:2::"));
  EXPECT_EQ(ip("2001:db8:1:2:ffff::9").limit_key(), ip("2001:db8:1:2::1").limit_key());
  EXPECT_NE(ip("2001:db8:1:3::1").limit_key(), ip("2001:db8:1:2::1").limit_key());
}

TEST(IpRange, MatchesByPrefixInEachFamily) {
  IpRange ten = *parse_ip_range("10.0.0.0/8");
  EXPECT_TRUE(ten.contains(ip("10.255.1.2")));
  EXPECT_FALSE(ten.contains(ip("11.0.0.1")));
  EXPECT_FALSE(ten.contains(ip("::a00:1")));  // not the IPv4-mapped form
  IpRange odd = *parse_ip_range("192.168.4.0/22");
  EXPECT_TRUE(odd.contains(ip("192.168.7.255")));
  EXPECT_FALSE(odd.contains(ip("192.168.8.0")));
  IpRange v6 = *parse_ip_range("2001:db8::/32");
  EXPECT_TRUE(v6.contains(ip("2001:db8:ffff::1")));
  EXPECT_FALSE(v6.contains(ip("2001:db9::1")));
  EXPECT_TRUE(parse_ip_range("0.0.0.0/0")->contains(ip("8.8.8.8")));
  EXPECT_TRUE(parse_ip_range("127.0.0.1")->contains(ip("127.0.0.1")));
  EXPECT_FALSE(parse_ip_range("127.0.0.1")->contains(ip("127.0.0.2")));
}

TEST(IpRange, RefusesBadPrefixesAndHostBits) {
  for (const char* bad : {"10.0.0.0/33", "10.0.0.0/", "10.0.0.0/x", "10.0.0.1/8", "::/129",
                          "2001:db8::1/32", "nonsense", "10.0.0.0/-1", "10.0.0.0/0008"})
    EXPECT_FALSE(parse_ip_range(bad)) << bad;
}

TEST(ClientAddress, IsTheSocketPeerUnlessThePeerIsATrustedProxy) {
  const HttpRequest forwarded = with_headers({{"x-forwarded-for", "8.8.8.8"}});
  ClientAddress direct = client_address(ip("127.0.0.1"), forwarded, {});
  EXPECT_EQ(direct.ip, ip("127.0.0.1"));
  EXPECT_FALSE(direct.forwarded);
  // A peer that is not in the list does not get its header believed either.
  ClientAddress stranger =
      client_address(ip("192.0.2.9"), forwarded, {*parse_ip_range("10.0.0.0/8")});
  EXPECT_EQ(stranger.ip, ip("192.0.2.9"));
}

TEST(ClientAddress, WalksTheChainFromItsEndPastTrustedProxies) {
  const std::vector<IpRange> proxies = {*parse_ip_range("127.0.0.1"),
                                        *parse_ip_range("10.0.0.0/8")};
  // The client forged the first entry; the proxies appended the real one and themselves.
  const HttpRequest request = with_headers(
      {{"x-forwarded-for", "127.0.0.1, 203.0.113.7"}, {"x-forwarded-for", "10.1.1.1"}});
  ClientAddress client = client_address(ip("127.0.0.1"), request, proxies);
  EXPECT_EQ(client.ip, ip("203.0.113.7"));
  EXPECT_TRUE(client.forwarded);
  // All trusted: the first entry is the client.
  EXPECT_EQ(client_address(ip("127.0.0.1"),
                           with_headers({{"x-forwarded-for", "10.0.0.5, 10.0.0.6"}}), proxies)
                .ip,
            ip("10.0.0.5"));
  // No header: the proxy itself.
  EXPECT_EQ(client_address(ip("127.0.0.1"), with_headers({}), proxies).ip, ip("127.0.0.1"));
}

TEST(ClientAddress, ReadsForwardedBeforeXForwardedFor) {
  const std::vector<IpRange> proxies = {*parse_ip_range("127.0.0.1")};
  const HttpRequest request = with_headers(
      {{"forwarded", "for=192.0.2.60;proto=http;by=203.0.113.43, For=\"[2001:db8:cafe::17]:4711\""},
       {"x-forwarded-for", "198.51.100.1"}});
  EXPECT_EQ(client_address(ip("127.0.0.1"), request, proxies).ip, ip("2001:db8:cafe::17"));
  EXPECT_EQ(
      client_address(ip("127.0.0.1"), with_headers({{"forwarded", "for=192.0.2.60:8080"}}), proxies)
          .ip,
      ip("192.0.2.60"));
}

TEST(ClientAddress, AnEntryThatIsNotAnAddressMakesTheClientUnknown) {
  const std::vector<IpRange> proxies = {*parse_ip_range("127.0.0.1")};
  for (const char* chain : {"garbage", "1.2.3.4, unknown", "::1, [::1", ""}) {
    ClientAddress client =
        client_address(ip("127.0.0.1"), with_headers({{"x-forwarded-for", chain}}), proxies);
    EXPECT_FALSE(client.ip) << chain;
  }
  EXPECT_FALSE(
      client_address(ip("127.0.0.1"), with_headers({{"forwarded", "proto=https"}}), proxies).ip);
  EXPECT_FALSE(
      client_address(ip("127.0.0.1"), with_headers({{"forwarded", "for=unknown"}}), proxies).ip);
}

}  // namespace
}  // namespace ssegw
