#include "bench/h2_client_session.h"

#include <charconv>
#include <stdexcept>

namespace ssegw::bench {

namespace {

constexpr uint32_t kLimitBeforeSettings = 100;

struct CallbacksDeleter {
  void operator()(nghttp2_session_callbacks* callbacks) const {
    nghttp2_session_callbacks_del(callbacks);
  }
};

nghttp2_nv header(const std::string& name, const std::string& value) {
  // nghttp2 copies names and values when the request is submitted.
  return nghttp2_nv{reinterpret_cast<uint8_t*>(const_cast<char*>(name.data())),
                    reinterpret_cast<uint8_t*>(const_cast<char*>(value.data())), name.size(),
                    value.size(), NGHTTP2_NV_FLAG_NONE};
}

H2ClientSession& self_of(void* p) {
  return *static_cast<H2ClientSession*>(p);
}

}  // namespace

H2ClientSession::H2ClientSession(Listener& listener, bool tls)
    : listener_(listener), scheme_(tls ? "https" : "http") {
  nghttp2_session_callbacks* raw = nullptr;
  if (nghttp2_session_callbacks_new(&raw) != 0) throw std::bad_alloc();
  std::unique_ptr<nghttp2_session_callbacks, CallbacksDeleter> callbacks(raw);
  nghttp2_session_callbacks_set_on_header_callback(raw, &H2ClientSession::on_header);
  nghttp2_session_callbacks_set_on_frame_recv_callback(raw, &H2ClientSession::on_frame_recv);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(raw, &H2ClientSession::on_data_chunk);
  nghttp2_session_callbacks_set_on_stream_close_callback(raw, &H2ClientSession::on_close);
  nghttp2_session* session = nullptr;
  if (nghttp2_session_client_new(&session, raw, this) != 0) throw std::bad_alloc();
  session_.reset(session);
  // A subscriber never wants pushed streams; the rest are nghttp2's (and the RFC's) defaults.
  const nghttp2_settings_entry settings[] = {{NGHTTP2_SETTINGS_ENABLE_PUSH, 0}};
  nghttp2_submit_settings(session, NGHTTP2_FLAG_NONE, settings, 1);
}

int32_t H2ClientSession::submit_get(const std::string& authority, const std::string& path,
                                    const std::vector<std::pair<std::string, std::string>>& headers,
                                    void* stream) {
  static const std::string kMethod = ":method", kGet = "GET", kScheme = ":scheme",
                           kAuthority = ":authority", kPath = ":path", kAccept = "accept",
                           kEventStream = "text/event-stream";
  std::vector<nghttp2_nv> nva = {header(kMethod, kGet), header(kScheme, scheme_),
                                 header(kAuthority, authority), header(kPath, path),
                                 header(kAccept, kEventStream)};
  for (const auto& [name, value] : headers) nva.push_back(header(name, value));
  return nghttp2_submit_request(session_.get(), nullptr, nva.data(), nva.size(), nullptr, stream);
}

void H2ClientSession::cancel(int32_t stream_id) {
  if (nghttp2_session_get_stream_user_data(session_.get(), stream_id) == nullptr) return;
  nghttp2_session_set_stream_user_data(session_.get(), stream_id, nullptr);
  nghttp2_submit_rst_stream(session_.get(), NGHTTP2_FLAG_NONE, stream_id, NGHTTP2_CANCEL);
}

bool H2ClientSession::receive(std::string_view bytes, std::string& error) {
  const auto used = nghttp2_session_mem_recv(
      session_.get(), reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  if (used < 0) {
    error = std::string("h2: ") + nghttp2_strerror(static_cast<int>(used));
    return false;
  }
  return true;
}

bool H2ClientSession::drain_output(std::string& out, std::string& error) {
  // Bounded: a session has at most a few frames per stream queued at any time.
  for (int i = 0; i < 100000; ++i) {
    const uint8_t* data = nullptr;
    const auto n = nghttp2_session_mem_send(session_.get(), &data);
    if (n < 0) {
      error = std::string("h2: ") + nghttp2_strerror(static_cast<int>(n));
      return false;
    }
    if (n == 0) return true;
    out.append(reinterpret_cast<const char*>(data), static_cast<size_t>(n));
  }
  return true;
}

uint32_t H2ClientSession::stream_limit() const {
  if (!settings_received_) return kLimitBeforeSettings;
  return nghttp2_session_get_remote_settings(session_.get(),
                                             NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS);
}

bool H2ClientSession::alive() const {
  return nghttp2_session_want_read(session_.get()) || nghttp2_session_want_write(session_.get());
}

int H2ClientSession::on_header(nghttp2_session* session, const nghttp2_frame* frame,
                               const uint8_t* name, size_t namelen, const uint8_t* value,
                               size_t valuelen, uint8_t, void* self) {
  if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_RESPONSE) return 0;
  if (std::string_view(reinterpret_cast<const char*>(name), namelen) != ":status") return 0;
  void* stream = nghttp2_session_get_stream_user_data(session, frame->hd.stream_id);
  if (stream == nullptr) return 0;
  int status = 0;
  const char* text = reinterpret_cast<const char*>(value);
  std::from_chars(text, text + valuelen, status);
  self_of(self).listener_.on_response(stream, status);
  return 0;
}

int H2ClientSession::on_frame_recv(nghttp2_session*, const nghttp2_frame* frame, void* self) {
  if (frame->hd.type == NGHTTP2_SETTINGS && !(frame->hd.flags & NGHTTP2_FLAG_ACK)) {
    self_of(self).settings_received_ = true;
  }
  return 0;
}

int H2ClientSession::on_data_chunk(nghttp2_session* session, uint8_t, int32_t stream_id,
                                   const uint8_t* data, size_t len, void* self) {
  void* stream = nghttp2_session_get_stream_user_data(session, stream_id);
  if (stream != nullptr) {
    self_of(self).listener_.on_data(stream,
                                    std::string_view(reinterpret_cast<const char*>(data), len));
  }
  return 0;
}

int H2ClientSession::on_close(nghttp2_session* session, int32_t stream_id, uint32_t error_code,
                              void* self) {
  void* stream = nghttp2_session_get_stream_user_data(session, stream_id);
  if (stream != nullptr) self_of(self).listener_.on_stream_close(stream, error_code);
  return 0;
}

}  // namespace ssegw::bench
