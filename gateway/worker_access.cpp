// The worker's side of access control: who the client of a connection is (its socket peer,
// or the address a trusted proxy forwards), its place under the per-IP limits, and streams
// that end when their token does.
#include <sys/socket.h>

#include <algorithm>

#include "clock.h"
#include "worker.h"

namespace ssegw {
namespace {
// No id line: the client's Last-Event-ID stays at the last real event, so a reconnect with
// a fresh token resumes exactly there.
constexpr std::string_view kTokenExpiredEvent = "event: token-expired\ndata: {}\n\n";
// A stream whose resume is still being fetched gets its head with the fetched events; its
// expiry waits this long for that rather than cutting a stream that has no head yet.
constexpr int64_t kExpiryRetryMs = 100;
}  // namespace

// A direct client is counted as soon as it connects; one behind a trusted proxy only at its
// first request, when the proxy's header says who it is.
void Worker::note_peer(Connection* c) {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  if (::getpeername(c->fd(), reinterpret_cast<sockaddr*>(&address), &length) == 0)
    c->peer = ip_from_sockaddr(reinterpret_cast<const sockaddr*>(&address), length);
  if (c->client_admitted || !c->peer || !settings_->limits.any()) return;
  if (in_ranges(settings_->trusted_proxies, *c->peer)) return;
  admit(c, *c->peer);
}

bool Worker::admit(Connection* c, const IpAddress& client) {
  c->client_admitted = true;
  IpLimiter::Admission admission = limiter_.admit(client, settings_->limits, mono_ms());
  if (admission.verdict == LimitVerdict::kAdmitted) {
    c->lease = std::move(admission.lease);
    return true;
  }
  c->limited = admission.verdict;
  const size_t reason = admission.verdict == LimitVerdict::kTooManyConnections ? 0 : 1;
  metrics_.limit_refusals[reason].fetch_add(1, std::memory_order_relaxed);
  return false;
}

// False when the connection's client is over a per-IP limit: the request gets 429.
bool Worker::admit_client(Connection* c, const HttpRequest& request, RequestContext& context) {
  context.now_s = wall_ms() / 1000;
  if (c->peer) context.client = client_address(*c->peer, request, settings_->trusted_proxies);
  if (!c->client_admitted && settings_->limits.any() && c->peer) {
    // A forwarded client the proxy could not name is counted as the proxy.
    admit(c, context.client.ip ? *context.client.ip : *c->peer);
  }
  c->client_admitted = true;
  return c->limited == LimitVerdict::kAdmitted;
}

void Worker::count_refusal(const RouteAction& action) {
  if (action.refusal == AccessRefusal::kNone) return;
  const size_t index = static_cast<size_t>(action.refusal) - 1;
  if (index < std::size(metrics_.auth_refusals))
    metrics_.auth_refusals[index].fetch_add(1, std::memory_order_relaxed);
}

void Worker::schedule_expiry(Subscription& s, std::optional<int64_t> ends_at_s) {
  if (!ends_at_s || !s.active() || s.expiry) return;
  // Token times are wall clock, timers monotonic: converted once, here.
  const int64_t in_ms = std::max<int64_t>(0, *ends_at_s * 1000 - wall_ms());
  const int64_t at = mono_ms() + in_ms;
  const bool earliest = expiries_.empty() || at < expiries_.begin()->first;
  s.expiry = expiries_.emplace(at, &s);
  if (earliest) arm_expiry_timer();
}

void Worker::cancel_expiry(Subscription& s) {
  if (!s.expiry) return;
  expiries_.erase(*s.expiry);
  s.expiry.reset();
}

void Worker::arm_expiry_timer() {
  if (expiries_.empty()) return;
  const timeval in = to_timeval(std::max<int64_t>(0, expiries_.begin()->first - mono_ms()));
  evtimer_add(expiry_ev_.get(), &in);
}

void Worker::on_expiry(evutil_socket_t, short, void* arg) {
  static_cast<Worker*>(arg)->expire_tokens();
}

void Worker::expire_tokens() {
  const int64_t now = mono_ms();
  while (!expiries_.empty() && expiries_.begin()->first <= now) {
    Subscription* s = expiries_.begin()->second;
    cancel_expiry(*s);
    if (s->held) {
      s->expiry = expiries_.emplace(now + kExpiryRetryMs, s);
      continue;
    }
    s->out->push_owned(std::string(kTokenExpiredEvent));
    metrics_.streams_token_expired.fetch_add(1, std::memory_order_relaxed);
    end_stream(s);
  }
  arm_expiry_timer();
}

}  // namespace ssegw
