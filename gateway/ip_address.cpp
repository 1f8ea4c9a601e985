#include "ip_address.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

#include "http_request.h"
#include "text.h"

namespace ssegw {
namespace {

constexpr std::array<uint8_t, 12> kV4Prefix = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

IpAddress from_v4(const void* four_bytes) {
  IpAddress address;
  std::memcpy(address.bytes.data(), kV4Prefix.data(), kV4Prefix.size());
  std::memcpy(address.bytes.data() + 12, four_bytes, 4);
  return address;
}

std::optional<int> parse_prefix(std::string_view text, int max) {
  if (text.empty() || text.size() > 3) return std::nullopt;
  int value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  if (value > max) return std::nullopt;
  return value;
}

bool host_bits_clear(const IpAddress& address, int prefix) {
  for (int bit = prefix; bit < 128; ++bit) {
    if (address.bytes[bit / 8] & (0x80 >> (bit % 8))) return false;
  }
  return true;
}

// One element of a forwarding chain: an address, maybe with a port ("192.0.2.1:4711",
// "[2001:db8::1]:4711"), maybe quoted (Forwarded).
std::optional<IpAddress> parse_chain_entry(std::string_view entry) {
  entry = trim_ows(entry);
  if (entry.size() >= 2 && entry.front() == '"' && entry.back() == '"')
    entry = entry.substr(1, entry.size() - 2);
  if (!entry.empty() && entry.front() == '[') {
    const size_t close = entry.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    return parse_ip_address(entry.substr(1, close - 1));
  }
  // One colon: IPv4 with a port. More: a bare IPv6 address.
  const size_t colon = entry.find(':');
  if (colon != std::string_view::npos && entry.find(':', colon + 1) == std::string_view::npos)
    entry = entry.substr(0, colon);
  return parse_ip_address(entry);
}

void split_list(std::string_view value, std::vector<std::string_view>& out) {
  while (!value.empty()) {
    const size_t comma = value.find(',');
    out.push_back(trim_ows(value.substr(0, comma)));
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
}

// The for= parameter of each Forwarded element (RFC 7239 section 4); an element without
// one is an unknown hop.
std::vector<std::string_view> forwarded_for(const std::vector<std::string_view>& elements) {
  std::vector<std::string_view> chain;
  for (std::string_view element : elements) {
    std::string_view found = "unknown";
    while (!element.empty()) {
      const size_t semi = element.find(';');
      std::string_view pair = trim_ows(element.substr(0, semi));
      const size_t eq = pair.find('=');
      if (eq != std::string_view::npos && ascii_lower(pair.substr(0, eq)) == "for")
        found = pair.substr(eq + 1);
      if (semi == std::string_view::npos) break;
      element.remove_prefix(semi + 1);
    }
    chain.push_back(found);
  }
  return chain;
}

// Every value of the header, in order: a proxy may add its own line rather than append.
// A header that is there but empty is one unknown hop, not no header.
std::vector<std::string_view> header_chain(const HttpRequest& request, std::string_view name) {
  std::vector<std::string_view> chain;
  for (const auto& [key, value] : request.headers) {
    if (key != name) continue;
    if (trim_ows(value).empty()) chain.push_back("unknown");
    split_list(value, chain);
  }
  return chain;
}

}  // namespace

bool IpAddress::is_v4() const {
  return std::memcmp(bytes.data(), kV4Prefix.data(), kV4Prefix.size()) == 0;
}

bool IpAddress::is_loopback() const {
  if (is_v4()) return bytes[12] == 127;
  static const std::array<uint8_t, 16> kV6Loopback = {0, 0, 0, 0, 0, 0, 0, 0,
                                                      0, 0, 0, 0, 0, 0, 0, 1};
  return bytes == kV6Loopback;
}

std::string IpAddress::text() const {
  char out[INET6_ADDRSTRLEN] = {0};
  if (is_v4()) {
    inet_ntop(AF_INET, bytes.data() + 12, out, sizeof out);
  } else {
    inet_ntop(AF_INET6, bytes.data(), out, sizeof out);
  }
  return out;
}

IpAddress IpAddress::limit_key() const {
  if (is_v4()) return *this;
  IpAddress key = *this;
  std::memset(key.bytes.data() + 8, 0, 8);
  return key;
}

std::optional<IpAddress> parse_ip_address(std::string_view text) {
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  char buf[INET6_ADDRSTRLEN] = {0};
  std::memcpy(buf, text.data(), text.size());
  uint8_t raw[16];
  if (inet_pton(AF_INET, buf, raw) == 1) return from_v4(raw);
  IpAddress address;
  if (inet_pton(AF_INET6, buf, address.bytes.data()) == 1) return address;
  return std::nullopt;
}

std::optional<IpAddress> ip_from_sockaddr(const sockaddr* address, socklen_t length) {
  if (address == nullptr) return std::nullopt;
  if (address->sa_family == AF_INET && length >= static_cast<socklen_t>(sizeof(sockaddr_in))) {
    return from_v4(&reinterpret_cast<const sockaddr_in*>(address)->sin_addr);
  }
  if (address->sa_family == AF_INET6 && length >= static_cast<socklen_t>(sizeof(sockaddr_in6))) {
    IpAddress out;
    std::memcpy(out.bytes.data(), &reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr, 16);
    return out;
  }
  return std::nullopt;
}

bool IpRange::contains(const IpAddress& address) const {
  const int whole = prefix / 8;
  if (std::memcmp(base.bytes.data(), address.bytes.data(), static_cast<size_t>(whole)) != 0)
    return false;
  const int rest = prefix % 8;
  if (rest == 0) return true;
  const uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (base.bytes[whole] & mask) == (address.bytes[whole] & mask);
}

std::optional<IpRange> parse_ip_range(std::string_view text) {
  const size_t slash = text.find('/');
  std::optional<IpAddress> base = parse_ip_address(text.substr(0, slash));
  if (!base) return std::nullopt;
  const int width = base->is_v4() ? 32 : 128;
  int prefix = width;
  if (slash != std::string_view::npos) {
    std::optional<int> parsed = parse_prefix(text.substr(slash + 1), width);
    if (!parsed) return std::nullopt;
    prefix = *parsed;
  }
  const int full = prefix + (128 - width);
  if (!host_bits_clear(*base, full)) return std::nullopt;
  return IpRange{*base, full};
}

bool in_ranges(const std::vector<IpRange>& ranges, const IpAddress& address) {
  for (const IpRange& range : ranges) {
    if (range.contains(address)) return true;
  }
  return false;
}

ClientAddress client_address(const IpAddress& peer, const HttpRequest& request,
                             const std::vector<IpRange>& trusted_proxies) {
  if (trusted_proxies.empty() || !in_ranges(trusted_proxies, peer)) return {peer, false};
  std::vector<std::string_view> chain = forwarded_for(header_chain(request, "forwarded"));
  if (chain.empty()) chain = header_chain(request, "x-forwarded-for");
  if (chain.empty()) return {peer, false};
  for (size_t i = chain.size(); i-- > 0;) {
    std::optional<IpAddress> hop = parse_chain_entry(chain[i]);
    if (!hop) return {std::nullopt, true};
    if (i == 0 || !in_ranges(trusted_proxies, *hop)) return {*hop, true};
  }
  return {peer, false};
}

}  // namespace ssegw
