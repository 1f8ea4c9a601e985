#pragma once
// The status page (server.status_page): one self-contained HTML document with its CSS and
// script inline, so it works offline and behind any proxy; it reads <path>/stream.
#include <string_view>

namespace ssegw {

extern const std::string_view kStatusPageHtml;
// Nothing but the page itself and its own stream: inline script and style, no other origin.
extern const std::string_view kStatusPageCsp;

}  // namespace ssegw
