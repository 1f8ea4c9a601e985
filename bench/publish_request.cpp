#include "bench/publish_request.h"

namespace ssegw::bench {

namespace {

std::string form_encode(const std::string& s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else if (c == ' ') {
      out.push_back('+');
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
  return out;
}

}  // namespace

bool parse_publish_mode(const std::string& name, PublishMode& out) {
  if (name == "gateway")
    out = PublishMode::kGateway;
  else if (name == "nchan")
    out = PublishMode::kNchan;
  else if (name == "pushpin")
    out = PublishMode::kPushpin;
  else if (name == "mercure")
    out = PublishMode::kMercure;
  else
    return false;
  return true;
}

std::string build_publish_request(const PublishTarget& target, uint64_t seq,
                                  const std::string& payload) {
  std::string body;
  std::string content_type = "text/plain";
  switch (target.mode) {
    case PublishMode::kGateway:
    case PublishMode::kNchan:
      body = payload;
      break;
    case PublishMode::kPushpin: {
      const std::string sse = "id: " + std::to_string(seq) + "\ndata: " + payload + "\n\n";
      body = "{\"items\":[{\"channel\":" + json_string(target.channel) +
             ",\"formats\":{\"http-stream\":{\"content\":" + json_string(sse) + "}}}]}";
      content_type = "application/json";
      break;
    }
    case PublishMode::kMercure:
      body = "topic=" + form_encode(target.channel) + "&data=" + form_encode(payload);
      content_type = "application/x-www-form-urlencoded";
      break;
  }
  return "POST " + target.url.target + " HTTP/1.1\r\nHost: " + target.url.host + ":" +
         std::to_string(target.url.port) + "\r\nContent-Type: " + content_type +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" + target.extra_headers +
         "\r\n" + body;
}

}  // namespace ssegw::bench
