#include "bridges/sse/upstream_connection.h"

#include <event2/buffer.h>
#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>

#include "gateway/clock.h"

namespace ssegw::sse {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// "text/event-stream; charset=utf-8" -> "text/event-stream".
std::string media_type_essence(const std::string& content_type) {
  std::string out = content_type.substr(0, content_type.find(';'));
  while (!out.empty() && std::isspace(static_cast<unsigned char>(out.back()))) out.pop_back();
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool is_redirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

std::string numeric_address(const addrinfo* ai) {
  char host[NI_MAXHOST] = "?";
  getnameinfo(ai->ai_addr, ai->ai_addrlen, host, sizeof(host), nullptr, 0, NI_NUMERICHOST);
  // Appended: GCC 12 at -O2 reports a false -Werror=restrict for "[" + std::string(host).
  std::string out;
  if (ai->ai_family == AF_INET6) out.push_back('[');
  out.append(host);
  if (ai->ai_family == AF_INET6) out.push_back(']');
  return out;
}

}  // namespace

std::string build_request(const UpstreamRequest& request) {
  std::string out =
      "GET " + request.url.target + " HTTP/1.1\r\nHost: " + request.url.host_header() + "\r\n";
  const HeaderList defaults = {{"Accept", "text/event-stream"},
                               {"Cache-Control", "no-cache"},
                               {"User-Agent", std::string("sse-gateway/") + SSEGW_VERSION}};
  for (const auto& header : defaults) {
    const bool replaced =
        std::any_of(request.headers.begin(), request.headers.end(),
                    [&](const auto& h) { return iequals(h.first, header.first); });
    if (!replaced) out += header.first + ": " + header.second + "\r\n";
  }
  for (const auto& [name, value] : request.headers) out += name + ": " + value + "\r\n";
  if (!request.last_event_id.empty()) out += "Last-Event-ID: " + request.last_event_id + "\r\n";
  out += "\r\n";
  return out;
}

UpstreamConnection::UpstreamConnection(event_base* base, const TlsClientContext* tls,
                                       int64_t idle_timeout_ms, Callbacks callbacks)
    : base_(base),
      tls_(tls),
      idle_timeout_ms_(idle_timeout_ms),
      callbacks_(std::move(callbacks)),
      finish_event_(evtimer_new(base, &UpstreamConnection::on_finish, this)),
      reader_([this](const HttpResponseHead& head) { return on_head(head); },
              [this](std::string_view body) { callbacks_.on_body(body); }) {}

UpstreamConnection::~UpstreamConnection() = default;

void UpstreamConnection::start(UpstreamRequest request) {
  request_ = std::move(request);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(request_.url.port);
  const int rc = getaddrinfo(request_.url.host.c_str(), port.c_str(), &hints, &found);
  if (rc != 0) {
    finish(UpstreamEnd::Kind::kFailed,
           "cannot resolve " + request_.url.host + ": " + gai_strerror(rc));
    return;
  }
  addresses_.reset(found);
  next_address_ = found;
  connect_next();
}

void UpstreamConnection::connect_next() {
  bev_.reset();
  connected_ = false;
  if (next_address_ == nullptr) {
    finish(UpstreamEnd::Kind::kFailed, "cannot connect: " + address_errors_);
    return;
  }
  const addrinfo* address = next_address_;
  next_address_ = address->ai_next;
  current_address_ = numeric_address(address) + ":" + std::to_string(request_.url.port);
  constexpr int kOptions = BEV_OPT_CLOSE_ON_FREE;
  if (request_.url.tls) {
    std::string error;
    SslPtr ssl = tls_ ? tls_->new_session(request_.url.host, error) : nullptr;
    if (!ssl) {
      finish(UpstreamEnd::Kind::kFailed, tls_ ? error : "https needs a TLS context");
      return;
    }
    bev_.reset(bufferevent_openssl_socket_new(base_, -1, ssl.release(), BUFFEREVENT_SSL_CONNECTING,
                                              kOptions));
    // Event-stream servers often just close the socket; that is the end of the stream, not
    // an attack on the framing (the SSE parser discards any half event anyway).
    if (bev_) bufferevent_openssl_set_allow_dirty_shutdown(bev_.get(), 1);
  } else {
    bev_.reset(bufferevent_socket_new(base_, -1, kOptions));
  }
  if (!bev_) {
    finish(UpstreamEnd::Kind::kFailed, "cannot create a bufferevent");
    return;
  }
  bufferevent_setcb(bev_.get(), &UpstreamConnection::on_read, nullptr,
                    &UpstreamConnection::on_event, this);
  const timeval idle = to_timeval(idle_timeout_ms_);
  bufferevent_set_timeouts(bev_.get(), &idle, &idle);
  bufferevent_enable(bev_.get(), EV_READ | EV_WRITE);
  const std::string text = build_request(request_);
  bufferevent_write(bev_.get(), text.data(), text.size());
  if (bufferevent_socket_connect(bev_.get(), address->ai_addr,
                                 static_cast<int>(address->ai_addrlen)) < 0) {
    address_errors_ += (address_errors_.empty() ? "" : "; ") + current_address_ + ": " +
                       evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR());
    connect_next();
  }
}

void UpstreamConnection::on_read(bufferevent*, void* self) {
  static_cast<UpstreamConnection*>(self)->process_input();
}

void UpstreamConnection::on_event(bufferevent*, short what, void* self) {
  static_cast<UpstreamConnection*>(self)->handle_event(what);
}

void UpstreamConnection::on_finish(evutil_socket_t, short, void* self) {
  auto* conn = static_cast<UpstreamConnection*>(self);
  // Copies: the owner may destroy this connection from inside on_end.
  auto on_end = conn->callbacks_.on_end;
  const UpstreamEnd end = conn->end_;
  on_end(end);
}

std::string UpstreamConnection::describe_error() const {
  std::string text;
  const int err = EVUTIL_SOCKET_ERROR();
  if (err != 0) text = evutil_socket_error_to_string(err);
  if (request_.url.tls && bev_) {
    while (unsigned long code = bufferevent_get_openssl_error(bev_.get())) {
      char buf[256];
      ERR_error_string_n(code, buf, sizeof(buf));
      text += (text.empty() ? "" : "; ") + std::string(buf);
    }
    if (SSL* ssl = bufferevent_openssl_get_ssl(bev_.get())) {
      const long verify = SSL_get_verify_result(ssl);
      if (verify != X509_V_OK) {
        text += (text.empty() ? "" : "; ") + std::string("certificate verification failed: ") +
                X509_verify_cert_error_string(verify);
      }
    }
  }
  return text.empty() ? "connection error" : text;
}

void UpstreamConnection::handle_event(short what) {
  if (ended_ || closed_) return;
  if (what & BEV_EVENT_CONNECTED) {
    connected_ = true;
    return;
  }
  if (what & BEV_EVENT_TIMEOUT) {
    if (streaming_) {
      finish(UpstreamEnd::Kind::kIdle,
             "no traffic for " + std::to_string(idle_timeout_ms_) + " ms");
    } else {
      finish(
          UpstreamEnd::Kind::kFailed,
          std::string(connected_ ? "timed out waiting for the response" : "timed out connecting") +
              " from " + current_address_);
    }
    return;
  }
  if (what & BEV_EVENT_EOF) {
    handle_eof();
    return;
  }
  if (what & BEV_EVENT_ERROR) {
    const std::string error = describe_error();
    if (!connected_ && !streaming_ && status_ == 0) {
      address_errors_ += (address_errors_.empty() ? "" : "; ") + current_address_ + ": " + error;
      connect_next();
      return;
    }
    finish(streaming_ ? UpstreamEnd::Kind::kEnded : UpstreamEnd::Kind::kFailed, error);
  }
}

void UpstreamConnection::handle_eof() {
  process_input();  // anything still buffered belongs to the stream
  if (ended_ || closed_) return;
  if (paused_ && evbuffer_get_length(bufferevent_get_input(bev_.get())) > 0) {
    eof_pending_ = true;  // finish once backpressure lets the buffered bytes through
    return;
  }
  reader_.finish();
  if (reader_.body_complete()) {
    finish(UpstreamEnd::Kind::kEnded, "upstream closed the stream");
  } else {
    finish(streaming_ ? UpstreamEnd::Kind::kEnded : UpstreamEnd::Kind::kFailed, reader_.error());
  }
}

void UpstreamConnection::process_input() {
  if (!bev_ || processing_) return;
  processing_ = true;
  evbuffer* input = bufferevent_get_input(bev_.get());
  while (!paused_ && !ended_ && !closed_ && evbuffer_get_length(input) > 0) {
    evbuffer_iovec vec;
    if (evbuffer_peek(input, -1, nullptr, &vec, 1) < 1) break;
    const std::string_view segment(static_cast<const char*>(vec.iov_base), vec.iov_len);
    const size_t used = reader_.feed(segment);
    bytes_received_ += static_cast<int64_t>(used);
    evbuffer_drain(input, used);
    using State = HttpResponseReader::State;
    if (reader_.state() == State::kError) {
      finish(streaming_ ? UpstreamEnd::Kind::kEnded : UpstreamEnd::Kind::kFailed, reader_.error());
    } else if (reader_.state() == State::kDone && !ended_) {
      finish(UpstreamEnd::Kind::kEnded, "the response body ended");
    } else if (used < segment.size() && !ended_ && !closed_) {
      finish(UpstreamEnd::Kind::kFailed, "unread response bytes");
    }
  }
  processing_ = false;
}

bool UpstreamConnection::on_head(const HttpResponseHead& head) {
  status_ = head.status;
  const std::string status_text =
      "HTTP " + std::to_string(head.status) + (head.reason.empty() ? "" : " " + head.reason);
  if (head.status == 200) {
    const std::string type = media_type_essence(head.header("content-type"));
    if (type != "text/event-stream") {
      finish(UpstreamEnd::Kind::kFailed, status_text + " with Content-Type '" +
                                             head.header("content-type") +
                                             "', not text/event-stream");
      return false;
    }
    streaming_ = true;
    callbacks_.on_open();
    return true;
  }
  if (head.status == 204) {
    finish(UpstreamEnd::Kind::kNoContent, status_text + ": the upstream asks not to reconnect");
    return false;
  }
  if (is_redirect(head.status)) {
    const std::string location = head.header("location");
    if (location.empty()) {
      finish(UpstreamEnd::Kind::kFailed, status_text + " without a Location header");
    } else {
      finish(UpstreamEnd::Kind::kRedirect, status_text, location);
    }
    return false;
  }
  finish(UpstreamEnd::Kind::kFailed, status_text);
  return false;
}

void UpstreamConnection::finish(UpstreamEnd::Kind kind, std::string detail, std::string location) {
  if (ended_ || closed_) return;
  ended_ = true;
  end_.kind = kind;
  end_.status = status_;
  end_.detail = std::move(detail);
  end_.location = std::move(location);
  if (bev_) bufferevent_disable(bev_.get(), EV_READ | EV_WRITE);
  event_active(finish_event_.get(), EV_TIMEOUT, 0);
}

void UpstreamConnection::pause_reading() {
  if (paused_ || !bev_) return;
  paused_ = true;
  bufferevent_disable(bev_.get(), EV_READ);
}

void UpstreamConnection::resume_reading() {
  if (!paused_) return;
  paused_ = false;
  if (!bev_ || ended_ || closed_) return;
  if (eof_pending_) {
    eof_pending_ = false;
    handle_eof();
    return;
  }
  bufferevent_enable(bev_.get(), EV_READ);
  process_input();
}

void UpstreamConnection::close() {
  closed_ = true;
  if (bev_) bufferevent_disable(bev_.get(), EV_READ | EV_WRITE);
  event_del(finish_event_.get());
}

}  // namespace ssegw::sse
