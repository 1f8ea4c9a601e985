#pragma once
// A subscriber's pending output: references to shared frames (or parts of them), written
// with writev. Holding
// references instead of copies is what keeps fan-out cost and memory per subscriber small.
#include <sys/uio.h>

#include <cstddef>
#include <string>
#include <vector>

#include "frame.h"

namespace ssegw {

enum class WriteResult { kDone, kBlocked, kError };

class OutputQueue {
 public:
  void push(FrameRef frame) {
    const std::string& b = frame->bytes();
    push_view(std::move(frame), b.data(), b.size());
  }
  // Bytes that `keeper` keeps alive: part of its frame (a multiplexed stream sends a frame
  // without its id line) or something the frame owns (its JSON envelope).
  void push_view(FrameRef keeper, const char* data, size_t size);
  // Bytes that belong to this subscriber alone (response head, replay of a foreign event).
  void push_owned(std::string bytes);
  size_t bytes() const { return bytes_; }
  // Bytes queued behind the frame being written: what says a subscriber is falling behind.
  // A single frame larger than the queue bound is not the subscriber's fault.
  size_t bytes_behind_head() const;
  bool empty() const { return bytes_ == 0; }
  // Writes as much as the socket takes; kDone when the queue emptied.
  WriteResult write_to(int fd, size_t* written);
  // The unwritten bytes as at most `max` iovecs, for a caller that writes them itself (a
  // batched send); returns the count and sets *offered to their total length.
  size_t gather(iovec* iov, size_t max, size_t* offered) const;
  // Copies up to `max` unwritten bytes from the front into `to` (a TLS record's plaintext);
  // returns how many. Nothing is consumed.
  size_t copy_front(char* to, size_t max) const;
  // Drops `n` written bytes from the front (n <= bytes()).
  void consume(size_t n);
  static constexpr size_t kMaxIov = 64;
  void clear();
  // Moves every unwritten byte of `other` to the end of this queue.
  void append(OutputQueue&& other);
  // The most bytes from the front, at most `max`, that end on a frame boundary, or `max`
  // (bytes() if smaller) when the first frame alone is longer: an HTTP/2 DATA frame then
  // carries whole shared frames and only a split frame is copied.
  size_t whole_frames_within(size_t max) const;
  // Moves the first `n` bytes to the end of `to`: whole frames by reference, a split frame's
  // part as a copy.
  void move_front_to(OutputQueue& to, size_t n);

 private:
  struct Piece {
    FrameRef keeper;
    const char* data;
    size_t size;
  };
  std::vector<Piece> pieces_;
  size_t head_ = 0;         // index of the first unwritten piece
  size_t head_offset_ = 0;  // bytes of pieces_[head_] already written
  size_t bytes_ = 0;
};

}  // namespace ssegw
