#include "api/metrics.hpp"

#include <fmt/format.h>

namespace api {

void Metrics::observe(const std::string& route, unsigned status, std::chrono::duration<double> latency) {
  std::lock_guard l(m_);
  ++requests_[{route, status}];
  auto& h = latency_[route];
  for (std::size_t i = 0; i < kBuckets.size(); ++i) {
    if (latency.count() <= kBuckets[i]) ++h.buckets[i];
  }
  ++h.count;
  h.sum += latency.count();
}

std::string Metrics::render(const std::string& extra) const {
  std::lock_guard l(m_);
  std::string out;
  out += "# HELP shinchoku_http_requests_total HTTP requests by route and status.\n"
         "# TYPE shinchoku_http_requests_total counter\n";
  for (const auto& [key, n] : requests_) {
    out += fmt::format("shinchoku_http_requests_total{{route=\"{}\",status=\"{}\"}} {}\n", key.first, key.second, n);
  }
  out += "# HELP shinchoku_http_request_duration_seconds Time to answer a request, by route.\n"
         "# TYPE shinchoku_http_request_duration_seconds histogram\n";
  for (const auto& [route, h] : latency_) {
    for (std::size_t i = 0; i < kBuckets.size(); ++i) {
      out += fmt::format("shinchoku_http_request_duration_seconds_bucket{{route=\"{}\",le=\"{}\"}} {}\n", route, kBuckets[i], h.buckets[i]);
    }
    out += fmt::format("shinchoku_http_request_duration_seconds_bucket{{route=\"{}\",le=\"+Inf\"}} {}\n", route, h.count);
    out += fmt::format("shinchoku_http_request_duration_seconds_sum{{route=\"{}\"}} {}\n", route, h.sum);
    out += fmt::format("shinchoku_http_request_duration_seconds_count{{route=\"{}\"}} {}\n", route, h.count);
  }
  out += "# HELP shinchoku_audit_events_written_total Audit events written through this server.\n"
         "# TYPE shinchoku_audit_events_written_total counter\n";
  out += fmt::format("shinchoku_audit_events_written_total {}\n", audit_events_);
  out += "# HELP shinchoku_reminders_decided_total Reminder outbox rows this process decided and wrote.\n"
         "# TYPE shinchoku_reminders_decided_total counter\n";
  out += fmt::format("shinchoku_reminders_decided_total {}\n", reminders_decided_);
  out += "# HELP shinchoku_reminders_sent_total Reminder digests this process delivered.\n"
         "# TYPE shinchoku_reminders_sent_total counter\n";
  out += fmt::format("shinchoku_reminders_sent_total {}\n", reminders_sent_);
  out += extra;
  return out;
}

}  // namespace api
