#include "metrics.h"

#include <map>
#include <sstream>

#include "build_info.h"
#include "history_store.h"
#include "history_writer.h"

namespace ssegw {
namespace {

std::string label(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

void counter(std::ostringstream& out, const char* name, const char* help, uint64_t value,
             const char* type = "counter") {
  out << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n'
      << name << ' ' << value << '\n';
}

template <size_t N>
size_t label_index(const std::string_view (&labels)[N], std::string_view value) {
  for (size_t i = 0; i < N; ++i)
    if (labels[i] == value) return i;
  return N - 1;  // the last label is the catch-all
}

template <size_t N>
void labelled(std::ostringstream& out, const char* name, const char* help, const char* key,
              const std::string_view (&labels)[N], const std::atomic<uint64_t> (&values)[N]) {
  out << "# HELP " << name << ' ' << help << "\n# TYPE " << name << " counter\n";
  for (size_t i = 0; i < N; ++i)
    out << name << '{' << key << "=\"" << labels[i] << "\"} " << values[i].load() << '\n';
}

void write_tls_http2(std::ostringstream& out, const Metrics& m) {
  out << "# HELP ssegw_connections_open_by_protocol Open connections by protocol, once known.\n"
         "# TYPE ssegw_connections_open_by_protocol gauge\n";
  const char* labels[Metrics::kProtocols] = {
      "protocol=\"http1\",tls=\"false\"", "protocol=\"http1\",tls=\"true\"",
      "protocol=\"h2\",tls=\"true\"", "protocol=\"h2c\",tls=\"false\""};
  for (int i = 0; i < Metrics::kProtocols; ++i) {
    out << "ssegw_connections_open_by_protocol{" << labels[i] << "} "
        << std::max<int64_t>(0, m.connections_by_protocol[i].load()) << '\n';
  }
  counter(out, "ssegw_tls_handshakes_total", "TLS handshakes completed.", m.tls_handshakes.load());
  labelled(out, "ssegw_tls_handshake_failures_total",
           "TLS handshakes that failed or timed out, closed.", "reason",
           Metrics::kHandshakeFailures, m.handshake_failures);
  counter(out, "ssegw_ktls_connections",
          "Open TLS connections whose sends the kernel encrypts (tls.ktls).",
          static_cast<uint64_t>(std::max<int64_t>(0, m.ktls_connections.load())), "gauge");
  counter(out, "ssegw_h2_streams_open", "Open HTTP/2 event streams (subscriptions).",
          static_cast<uint64_t>(std::max<int64_t>(0, m.h2_streams_open.load())), "gauge");
  counter(out, "ssegw_h2_rst_sent_total", "RST_STREAM frames sent.", m.h2_resets_sent.load());
  counter(out, "ssegw_h2_streams_refused_total",
          "Streams refused over max_concurrent_streams (RST_STREAM REFUSED_STREAM).",
          m.h2_streams_refused.load());
  labelled(out, "ssegw_h2_goaway_sent_total", "GOAWAY frames sent, by why.", "reason",
           Metrics::kGoawayReasons, m.goaways_sent);
}

void write_access(std::ostringstream& out, const Metrics& m) {
  labelled(out, "ssegw_auth_rejections_total",
           "Subscriptions and publishes refused with 401 or 403, by why.", "reason",
           Metrics::kAuthRefusals, m.auth_refusals);
  labelled(out, "ssegw_limit_rejections_total",
           "Connections answered 429 for a per-IP limit (server.limits), by which.", "reason",
           Metrics::kLimitReasons, m.limit_refusals);
  counter(out, "ssegw_streams_token_expired_total",
          "Streams ended with a token-expired event when their token expired.",
          m.streams_token_expired.load());
  counter(out, "ssegw_pattern_channels_refused_total",
          "Channels a multiplexed stream's pattern matched after it started, left out because "
          "it had max_channels_per_subscription channels.",
          m.pattern_channels_refused.load());
  counter(out, "ssegw_batch_publishes_total",
          "Batch publishes (application/x-ndjson) answered; their events count in "
          "ssegw_publishes_total.",
          m.batch_publishes.load());
}

// A template's channels are one series, labelled by the template: a client naming new
// values cannot grow the label set.
struct ChannelSeries {
  int64_t subscribers = 0;
  uint64_t published = 0;
  size_t history = 0;
};

void write_channels(std::ostringstream& out, const ChannelDirectory& channels) {
  std::map<std::string, ChannelSeries> series;
  for (const ChannelDirectory::TemplateStats& t : channels.template_stats())
    series[t.path].published = t.published_by_gone;
  for (const auto& c : channels.all()) {
    const ChannelOptions options = c->options();
    ChannelSeries& s = series[options.template_path.empty() ? c->path() : options.template_path];
    s.subscribers += c->subscribers().load(std::memory_order_relaxed);
    s.published += c->events_published();
    s.history += c->history_size();
  }
  out << "# HELP ssegw_channel_subscribers Subscribers connected to a channel (a template: all "
         "of its channels).\n"
         "# TYPE ssegw_channel_subscribers gauge\n";
  for (const auto& [path, s] : series)
    out << "ssegw_channel_subscribers{channel=\"" << label(path) << "\"} " << s.subscribers << '\n';
  out << "# HELP ssegw_channel_events_published_total Events published into a channel.\n"
         "# TYPE ssegw_channel_events_published_total counter\n";
  for (const auto& [path, s] : series) {
    out << "ssegw_channel_events_published_total{channel=\"" << label(path) << "\"} " << s.published
        << '\n';
  }
  out << "# HELP ssegw_channel_history_events Events held for Last-Event-ID replay.\n"
         "# TYPE ssegw_channel_history_events gauge\n";
  for (const auto& [path, s] : series)
    out << "ssegw_channel_history_events{channel=\"" << label(path) << "\"} " << s.history << '\n';
  out << "# HELP ssegw_template_channels Channels a template has made that are live now.\n"
         "# TYPE ssegw_template_channels gauge\n";
  for (const ChannelDirectory::TemplateStats& t : channels.template_stats())
    out << "ssegw_template_channels{template=\"" << label(t.path) << "\"} " << t.live << '\n';
}

// A bridge's own gauges (BridgeStatus::gauges), one family per key: every bridge that
// reports a key is a series of it, after one TYPE line, as the text format wants.
void write_bridge_gauges(std::ostringstream& out, const std::vector<NamedStatus>& bridges) {
  std::map<std::string, std::vector<const NamedStatus*>> by_key;
  for (const auto& b : bridges)
    for (const auto& entry : b.status.gauges) by_key[entry.first].push_back(&b);
  for (const auto& [key, reporters] : by_key) {
    out << "# HELP ssegw_bridge_" << key << " A bridge's " << key
        << " (see the bridge's docs).\n# TYPE ssegw_bridge_" << key << " gauge\n";
    for (const NamedStatus* b : reporters) {
      out << "ssegw_bridge_" << key << "{kind=\"" << b->kind << "\",name=\"" << label(b->name)
          << "\"} " << b->status.gauges.at(key) << '\n';
    }
  }
}

void write_bridges(std::ostringstream& out, const std::vector<NamedStatus>& bridges) {
  out << "# HELP ssegw_bridge_state 1 for the state a bridge is in.\n# TYPE ssegw_bridge_state "
         "gauge\n";
  for (const auto& b : bridges) {
    for (BridgeState s : {BridgeState::kConnecting, BridgeState::kStreaming,
                          BridgeState::kBackingOff, BridgeState::kFailed, BridgeState::kStopped}) {
      out << "ssegw_bridge_state{kind=\"" << b.kind << "\",name=\"" << label(b.name) << "\",type=\""
          << label(b.type) << "\",state=\"" << to_string(s) << "\"} "
          << (b.status.state == s ? 1 : 0) << '\n';
    }
  }
  struct Field {
    const char* name;
    uint64_t BridgeStatus::*member;
    const char* help;
  };
  const Field fields[] = {
      {"ssegw_bridge_reconnects_total", &BridgeStatus::reconnects,
       "Reconnects to the broker or upstream."},
      {"ssegw_bridge_events_in_total", &BridgeStatus::events_in, "Events taken in by a bridge."},
      {"ssegw_bridge_events_out_total", &BridgeStatus::events_out, "Events a bridge passed on."},
      {"ssegw_bridge_dropped_filter_total", &BridgeStatus::dropped_filter,
       "Events dropped by the events filter."},
      {"ssegw_bridge_dropped_bad_data_total", &BridgeStatus::dropped_bad_data,
       "Events dropped for bad data."},
      {"ssegw_bridge_failed_total", &BridgeStatus::failed,
       "Deliveries that failed and were retried."},
  };
  for (const Field& f : fields) {
    out << "# HELP " << f.name << ' ' << f.help << "\n# TYPE " << f.name << " counter\n";
    for (const auto& b : bridges) {
      out << f.name << "{kind=\"" << b.kind << "\",name=\"" << label(b.name) << "\"} "
          << b.status.*f.member << '\n';
    }
  }
  write_bridge_gauges(out, bridges);
}

}  // namespace

void Metrics::count_handshake_failure(std::string_view reason) {
  handshake_failures[label_index(kHandshakeFailures, reason)].fetch_add(1,
                                                                        std::memory_order_relaxed);
}

void Metrics::count_goaway(std::string_view reason) {
  goaways_sent[label_index(kGoawayReasons, reason)].fetch_add(1, std::memory_order_relaxed);
}

std::string render_store_metrics(const HistoryStore& store, const HistoryWriter& writer) {
  const HistoryWriter::Stats st = writer.stats();
  std::ostringstream out;
  counter(out, "ssegw_store_event_bytes",
          "Bytes of the events the disk history holds (keys and values): what store_size bounds.",
          static_cast<uint64_t>(std::max<int64_t>(0, st.event_bytes)), "gauge");
  counter(out, "ssegw_store_file_bytes",
          "High-water mark of the history store's file (LMDB reuses freed pages below it).",
          static_cast<uint64_t>(store.used_bytes()), "gauge");
  counter(out, "ssegw_store_full", "1 while the history store refuses publishes (507).",
          st.full ? 1 : 0, "gauge");
  counter(out, "ssegw_store_refused_total", "Publishes answered 507: the history store was full.",
          st.refused);
  counter(out, "ssegw_store_commits_total", "Group commits of the history store.", st.commits);
  counter(out, "ssegw_store_events_written_total", "Events written to the history store.",
          st.events_written);
  counter(out, "ssegw_store_syncs_total", "fsyncs of the history store.", st.syncs);
  counter(out, "ssegw_store_errors_total",
          "History store writes or fsyncs that failed (those events are in memory only).",
          st.errors);
  counter(out, "ssegw_store_queued", "Events waiting for the history store's writer.", st.queued,
          "gauge");
  return out.str();
}

std::string render_prometheus(const Metrics& m, const ChannelDirectory& channels,
                              const std::vector<NamedStatus>& bridges) {
  std::ostringstream out;
  out << "# HELP ssegw_build_info The version and git commit this binary was built from.\n"
         "# TYPE ssegw_build_info gauge\nssegw_build_info{version=\""
      << label(build_version()) << "\",commit=\"" << label(build_commit()) << "\"} 1\n";
  counter(out, "ssegw_connections_accepted_total", "TCP connections accepted.",
          m.connections_accepted.load());
  counter(out, "ssegw_connections_rejected_total",
          "Connections refused at accept: over max_connections plus the reserve for requests.",
          m.connections_rejected.load());
  counter(out, "ssegw_connections_open", "Open client connections.",
          static_cast<uint64_t>(std::max<int64_t>(0, m.connections_open.load())), "gauge");
  counter(out, "ssegw_streams_open", "Open SSE streams (what max_connections limits).",
          static_cast<uint64_t>(std::max<int64_t>(0, m.streams_open.load())), "gauge");
  counter(out, "ssegw_max_connections",
          "server.max_connections: the streams the gateway serves before answering 503.",
          static_cast<uint64_t>(std::max<int64_t>(0, m.max_connections.load())), "gauge");
  counter(out, "ssegw_streams_rejected_total",
          "Subscriptions refused with 503 over max_connections.", m.streams_rejected.load());
  counter(out, "ssegw_write_timeouts_total",
          "Connections closed because the peer did not read an answer within request_timeout.",
          m.write_timeouts.load());
  counter(out, "ssegw_accept_pauses_total",
          "Times accepting paused because the process ran out of file descriptors.",
          m.accept_pauses.load());
  counter(out, "ssegw_http_requests_total", "HTTP requests parsed.", m.requests.load());
  counter(out, "ssegw_subscriptions_total", "SSE subscriptions opened.", m.subscriptions.load());
  counter(out, "ssegw_events_delivered_total", "Events queued to subscribers (live and replayed).",
          m.events_delivered.load());
  counter(out, "ssegw_bytes_out_total", "Bytes written to subscribers.", m.bytes_out.load());
  counter(out, "ssegw_io_uring_sends_total",
          "Writes to subscribers made in a batch through a worker's io_uring.",
          m.batched_sends.load());
  counter(out, "ssegw_io_uring_workers", "Workers that send through io_uring (server.io_uring).",
          static_cast<uint64_t>(std::max<int64_t>(0, m.io_uring_workers.load())), "gauge");
  counter(out, "ssegw_slow_subscriber_disconnects_total",
          "Subscribers dropped for a full output queue.", m.slow_disconnects.load());
  counter(out, "ssegw_publishes_total", "Events accepted by HTTP publish.", m.publishes.load());
  counter(out, "ssegw_publishes_rejected_total", "HTTP publishes refused.",
          m.publishes_rejected.load());
  counter(out, "ssegw_replayed_events_total", "Events replayed for Last-Event-ID.",
          m.replayed_events.load());
  counter(out, "ssegw_resume_resets_total",
          "Streams started with the reset event: their Last-Event-ID was expired or unknown.",
          m.resets.load());
  counter(out, "ssegw_heartbeats_total", "Heartbeat comments sent.", m.heartbeats.load());
  write_tls_http2(out, m);
  write_access(out, m);
  write_channels(out, channels);
  write_bridges(out, bridges);
  return out.str();
}

}  // namespace ssegw
