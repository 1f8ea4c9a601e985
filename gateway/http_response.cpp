#include "http_response.h"

namespace ssegw {

const char* reason_phrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 204:
      return "No Content";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 411:
      return "Length Required";
    case 413:
      return "Content Too Large";
    case 417:
      return "Expectation Failed";
    case 415:
      return "Unsupported Media Type";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    case 507:
      return "Insufficient Storage";
    default:
      return "Unknown";
  }
}

namespace {
void append_headers(std::string& out, const HeaderList& headers) {
  for (const auto& [name, value] : headers) {
    out.append(name).append(": ").append(value).append("\r\n");
  }
}
}  // namespace

std::string build_response(int status, const HeaderList& headers, std::string_view body,
                           bool keep_alive, bool head_only) {
  std::string out;
  out.reserve(160 + body.size());
  out.append("HTTP/1.1 ")
      .append(std::to_string(status))
      .append(" ")
      .append(reason_phrase(status))
      .append("\r\n");
  append_headers(out, headers);
  if (status != 204)
    out.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
  out.append(keep_alive ? "Connection: keep-alive\r\n" : "Connection: close\r\n");
  out.append("\r\n");
  if (!head_only) out.append(body);
  return out;
}

std::string build_response(const Response& response, bool keep_alive) {
  return build_response(response.status, response.headers, response.body, keep_alive,
                        response.head_only);
}

HeaderList stream_headers(const HeaderList& extra) {
  HeaderList headers{{"Content-Type", "text/event-stream; charset=utf-8"},
                     {"Cache-Control", "no-cache"},
                     {"X-Accel-Buffering", "no"}};
  headers.insert(headers.end(), extra.begin(), extra.end());
  return headers;
}

std::string build_stream_head(const HeaderList& headers) {
  std::string out = "HTTP/1.1 200 OK\r\n";
  HeaderList all = stream_headers(headers);
  all.emplace_back("Connection", "close");
  append_headers(out, all);
  out.append("\r\n");
  return out;
}

}  // namespace ssegw
