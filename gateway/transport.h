#pragma once
// The bytes under a connection: a plain socket, or TLS over it. The session above reads and
// writes through this and never learns which; the descriptor itself is closed by the worker.
#include <cstddef>
#include <string>

#include "output_queue.h"
#include "tls_context.h"

namespace ssegw {

enum class IoStatus { kOk, kBlocked, kClosed, kError };

enum class HandshakeStatus { kDone, kWantRead, kWantWrite, kFailed };

class Transport {
 public:
  explicit Transport(int fd) : fd_(fd) {}
  // Makes this the server side of a TLS connection; the handshake comes first.
  void start_tls(SslPtr ssl);

  int fd() const { return fd_; }
  bool tls() const { return ssl_ != nullptr; }
  bool handshaking() const { return ssl_ != nullptr && !handshake_done_; }
  // Advances the handshake; on kFailed, `reason` is a label for the failure counter.
  HandshakeStatus handshake(std::string& reason);
  // The protocol ALPN chose ("h2", "http/1.1"), empty without ALPN.
  std::string alpn() const;
  // Whether the kernel encrypts what this connection sends (kTLS).
  bool ktls_send() const;

  // kOk with *got > 0; kBlocked when nothing is there yet; kClosed when the peer finished.
  IoStatus read(char* buf, size_t cap, size_t* got);
  // Decrypted bytes TLS holds that the socket will not signal again.
  bool has_buffered_input() const;
  // Plain: one sendmsg per OutputQueue::kMaxIov frames. TLS: the front of the queue copied
  // into `scratch` and sent as one SSL_write_ex (one record) per scratch-full.
  WriteResult write(OutputQueue& out, size_t* written, std::string& scratch);
  // TLS: a best-effort close_notify, so that a close-delimited body (an HTTP/1.1 event
  // stream) ends cleanly rather than looking truncated. Never blocks.
  void close_notify();

 private:
  WriteResult write_tls(OutputQueue& out, size_t* written, std::string& scratch);

  int fd_;
  bool handshake_done_ = false;
  SslPtr ssl_;
};

}  // namespace ssegw
