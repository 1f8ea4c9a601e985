#pragma once
// An Event as a spool record's payload, so that every sink spools the same bytes and a
// spool written by one version of a sink reads back in the next. Each string is a
// little-endian u32 length and its bytes, in the order: a version byte, id, type, data,
// origin_id, source, then a u32 count of attribute pairs and each name and value.
#include <optional>
#include <string>
#include <string_view>

#include "gateway/event.h"

namespace ssegw {

std::string encode_spooled_event(const Event& event);
// nullopt when the bytes are not a whole record of a known version.
std::optional<Event> decode_spooled_event(std::string_view bytes);

}  // namespace ssegw
