#pragma once
#include <stdexcept>
#include <string>

namespace ssegw {

// Thrown only while loading config or starting up; the message names file:line:col and key.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace ssegw
