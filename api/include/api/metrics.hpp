#pragma once
// What /metrics reports, in the Prometheus text format: requests by route and status, a
// latency histogram by route, and what the caller adds (pool, audit events written).
#include <array>
#include <chrono>
#include <map>
#include <mutex>
#include <string>

namespace api {

class Metrics {
 public:
  void observe(const std::string& route, unsigned status, std::chrono::duration<double> latency);
  void count_audit_event() { std::lock_guard l(m_); ++audit_events_; }
  // Reminders this process decided (outbox rows written) and delivered (digests sent).
  void count_reminders(long long decided, long long sent) {
    std::lock_guard l(m_);
    reminders_decided_ += decided;
    reminders_sent_ += sent;
  }
  // The text of every metric, then `extra` (already in the text format).
  std::string render(const std::string& extra) const;

 private:
  static constexpr std::array<double, 11> kBuckets{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5};
  struct Histogram {
    std::array<long long, kBuckets.size()> buckets{};
    long long count = 0;
    double sum = 0;
  };
  mutable std::mutex m_;
  std::map<std::pair<std::string, unsigned>, long long> requests_;
  std::map<std::string, Histogram> latency_;
  long long audit_events_ = 0;
  long long reminders_decided_ = 0;
  long long reminders_sent_ = 0;
};

}  // namespace api
