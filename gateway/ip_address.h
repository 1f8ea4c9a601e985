#pragma once
// Client addresses as the access rules see them: IPv4 and IPv6 in one 16-byte form (IPv4 as
// ::ffff:a.b.c.d, so an IPv4-mapped peer on a dual-stack socket is the same address), CIDR
// ranges, and who the client is when a request came through a trusted proxy.
#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ssegw {

struct IpAddress {
  std::array<uint8_t, 16> bytes{};
  bool is_v4() const;
  bool is_loopback() const;  // 127.0.0.0/8 or ::1
  std::string text() const;
  // What the per-IP limits count: the address itself for IPv4, its /64 for IPv6, since one
  // IPv6 host usually holds a whole /64.
  IpAddress limit_key() const;
  bool operator==(const IpAddress&) const = default;
};

// "192.0.2.1", "2001:db8::1"; brackets and zone ids are not accepted.
std::optional<IpAddress> parse_ip_address(std::string_view text);
std::optional<IpAddress> ip_from_sockaddr(const sockaddr* address, socklen_t length);

struct IpRange {
  IpAddress base;
  int prefix = 128;  // in the 16-byte form: an IPv4 /8 is /104 here
  bool contains(const IpAddress& address) const;
  bool operator==(const IpRange&) const = default;
};

// "10.0.0.0/8", "2001:db8::/32", or one address. nullopt for a bad address or prefix, or
// host bits set beyond the prefix (a typo more often than intent).
std::optional<IpRange> parse_ip_range(std::string_view text);
bool in_ranges(const std::vector<IpRange>& ranges, const IpAddress& address);

struct HttpRequest;

// The client a request speaks for. The socket's peer, unless that peer is a trusted proxy:
// then the forwarding chain (Forwarded, else X-Forwarded-For) is walked from its end past
// every trusted proxy, and the first other address is the client. An entry that is not an
// address (RFC 7239 "unknown", garbage) stops the walk: the client is then unknown, which no
// address rule accepts. A chain of trusted proxies only yields its first entry.
struct ClientAddress {
  std::optional<IpAddress> ip;  // nullopt: unknown
  bool forwarded = false;       // taken from a proxy's header rather than the socket
};
ClientAddress client_address(const IpAddress& peer, const HttpRequest& request,
                             const std::vector<IpRange>& trusted_proxies);

}  // namespace ssegw
