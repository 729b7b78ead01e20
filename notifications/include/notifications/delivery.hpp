#pragma once
// Delivering reminder digests (issue 6): the messages (Japanese, RFC 2047 subject, UTF-8
// body, a Message-ID derived from the digest's outbox rows so a resend is the same message),
// email over SMTP and webhooks with libcurl, the inbox's texts, and the retry delay. The
// outbox itself is persistence/'s; app/ wires the two.
#include <atomic>
#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "notifications/clock.hpp"

namespace notifications {

// A delivery that did not happen: the reason, for the outbox's last_error and the logs.
class DeliveryError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A delivery given up because the process is stopping (Cancel below): not a failed attempt;
// whether the other side kept the message is unknown, so the rows go back to be sent again.
class DeliveryCancelled : public DeliveryError {
 public:
  using DeliveryError::DeliveryError;
};

// Stopping a delivery in progress (SIGTERM): once `*stop` is true the transfer may go on for
// `grace` to finish, then it is aborted (DeliveryCancelled). libcurl checks at least once a
// second, also while it waits for a silent server, so a send never holds a shutdown for longer
// than about grace + 1 s, whatever its timeout. No `stop`: never cancelled.
struct Cancel {
  const std::atomic<bool>* stop = nullptr;
  std::chrono::milliseconds grace{std::chrono::seconds(5)};
};

struct DigestItem {
  long long outbox_id = 0;
  long long sheet_id = 0;
  int sheet_no = 0;
  int year = 0;
  std::string state;        // workflow state name
  std::string state_label;  // 提出済み …
  std::optional<std::string> grade;
  std::vector<std::string> departments;
  std::string measure;
  int business_days_pending = 0;
  std::string rule;         // first | repeat | escalation
  std::optional<std::string> stands_in_for;
};

// One message to one recipient on one channel for one day.
struct Digest {
  std::string login;
  std::string display_name;
  std::optional<std::string> email;
  std::string day;  // YYYY-MM-DD (JST)
  std::vector<DigestItem> items;
};

struct MessageOptions {
  std::string web_base_url = "http://127.0.0.1:8080";  // links: <base>/sheets/<id>
  std::string from = "shinchoku@localhost";            // From: of emails; its domain names Message-IDs
};

// 32 hex characters of SHA-256 over the recipient, the day and the outbox row ids: the same rows
// give the same key (the webhook's idempotency key; the Message-ID's local part).
std::string digest_key(const Digest& digest);
// <reminder-KEY@domain of options.from>
std::string digest_message_id(const Digest& digest, const MessageOptions& options);

// "=?UTF-8?B?…?=" words of at most 75 characters, split between characters, joined by CRLF SP;
// plain printable ASCII is returned as it is.
std::string encode_header_rfc2047(std::string_view utf8);

std::string email_subject(const Digest& digest);  // 【進捗】検討中の項目 2件のお知らせ（2025-05-07）
std::string message_text(const Digest& digest, const MessageOptions& options);  // the body, UTF-8, LF
// The whole message as SMTP carries it (CRLF): headers, then the body in base64.
std::string render_email(const Digest& digest, const MessageOptions& options, TimePoint now);

struct SmtpSettings {
  std::string url;                 // smtp://host:port or smtps://host:port
  std::string from;                // envelope and header sender
  std::string starttls = "try";    // none | try | required
  std::string username;            // empty: no AUTH
  std::string password;
  int timeout_seconds = 30;
};
// Sends `message` (from render_email) to `to`; throws DeliveryError with curl's reason
// (DeliveryCancelled when `cancel` stopped it).
void send_email(const SmtpSettings& smtp, const std::string& to, const std::string& message, const Cancel& cancel = {});

struct WebhookSettings {
  std::string url;
  std::string secret;   // HMAC-SHA256 key
  int timeout_seconds = 10;
};
// {"type":"reminder.digest","id":KEY,"recipient":{…},"day":…,"items":[…]}
std::string webhook_body(const Digest& digest, const MessageOptions& options);
// Lowercase hex of HMAC-SHA256(secret, body) (libsodium).
std::string hmac_sha256_hex(std::string_view secret, std::string_view body);
// POSTs the body with Content-Type application/json, X-Shinchoku-Signature: sha256=<hex> and
// Idempotency-Key: <key>; throws DeliveryError unless the answer is 2xx (DeliveryCancelled when
// `cancel` stopped it).
void post_webhook(const WebhookSettings& webhook, const std::string& body, const std::string& idempotency_key,
                  const Cancel& cancel = {});

// The in-app notification of one item.
struct InboxText {
  std::string title;
  std::string body;
};
InboxText inbox_text(const DigestItem& item, const MessageOptions& options);

// Exponential backoff with jitter: base · 2^(attempt − 1), capped, times a factor in [0.5, 1.5)
// from `unit` in [0, 1).
std::chrono::seconds retry_delay(int attempt, std::chrono::seconds base, std::chrono::seconds cap, double unit);

}  // namespace notifications
