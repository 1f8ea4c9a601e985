#include "http2_session.h"

#include <algorithm>
#include <cstring>
#include <optional>

#include "text.h"

namespace ssegw {
namespace {

// Connection-specific fields have no place in HTTP/2 (RFC 9113 8.2.2).
bool is_connection_specific(const std::string& lower_name) {
  return lower_name == "connection" || lower_name == "keep-alive" ||
         lower_name == "transfer-encoding" || lower_name == "upgrade" ||
         lower_name == "proxy-connection";
}

// Names lower-cased as HTTP/2 requires; nghttp2 copies the fields when a response is
// submitted, so these strings need only outlive the submit call.
struct HeaderBlock {
  std::vector<std::pair<std::string, std::string>> fields;
  std::vector<nghttp2_nv> nv;

  HeaderBlock(int status, const HeaderList& headers) {
    fields.emplace_back(":status", std::to_string(status));
    for (const auto& [name, value] : headers) {
      std::string lower_name = ascii_lower(name);
      if (!is_connection_specific(lower_name)) fields.emplace_back(std::move(lower_name), value);
    }
    for (auto& [name, value] : fields) {
      nv.push_back(nghttp2_nv{reinterpret_cast<uint8_t*>(name.data()),
                              reinterpret_cast<uint8_t*>(value.data()), name.size(), value.size(),
                              NGHTTP2_NV_FLAG_NONE});
    }
  }
};

// nghttp2 treats a stream over its acknowledged limit as a connection error, while RFC 9113
// 5.1.2 lets it be refused alone (REFUSED_STREAM, which a client retries). So nghttp2 is told
// this much more and the session refuses what is over the advertised limit itself; only a
// peer far beyond it loses the connection.
uint32_t nghttp2_stream_limit(uint32_t advertised) {
  return std::max<uint32_t>(advertised * 2, advertised + 100);
}

// Our one SETTINGS frame carries nghttp2's limit; the peer is told the configured one.
void advertise_stream_limit(std::string& frame, uint32_t advertised) {
  if (frame.size() < 9 || frame[3] != NGHTTP2_SETTINGS || (frame[4] & NGHTTP2_FLAG_ACK)) return;
  for (size_t at = 9; at + 6 <= frame.size(); at += 6) {
    const auto id = static_cast<uint16_t>((static_cast<uint8_t>(frame[at]) << 8) |
                                          static_cast<uint8_t>(frame[at + 1]));
    if (id != NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS) continue;
    for (int i = 0; i < 4; ++i) frame[at + 2 + i] = static_cast<char>(advertised >> (24 - 8 * i));
  }
}

void append_u32(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(v >> shift));
}

Http2Stream* stream_of(nghttp2_session* session, int32_t id) {
  return static_cast<Http2Stream*>(nghttp2_session_get_stream_user_data(session, id));
}

void finish_request_target(HttpRequest& request) {
  const size_t q = request.target.find('?');
  request.path = request.target.substr(0, q);
  request.query = q == std::string::npos ? "" : request.target.substr(q + 1);
}

}  // namespace

// nghttp2's C callbacks, each forwarding to the session in user_data.
struct Http2Session::Callbacks {
  static Http2Session& self(void* user_data) { return *static_cast<Http2Session*>(user_data); }

  static ssize_t send(nghttp2_session*, const uint8_t* data, size_t length, int, void* user) {
    Http2Session& s = self(user);
    if (s.over_budget()) return NGHTTP2_ERR_WOULDBLOCK;
    std::string frame(reinterpret_cast<const char*>(data), length);
    if (!s.settings_sent_) {
      // nghttp2 hands over one frame per call; the first is our SETTINGS.
      s.settings_sent_ = true;
      advertise_stream_limit(frame, s.limits_.settings.max_concurrent_streams);
    }
    s.wire_.push_owned(std::move(frame));
    return static_cast<ssize_t>(length);
  }

  // The DATA payload moves from the stream's queue by reference: no copy of the event.
  static int send_data(nghttp2_session*, nghttp2_frame*, const uint8_t* framehd, size_t length,
                       nghttp2_data_source* source, void* user) {
    Http2Session& s = self(user);
    if (s.over_budget()) return NGHTTP2_ERR_WOULDBLOCK;
    auto* stream = static_cast<Http2Stream*>(source->ptr);
    s.wire_.push_owned(std::string(reinterpret_cast<const char*>(framehd), 9));
    stream->out.move_front_to(s.wire_, length);
    stream->last_write_ms = s.now_ms_;
    return 0;
  }

  static ssize_t read_data(nghttp2_session*, int32_t, uint8_t*, size_t length, uint32_t* data_flags,
                           nghttp2_data_source* source, void*) {
    auto* stream = static_cast<Http2Stream*>(source->ptr);
    // A resuming subscription's live frames wait behind the replay still being fetched.
    if (stream->out.empty() || stream->sub.held) {
      if (stream->ending && stream->out.empty()) {
        *data_flags |= NGHTTP2_DATA_FLAG_EOF;
        return 0;
      }
      stream->deferred = true;
      return NGHTTP2_ERR_DEFERRED;
    }
    const size_t n = stream->out.whole_frames_within(length);
    *data_flags |= NGHTTP2_DATA_FLAG_NO_COPY;
    if (n == stream->out.bytes() && stream->ending) *data_flags |= NGHTTP2_DATA_FLAG_EOF;
    return static_cast<ssize_t>(n);
  }

  static int begin_frame(nghttp2_session*, const nghttp2_frame_hd* hd, void* user) {
    Http2Session& s = self(user);
    const bool ack = (hd->flags & NGHTTP2_FLAG_ACK) != 0;
    std::optional<Http2FloodGuard::Kind> kind;
    if (hd->type == NGHTTP2_RST_STREAM) kind = Http2FloodGuard::kReset;
    if (hd->type == NGHTTP2_PING && !ack) kind = Http2FloodGuard::kPing;
    if (hd->type == NGHTTP2_SETTINGS && !ack) kind = Http2FloodGuard::kSettings;
    if (hd->length == 0 && !(hd->flags & NGHTTP2_FLAG_END_STREAM) &&
        (hd->type == NGHTTP2_DATA || hd->type == NGHTTP2_HEADERS ||
         hd->type == NGHTTP2_CONTINUATION)) {
      kind = Http2FloodGuard::kEmpty;
    }
    if (kind && !s.flood_.allow(*kind, s.now_ms_)) {
      s.fail(NGHTTP2_ENHANCE_YOUR_CALM, std::string(Http2FloodGuard::reason(*kind)));
      return NGHTTP2_ERR_CALLBACK_FAILURE;
    }
    return 0;
  }

  static int begin_headers(nghttp2_session*, const nghttp2_frame* frame, void* user) {
    if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST) return 0;
    Http2Session& s = self(user);
    if (s.streams_.size() >= s.limits_.settings.max_concurrent_streams) {
      nghttp2_submit_rst_stream(s.session_, NGHTTP2_FLAG_NONE, frame->hd.stream_id,
                                NGHTTP2_REFUSED_STREAM);
      return 0;  // no Http2Stream: its headers and data are ignored
    }
    s.add_stream(frame->hd.stream_id);
    return 0;
  }

  static int header(nghttp2_session* session, const nghttp2_frame* frame, const uint8_t* name,
                    size_t namelen, const uint8_t* value, size_t valuelen, uint8_t, void* user) {
    Http2Stream* stream = stream_of(session, frame->hd.stream_id);
    if (stream == nullptr || frame->hd.type != NGHTTP2_HEADERS) return 0;
    // RFC 9113 6.5.2: each field counts its name, value and 32 bytes.
    stream->header_bytes += namelen + valuelen + 32;
    if (stream->header_bytes > self(user).limits_.settings.max_header_list_size)
      return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    std::string n(reinterpret_cast<const char*>(name), namelen);
    std::string v(reinterpret_cast<const char*>(value), valuelen);
    HttpRequest& request = stream->request;
    if (n == ":method") {
      request.method = std::move(v);
    } else if (n == ":path") {
      request.target = std::move(v);
    } else if (n == ":authority") {
      request.headers.emplace_back("host", std::move(v));
    } else if (n.empty() || n[0] != ':') {
      request.headers.emplace_back(std::move(n), std::move(v));
    }
    return 0;
  }

  static int data_chunk(nghttp2_session* session, uint8_t, int32_t id, const uint8_t* data,
                        size_t length, void* user) {
    Http2Session& s = self(user);
    Http2Stream* stream = stream_of(session, id);
    if (stream == nullptr || stream->answered) return 0;
    if (stream->request.body.size() + length > s.limits_.max_body_bytes) {
      s.respond(*stream, Response{413,
                                  {{"content-type", "text/plain; charset=utf-8"}},
                                  "request body too large\n"});
      return 0;
    }
    stream->request.body.append(reinterpret_cast<const char*>(data), length);
    return 0;
  }

  static int frame_recv(nghttp2_session* session, const nghttp2_frame* frame, void* user) {
    if (frame->hd.type != NGHTTP2_HEADERS && frame->hd.type != NGHTTP2_DATA) return 0;
    if (!(frame->hd.flags & NGHTTP2_FLAG_END_STREAM)) return 0;
    Http2Stream* stream = stream_of(session, frame->hd.stream_id);
    if (stream == nullptr || stream->answered) return 0;
    finish_request_target(stream->request);
    self(user).host_.on_request(*stream);
    return 0;
  }

  static int frame_send(nghttp2_session*, const nghttp2_frame* frame, void* user) {
    Http2Session& s = self(user);
    if (frame->hd.type == NGHTTP2_RST_STREAM) s.host_.on_reset_sent(frame->rst_stream.error_code);
    if (frame->hd.type == NGHTTP2_GOAWAY)
      s.host_.on_goaway_sent(frame->goaway.error_code == NGHTTP2_NO_ERROR         ? "no_error"
                             : frame->goaway.error_code == NGHTTP2_PROTOCOL_ERROR ? "protocol_error"
                                                                                  : "other");
    return 0;
  }

  static int stream_close(nghttp2_session* session, int32_t id, uint32_t, void* user) {
    Http2Stream* stream = stream_of(session, id);
    if (stream == nullptr) return 0;
    Http2Session& s = self(user);
    s.host_.on_stream_closed(*stream);
    s.remove_stream(stream);
    return 0;
  }
};

Http2Session::Http2Session(Http2Host& host, OutputQueue& wire, const Http2Limits& limits)
    : host_(host), wire_(wire), limits_(limits) {
  nghttp2_session_callbacks* cbs = nullptr;
  nghttp2_session_callbacks_new(&cbs);
  nghttp2_session_callbacks_set_send_callback(cbs, &Callbacks::send);
  nghttp2_session_callbacks_set_send_data_callback(cbs, &Callbacks::send_data);
  nghttp2_session_callbacks_set_on_begin_frame_callback(cbs, &Callbacks::begin_frame);
  nghttp2_session_callbacks_set_on_begin_headers_callback(cbs, &Callbacks::begin_headers);
  nghttp2_session_callbacks_set_on_header_callback(cbs, &Callbacks::header);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, &Callbacks::data_chunk);
  nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, &Callbacks::frame_recv);
  nghttp2_session_callbacks_set_on_frame_send_callback(cbs, &Callbacks::frame_send);
  nghttp2_session_callbacks_set_on_stream_close_callback(cbs, &Callbacks::stream_close);
  nghttp2_option* options = nullptr;
  nghttp2_option_new(&options);
  // The peer's SETTINGS carry at most this many entries; more is a flood of work.
  nghttp2_option_set_max_settings(options, 32);
  nghttp2_session_server_new2(&session_, cbs, this, options);
  nghttp2_option_del(options);
  nghttp2_session_callbacks_del(cbs);
  const Http2Settings& settings = limits_.settings;
  const nghttp2_settings_entry entries[] = {
      {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS,
       nghttp2_stream_limit(settings.max_concurrent_streams)},
      {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, settings.initial_window_size},
      {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, settings.max_header_list_size},
  };
  nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, entries, std::size(entries));
  // The connection's window too, or publishes on several streams share 64 KiB.
  nghttp2_session_set_local_window_size(session_, NGHTTP2_FLAG_NONE, 0,
                                        static_cast<int32_t>(settings.initial_window_size));
  // Our SETTINGS lead the wire (RFC 9113 3.4) even if the first bytes read end the session.
  produce();
}

Http2Session::~Http2Session() {
  for (Http2Stream* stream : std::vector<Http2Stream*>(streams_)) {
    host_.on_stream_closed(*stream);
    remove_stream(stream);
  }
  nghttp2_session_del(session_);
}

Http2Stream* Http2Session::add_stream(int32_t id) {
  auto* stream = new Http2Stream();
  stream->id = id;
  stream->index = streams_.size();
  stream->last_write_ms = now_ms_;
  streams_.push_back(stream);
  nghttp2_session_set_stream_user_data(session_, id, stream);
  return stream;
}

void Http2Session::remove_stream(Http2Stream* stream) {
  Http2Stream* last = streams_.back();
  streams_[stream->index] = last;
  last->index = stream->index;
  streams_.pop_back();
  nghttp2_session_set_stream_user_data(session_, stream->id, nullptr);
  delete stream;
}

bool Http2Session::receive(const char* data, size_t length, int64_t now_ms) {
  if (failed_) return false;
  now_ms_ = now_ms;
  const ssize_t rv =
      nghttp2_session_mem_recv(session_, reinterpret_cast<const uint8_t*>(data), length);
  if (failed_) return false;
  if (rv < 0) {
    fail(NGHTTP2_PROTOCOL_ERROR, "protocol_error");
    return false;
  }
  return nghttp2_session_want_read(session_) || nghttp2_session_want_write(session_);
}

void Http2Session::produce() {
  if (failed_) return;
  if (nghttp2_session_send(session_) != 0) fail(NGHTTP2_INTERNAL_ERROR, "internal_error");
}

bool Http2Session::wants_write() const {
  return !failed_ && nghttp2_session_want_write(session_) != 0;
}

// After a flood or a fatal error nghttp2 must not be called again, so the GOAWAY is written
// here: its 9-byte header, the last stream processed and the error code.
void Http2Session::fail(uint32_t error_code, std::string reason) {
  if (failed_) return;
  failed_ = true;
  failure_ = std::move(reason);
  std::string frame;
  append_u32(frame, 8u << 8);  // 24-bit length 8, then the type byte
  frame.back() = static_cast<char>(NGHTTP2_GOAWAY);
  frame.push_back(0);    // flags
  append_u32(frame, 0);  // stream 0
  append_u32(frame, static_cast<uint32_t>(nghttp2_session_get_last_proc_stream_id(session_)));
  append_u32(frame, error_code);
  wire_.push_owned(std::move(frame));
  host_.on_goaway_sent(failure_);
}

void Http2Session::respond(Http2Stream& stream, const Response& response) {
  if (failed_ || stream.answered) return;
  stream.answered = true;
  HeaderList headers = response.headers;
  if (response.status != 204)
    headers.emplace_back("content-length", std::to_string(response.body.size()));
  HeaderBlock block(response.status, headers);
  stream.request = HttpRequest{};
  if (response.head_only || response.body.empty()) {
    nghttp2_submit_response(session_, stream.id, block.nv.data(), block.nv.size(), nullptr);
    return;
  }
  stream.out.push_owned(response.body);
  stream.ending = true;
  nghttp2_data_provider provider{};
  provider.source.ptr = &stream;
  provider.read_callback = &Callbacks::read_data;
  nghttp2_submit_response(session_, stream.id, block.nv.data(), block.nv.size(), &provider);
}

void Http2Session::open_event_stream(Http2Stream& stream, const HeaderList& headers) {
  if (failed_ || stream.answered) return;
  stream.answered = true;
  stream.request = HttpRequest{};
  HeaderBlock block(200, stream_headers(headers));
  nghttp2_data_provider provider{};
  provider.source.ptr = &stream;
  provider.read_callback = &Callbacks::read_data;
  nghttp2_submit_response(session_, stream.id, block.nv.data(), block.nv.size(), &provider);
}

Http2Stream* Http2Session::find(int32_t id) const {
  return stream_of(session_, id);
}

void Http2Session::data_ready(Http2Stream& stream) {
  if (failed_ || !stream.deferred) return;
  stream.deferred = false;
  nghttp2_session_resume_data(session_, stream.id);
}

void Http2Session::reset(Http2Stream& stream, uint32_t error_code) {
  if (failed_) return;
  stream.out.clear();
  nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, stream.id, error_code);
}

void Http2Session::shut_down() {
  if (failed_ || shutting_down_) return;
  shutting_down_ = true;
  nghttp2_submit_goaway(session_, NGHTTP2_FLAG_NONE,
                        nghttp2_session_get_last_proc_stream_id(session_), NGHTTP2_NO_ERROR,
                        nullptr, 0);
  for (Http2Stream* stream : streams_) {
    if (!stream->answered) continue;
    stream->ending = true;
    data_ready(*stream);
  }
}

bool Http2Session::finished() const {
  if (failed_) return true;
  if (shutting_down_ && streams_.empty()) return !nghttp2_session_want_write(session_);
  return !nghttp2_session_want_read(session_) && !nghttp2_session_want_write(session_);
}

}  // namespace ssegw
