#pragma once
// The bytes under a connection: a plain socket, or TLS over it. The session above reads and
// writes through this and never learns which; the descriptor itself is closed by the worker.
#include <cstddef>
#include <memory>
#include <string>

#include "output_queue.h"
#include "tls_context.h"

namespace ssegw {

enum class IoStatus { kOk, kBlocked, kClosed, kError };

enum class HandshakeStatus { kDone, kWantRead, kWantWrite, kFailed };

class Transport {
 public:
  explicit Transport(int fd) : fd_(fd) {}
  // Makes this the server side of a TLS connection; the handshake comes first. Records go
  // to a queue of ciphertext the worker sends like any other bytes (batched with io_uring),
  // except with kTLS, which needs OpenSSL to write to the socket itself.
  void start_tls(SslPtr ssl, bool ktls);

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
  // into `scratch` and encrypted as one SSL_write_ex (one record) per scratch-full, then
  // sent. `written` counts bytes on the wire.
  WriteResult write(OutputQueue& out, size_t* written, std::string& scratch);
  // TLS into the ciphertext queue: encrypts up to a bounded amount of `out` (consumed) so that
  // a caller can send cipher() itself. False on a TLS error.
  bool encrypt(OutputQueue& out, std::string& scratch);
  // Records waiting for the socket; null for plain and kTLS connections.
  OutputQueue* cipher() { return cipher_.get(); }
  // TLS: a best-effort close_notify, so that a close-delimited body (an HTTP/1.1 event
  // stream) ends cleanly rather than looking truncated. Never blocks.
  void close_notify();

 private:
  WriteResult write_tls(OutputQueue& out, size_t* written, std::string& scratch);
  WriteResult write_queued(OutputQueue& out, size_t* written, std::string& scratch);
  // Sends queued records; false when the socket failed.
  bool send_cipher(bool* blocked);

  int fd_;
  bool handshake_done_ = false;
  SslPtr ssl_;
  std::unique_ptr<OutputQueue> cipher_;
};

}  // namespace ssegw
