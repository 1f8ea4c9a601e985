#include "bridges/kafka/kafka_txn_sink.h"

#include <stdexcept>
#include <string_view>

#include "bridges/kafka/kafka_event_message.h"
#include "bridges/kafka/kafka_state_topic.h"
#include "gateway/log.h"

namespace ssegw::kafka {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// A retriable commit is called again as librdkafka documents; past this many tries the
// outcome counts as unknown and the producer is rebuilt, which settles it.
constexpr int kCommitTries = 5;
// Commit and abort calls block at most this long at a time (librdkafka lets a timed-out call be
// made again and it carries on), so that a stop is not held up by a broker that is away...
constexpr int kEndSliceMs = 1000;
// ...for more than this many slices: then the batch is left to the upstream's resend.
constexpr int kSlicesOnceStopping = 2;
constexpr auto kFillCheck = std::chrono::milliseconds(5);

int64_t wall_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string error_text(const ErrorPtr& error) {
  return std::string(rd_kafka_error_name(error.get())) + ": " + rd_kafka_error_string(error.get());
}

bool is_fencing(rd_kafka_resp_err_t code) {
  return code == RD_KAFKA_RESP_ERR__FENCED || code == RD_KAFKA_RESP_ERR_PRODUCER_FENCED ||
         code == RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH;
}

}  // namespace

KafkaTxnSink::KafkaTxnSink(SinkSettings settings, std::shared_ptr<Channel> channel)
    : KafkaSinkTap(settings.name, std::move(channel), settings.queue_limit),
      settings_(std::move(settings)) {}

KafkaTxnSink::~KafkaTxnSink() {
  stop();
}

void KafkaTxnSink::start() {
  if (thread_.joinable()) return;
  const auto deadline = Clock::now() + settings_.resume_timeout;
  Backoff backoff(500, 5000);
  std::string error;
  bool loaded = false;
  while (!loaded) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left <= 0ms) break;
    loaded = (producer_ || open_producer(error)) && load_resume_points(left, true, error);
    if (loaded) break;
    log_warn("kafka transactional sink cannot start yet, retrying",
             {{"sink", name()}, {"error", error}});
    std::this_thread::sleep_for(std::min(std::chrono::milliseconds(backoff.next_ms()), left));
  }
  if (!loaded) {
    next_seq_ = static_cast<uint64_t>(wall_us());
    log_error("kafka sink starts without resume points: upstream events may repeat or be missed",
              {{"sink", name()}, {"error", error}});
  }
  stopping_ = false;
  tap();
  thread_ = std::thread([this] { run(); });
}

// A new producer instance: init_transactions fences every older one with the same
// transactional.id and settles the transaction it left open (a SIGKILL mid-batch), so
// the state topic read after it shows the final outcome.
bool KafkaTxnSink::open_producer(std::string& error) {
  producer_.reset();
  try {
    ConfPtr conf = make_conf(settings_.brokers,
                             {{"transactional.id", settings_.transactional_id},
                              {"enable.idempotence", "true"},
                              {"acks", "all"},
                              {"linger.ms", "5"},
                              {"client.id", "ssegw-" + settings_.name}},
                             settings_.properties);
    rd_kafka_conf_set_error_cb(conf.get(), &KafkaTxnSink::on_error);
    rd_kafka_conf_set_opaque(conf.get(), this);
    producer_ = make_client(RD_KAFKA_PRODUCER, std::move(conf));
  } catch (const std::exception& e) {
    error = e.what();
    return false;
  }
  const int timeout_ms =
      static_cast<int>(std::min<int64_t>(settings_.resume_timeout.count(), 30000));
  ErrorPtr init(rd_kafka_init_transactions(producer_.get(), timeout_ms));
  if (!init && ensure_state_topic(producer_.get(), settings_.state_topic,
                                  std::chrono::milliseconds(timeout_ms), error)) {
    // The producer learns both topics' leaders now, not inside the first transaction; a
    // failure here only means the first produce asks again.
    std::string ignored;
    partition_counts(producer_.get(), {settings_.topic, settings_.state_topic},
                     std::chrono::milliseconds(timeout_ms), ignored);
    return true;
  }
  if (init) error = "init_transactions: " + error_text(init);
  producer_.reset();
  return false;
}

bool KafkaTxnSink::load_resume_points(std::chrono::milliseconds timeout, bool set_points,
                                      std::string& error) {
  auto entries = read_state_topic(settings_.brokers, settings_.properties, settings_.state_topic,
                                  timeout, error);
  if (!entries) return false;
  const CommittedResume chosen = choose_resume_points(*entries, settings_.topic);
  committed_seq_ = chosen.max_seq;
  // Past both the clock and what committed: seqs stay increasing across restarts.
  next_seq_ = std::max(next_seq_, std::max(static_cast<uint64_t>(wall_us()), chosen.max_seq + 1));
  if (!set_points) return true;
  for (const auto& [source, origin_id] : chosen.last_origin_id) {
    channel_->set_resume_point(source, origin_id);
    log_info("kafka sink found resume point",
             {{"sink", name()}, {"source", source}, {"after", origin_id}});
  }
  if (chosen.ignored > 0) {
    log_warn("kafka sink ignored state records of another topic or format",
             {{"sink", name()}, {"records", std::to_string(chosen.ignored)}});
  }
  set_state(BridgeState::kStreaming, "");
  return true;
}

void KafkaTxnSink::stop() {
  untap();
  stopping_ = true;
  cv_.notify_all();
  const bool was_running = thread_.joinable();  // stop() runs again from the destructor
  if (was_running) thread_.join();
  producer_.reset();
  size_t left = 0;
  {
    std::lock_guard lock(mu_);
    left = inbox_.undelivered;
  }
  if (was_running && left > 0) {
    log_warn("kafka sink stopped with uncommitted events; the upstream resends them on restart",
             {{"sink", name()}, {"uncommitted", std::to_string(left)}});
  }
  mark_stopped();
}

void KafkaTxnSink::run() {
  TxnBatch batch;
  Backoff backoff(200, 30000);
  while (next_batch(batch)) {
    if (!producer_ && (stopping_ || !recover(batch))) {
      if (stopping_) return;  // no new producer only to commit once: the upstream resends
      pause(backoff);
      continue;
    }
    if (batch.empty()) continue;  // a rebuild found it already committed
    handle(commit(batch), batch, backoff);
    if (fenced_) return;
    if (stopping_ && !batch.empty()) return;  // one try at the end, then the upstream resends
  }
}

// Waits until the batch is full, old enough, or the sink stops; false once it stopped with
// nothing left to commit.
bool KafkaTxnSink::next_batch(TxnBatch& batch) {
  const BatchLimits& limits = settings_.batch;
  std::unique_lock lock(mu_);
  while (true) {
    batch.fill(inbox_.queue, limits, next_seq_, Clock::now());
    if (stopping_) return !batch.empty();
    if (batch.ready(limits, Clock::now())) return true;
    if (batch.empty()) {
      cv_.wait_for(lock, 100ms, [&] { return !inbox_.queue.empty() || stopping_; });
      // Idle, commit_transaction serves no callbacks: serve them here, outside the lock.
      lock.unlock();
      if (producer_) rd_kafka_poll(producer_.get(), 0);
      lock.lock();
    } else {
      // The tap wakes the thread only when the queue was empty, so look again every few
      // ms: a batch that can fill up commits then, not at its deadline.
      const size_t room = limits.max_events - batch.size();
      cv_.wait_until(lock, std::min(batch.deadline(limits), Clock::now() + kFillCheck),
                     [&] { return inbox_.queue.size() >= room || stopping_.load(); });
    }
  }
}

void KafkaTxnSink::handle(Outcome outcome, TxnBatch& batch, Backoff& backoff) {
  switch (outcome) {
    case Outcome::kCommitted:
      committed_seq_ = batch.last_seq();
      settle(batch.size());
      batch.clear();
      backoff.reset();
      set_state(BridgeState::kStreaming, "");
      return;
    case Outcome::kAborted: {
      std::lock_guard lock(mu_);
      inbox_.status.failed += batch.size();
    }
      log_warn("kafka transaction aborted, sending its batch again",
               {{"sink", name()}, {"events", std::to_string(batch.size())}});
      pause(backoff);
      return;
    case Outcome::kBroken:
      producer_.reset();  // rebuilt by recover() on the next turn
      pause(backoff);
      return;
    case Outcome::kFenced:
      fenced_ = true;
      producer_.reset();
      log_error(
          "kafka sink fenced: another instance uses its transactional.id; it stops "
          "writing and holds its channel",
          {{"sink", name()}, {"transactional_id", settings_.transactional_id}});
      set_state(BridgeState::kFailed, "fenced by another instance");
      // For good, not by queue depth: what this instance still taps is the other one's to
      // deliver, after the points it commits.
      std::lock_guard lock(mu_);
      inbox_.hold.pin();
      return;
  }
}

// A new producer after a fatal error, and the batch trimmed to what did not commit: the
// failed commit may have gone through before the error, and the state topic says.
bool KafkaTxnSink::recover(TxnBatch& batch) {
  std::string error;
  const auto timeout = std::min(settings_.resume_timeout, std::chrono::milliseconds(30000));
  if (!open_producer(error) || !load_resume_points(timeout, false, error)) {
    producer_.reset();
    log_warn("kafka transactional producer cannot be rebuilt yet, retrying",
             {{"sink", name()}, {"error", error}});
    set_state(BridgeState::kBackingOff, error);
    return false;
  }
  const size_t dropped = batch.drop_committed(committed_seq_);
  if (dropped > 0) settle(dropped);
  log_info("kafka transactional producer rebuilt",
           {{"sink", name()}, {"already_committed", std::to_string(dropped)}});
  return true;
}

KafkaTxnSink::Outcome KafkaTxnSink::commit(const TxnBatch& batch) {
  rd_kafka_t* producer = producer_.get();
  if (ErrorPtr begin{rd_kafka_begin_transaction(producer)})
    return finish(std::move(begin), "begin");
  if (!produce_batch(batch)) return broken_or_fenced();
  ErrorPtr error = end_transaction(rd_kafka_commit_transaction);
  if (!error) return Outcome::kCommitted;
  return finish(std::move(error), "commit");
}

// Commits or aborts in slices of kEndSliceMs, calling again while librdkafka says the error
// is retriable (a slice that timed out is, as is a coordinator that was busy: up to
// kCommitTries of those), until the sink stops. The transaction timeout bounds it anyway:
// past it, the broker aborts and the call returns an abortable error.
ErrorPtr KafkaTxnSink::end_transaction(rd_kafka_error_t* (*end)(rd_kafka_t*, int)) {
  ErrorPtr error;
  int busy = 0;
  int slices_stopping = 0;
  while (true) {
    error.reset(end(producer_.get(), kEndSliceMs));
    if (!error || !rd_kafka_error_is_retriable(error.get())) return error;
    if (stopping_ && ++slices_stopping > kSlicesOnceStopping) return error;
    if (rd_kafka_error_code(error.get()) != RD_KAFKA_RESP_ERR__TIMED_OUT) {
      if (++busy >= kCommitTries) return error;
      log_warn("kafka transaction end will be retried",
               {{"sink", name()}, {"error", error_text(error)}});
    }
  }
}

// The batch's events and then its resume records, in one open transaction. False when
// librdkafka refused a message: the transaction must be aborted (broken_or_fenced says how).
bool KafkaTxnSink::produce_batch(const TxnBatch& batch) {
  rd_kafka_t* producer = producer_.get();
  auto produced = [&](auto&& send) {
    while (true) {
      const rd_kafka_resp_err_t err = send();
      if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) return err == RD_KAFKA_RESP_ERR_NO_ERROR;
      rd_kafka_poll(producer, 100);  // let deliveries free room
    }
  };
  for (const TxnBatch::Item& item : batch.items()) {
    const Event& event = item.frame->event();
    const auto key = sink_key(settings_, event);
    // No copy of the value: the batch holds the frame until the transaction is over.
    if (!produced([&] {
          return produce_event(producer, settings_.topic, key, event, item.seq, nullptr);
        }))
      return false;
  }
  // Not a structured binding: clang (the fuzz build) cannot capture one in the lambda.
  for (const auto& entry : batch.resume_records(settings_.topic)) {
    const std::string& source = entry.first;
    const std::string value = encode_resume_value(entry.second);
    if (!produced([&] {
          return rd_kafka_producev(producer, RD_KAFKA_V_TOPIC(settings_.state_topic.c_str()),
                                   RD_KAFKA_V_PARTITION(0),
                                   RD_KAFKA_V_KEY(source.data(), source.size()),
                                   RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
                                   RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
        }))
      return false;
  }
  return true;
}

// A produce call failed inside the transaction: fatal when librdkafka says so, else the
// transaction is aborted and the batch goes again.
KafkaTxnSink::Outcome KafkaTxnSink::broken_or_fenced() {
  char detail[512];
  const rd_kafka_resp_err_t fatal = rd_kafka_fatal_error(producer_.get(), detail, sizeof detail);
  if (fatal != RD_KAFKA_RESP_ERR_NO_ERROR) {
    log_error("kafka transactional producer fatal error", {{"sink", name()}, {"error", detail}});
    return is_fencing(fatal) ? Outcome::kFenced : Outcome::kBroken;
  }
  ErrorPtr abort = end_transaction(rd_kafka_abort_transaction);
  if (!abort) return Outcome::kAborted;
  return finish(std::move(abort), "abort");
}

// Sorts an error of the transactional API into librdkafka's classes: abortable (abort and
// go again), fatal (a new producer), anything else (the outcome is unknown: a new producer
// too, whose start settles it).
KafkaTxnSink::Outcome KafkaTxnSink::finish(ErrorPtr error, const char* step) {
  const std::string text = error_text(error);
  set_state(BridgeState::kBackingOff, text);
  const bool aborting = std::string_view(step) == "abort";
  if (rd_kafka_error_txn_requires_abort(error.get()) && !aborting) {
    log_warn("kafka transaction must be aborted",
             {{"sink", name()}, {"step", step}, {"error", text}});
    ErrorPtr abort = end_transaction(rd_kafka_abort_transaction);
    if (!abort) return Outcome::kAborted;
    return finish(std::move(abort), "abort");
  }
  log_error("kafka transaction failed", {{"sink", name()}, {"step", step}, {"error", text}});
  if (is_fencing(rd_kafka_error_code(error.get()))) return Outcome::kFenced;
  return Outcome::kBroken;
}

void KafkaTxnSink::settle(size_t delivered) {
  std::lock_guard lock(mu_);
  inbox_.delivered(delivered);
}

// Sleeps the next backoff delay, cut short by stop().
void KafkaTxnSink::pause(Backoff& backoff) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, std::chrono::milliseconds(backoff.next_ms()),
               [&] { return stopping_.load(); });
}

void KafkaTxnSink::set_state(BridgeState state, const std::string& detail) {
  std::lock_guard lock(mu_);
  if (inbox_.status.state == BridgeState::kStreaming && state != BridgeState::kStreaming) {
    inbox_.status.reconnects++;
  }
  inbox_.status.state = state;
  inbox_.status.detail = detail;
}

void KafkaTxnSink::on_error(rd_kafka_t*, int err, const char* reason, void* opaque) {
  auto* self = static_cast<KafkaTxnSink*>(opaque);
  // Fatal errors come back from the transactional calls too, where they are handled.
  if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN || err == RD_KAFKA_RESP_ERR__FATAL) {
    log_warn("kafka transactional producer error", {{"sink", self->name()}, {"error", reason}});
  } else {
    log_debug("kafka client error", {{"sink", self->name()}, {"error", reason}});
  }
}

}  // namespace ssegw::kafka
