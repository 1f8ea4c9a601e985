#pragma once
// One HTTP/1.1 GET of an event stream over a libevent bufferevent (plain, or OpenSSL for
// https): connect (trying each resolved address), send the request, read the response head,
// then hand the decoded body to the owner until the stream ends. Redirects and retries are
// the owner's business; this class reports how the attempt ended.
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <netdb.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "bridges/sse/header_list.h"
#include "bridges/sse/http_response_reader.h"
#include "bridges/sse/http_url.h"
#include "bridges/sse/tls_client_context.h"

namespace ssegw::sse {

struct UpstreamRequest {
  HttpUrl url;
  HeaderList headers;         // configured; they replace the defaults of the same name
  std::string last_event_id;  // sent as Last-Event-ID unless empty
};

struct UpstreamEnd {
  enum class Kind {
    kEnded,      // the stream ended (closed, or the body's framing ended)
    kFailed,     // could not connect, TLS refused, bad status or content type, protocol error
    kIdle,       // nothing arrived for idle_timeout
    kRedirect,   // 301/302/303/307/308 with a Location
    kNoContent,  // 204: the server says do not reconnect
  };
  Kind kind = Kind::kFailed;
  int status = 0;  // HTTP status, 0 if no response head arrived
  std::string detail;
  std::string location;
};

// The text of the request, exactly as sent (exposed for tests).
std::string build_request(const UpstreamRequest& request);

class UpstreamConnection {
 public:
  struct Callbacks {
    std::function<void()> on_open;                   // 200 with text/event-stream
    std::function<void(std::string_view)> on_body;   // decoded body bytes
    std::function<void(const UpstreamEnd&)> on_end;  // once, never while inside on_body
  };

  UpstreamConnection(event_base* base, const TlsClientContext* tls, int64_t idle_timeout_ms,
                     Callbacks callbacks);
  ~UpstreamConnection();
  UpstreamConnection(const UpstreamConnection&) = delete;
  UpstreamConnection& operator=(const UpstreamConnection&) = delete;

  // Resolves the host (blocking: it runs on the source's own thread) and connects.
  void start(UpstreamRequest request);
  // Backpressure: stop reading from the socket; resume processes what is buffered first.
  void pause_reading();
  void resume_reading();
  bool paused() const { return paused_; }
  // Abandons the connection without reporting an end.
  void close();
  int64_t bytes_received() const { return bytes_received_; }

 private:
  struct BevFree {
    void operator()(bufferevent* bev) const { bufferevent_free(bev); }
  };
  struct EventFree {
    void operator()(event* ev) const { event_free(ev); }
  };
  struct AddrFree {
    void operator()(addrinfo* ai) const { freeaddrinfo(ai); }
  };

  static void on_read(bufferevent* bev, void* self);
  static void on_event(bufferevent* bev, short what, void* self);
  static void on_finish(evutil_socket_t, short, void* self);

  void connect_next();
  void handle_event(short what);
  void handle_eof();
  std::string describe_error() const;
  void process_input();
  bool on_head(const HttpResponseHead& head);
  void finish(UpstreamEnd::Kind kind, std::string detail, std::string location = "");

  event_base* base_;
  const TlsClientContext* tls_;
  const int64_t idle_timeout_ms_;
  Callbacks callbacks_;
  UpstreamRequest request_;
  std::unique_ptr<addrinfo, AddrFree> addresses_;
  const addrinfo* next_address_ = nullptr;
  std::string current_address_;
  std::string address_errors_;
  std::unique_ptr<bufferevent, BevFree> bev_;
  std::unique_ptr<event, EventFree> finish_event_;
  HttpResponseReader reader_;
  UpstreamEnd end_;
  int status_ = 0;
  bool connected_ = false;
  bool streaming_ = false;
  bool paused_ = false;
  bool ended_ = false;
  bool closed_ = false;
  bool processing_ = false;
  bool eof_pending_ = false;
  int64_t bytes_received_ = 0;
};

}  // namespace ssegw::sse
