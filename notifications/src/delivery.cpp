#include "notifications/delivery.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>

#include <boost/json.hpp>
#include <curl/curl.h>
#include <fmt/format.h>
#include <sodium.h>
#include <sys/socket.h>
#include <unistd.h>

#include "model/fiscal_year.hpp"

namespace notifications {

namespace {

std::string hex(const unsigned char* bytes, std::size_t n) {
  std::string out;
  out.reserve(n * 2);
  for (std::size_t i = 0; i < n; ++i) out += fmt::format("{:02x}", bytes[i]);
  return out;
}

std::string base64(std::string_view bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                       static_cast<unsigned char>(bytes[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i < bytes.size()) {
    unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

// Length of the UTF-8 character that starts with `lead` (1 for a broken byte).
std::size_t utf8_length(unsigned char lead) {
  if (lead >= 0xF0) return 4;
  if (lead >= 0xE0) return 3;
  if (lead >= 0xC0) return 2;
  return 1;
}

std::string state_text(const DigestItem& item) { return item.state_label.empty() ? item.state : item.state_label; }

std::string year_label(int year) {
  try {
    return model::FiscalYear(year).label();
  } catch (const std::exception&) {
    return fmt::format("{}年度", year);
  }
}

std::string rule_text(std::string_view rule) {
  if (rule == "first") return "初回";
  if (rule == "repeat") return "再通知";
  if (rule == "escalation") return "取りまとめ課への写し";
  return std::string(rule);
}

std::string sheet_link(const DigestItem& item, const MessageOptions& options) {
  std::string base = options.web_base_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return fmt::format("{}/sheets/{}", base, item.sheet_id);
}

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

void curl_once() {
  static const bool done = [] {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    return true;
  }();
  (void)done;
}

struct Upload {
  std::string_view data;
  std::size_t at = 0;
};

std::size_t read_upload(char* buffer, std::size_t size, std::size_t n, void* user) {
  auto* up = static_cast<Upload*>(user);
  const std::size_t len = std::min(size * n, up->data.size() - up->at);
  std::memcpy(buffer, up->data.data() + up->at, len);
  up->at += len;
  return len;
}

std::size_t discard(char*, std::size_t size, std::size_t n, void*) { return size * n; }

// CURLOPT_XFERINFOFUNCTION: aborts the transfer `grace` after the stop flag was first seen.
struct CancelCheck {
  const Cancel* cancel = nullptr;
  std::optional<std::chrono::steady_clock::time_point> stop_seen;
};

int check_cancel(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* c = static_cast<CancelCheck*>(user);
  if (c->cancel->stop == nullptr || !c->cancel->stop->load()) return 0;
  const auto now = std::chrono::steady_clock::now();
  if (!c->stop_seen) c->stop_seen = now;
  return now - *c->stop_seen >= c->cancel->grace ? 1 : 0;
}

// The connection's socket while it is open, so that a failed conversation can be cut short: after
// an error libcurl still says QUIT and waits for the answer (up to the server response timeout,
// without checking the stop flag), which a server hanging in DATA never gives. Shutting the
// socket down first makes that QUIT fail at once. Only a socket libcurl has not closed is touched
// (the close callback tells), never a number another thread may have got since.
struct SocketWatch {
  curl_socket_t fd = CURL_SOCKET_BAD;
};

int on_socket(void* user, curl_socket_t fd, curlsocktype purpose) {
  if (purpose == CURLSOCKTYPE_IPCXN) static_cast<SocketWatch*>(user)->fd = fd;
  return CURL_SOCKOPT_OK;
}

int on_close(void* user, curl_socket_t fd) {
  auto* w = static_cast<SocketWatch*>(user);
  if (w->fd == fd) w->fd = CURL_SOCKET_BAD;
  return ::close(fd);
}

void watch_socket(CURL* c, SocketWatch& watch) {
  curl_easy_setopt(c, CURLOPT_SOCKOPTFUNCTION, on_socket);
  curl_easy_setopt(c, CURLOPT_SOCKOPTDATA, &watch);
  curl_easy_setopt(c, CURLOPT_CLOSESOCKETFUNCTION, on_close);
  curl_easy_setopt(c, CURLOPT_CLOSESOCKETDATA, &watch);
}

void cut(const SocketWatch& watch) {
  if (watch.fd != CURL_SOCKET_BAD) ::shutdown(watch.fd, SHUT_RDWR);
}

void watch_cancel(CURL* c, CancelCheck& check) {
  if (check.cancel == nullptr || check.cancel->stop == nullptr) return;
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, check_cancel);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, &check);
}

}  // namespace

std::string digest_key(const Digest& digest) {
  std::vector<long long> ids;
  for (const auto& i : digest.items) ids.push_back(i.outbox_id);
  std::sort(ids.begin(), ids.end());
  std::string text = fmt::format("{}\n{}\n", digest.login, digest.day);
  for (long long id : ids) text += fmt::format("{}\n", id);
  unsigned char out[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(out, reinterpret_cast<const unsigned char*>(text.data()), text.size());
  return hex(out, 16);
}

std::string digest_message_id(const Digest& digest, const MessageOptions& options) {
  const auto at = options.from.rfind('@');
  std::string domain = at == std::string::npos ? "shinchoku.invalid" : options.from.substr(at + 1);
  while (!domain.empty() && domain.back() == '>') domain.pop_back();
  return fmt::format("<reminder-{}@{}>", digest_key(digest), domain);
}

std::string encode_header_rfc2047(std::string_view utf8) {
  const bool plain = std::all_of(utf8.begin(), utf8.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
  if (plain) return std::string(utf8);
  // An encoded word is at most 75 characters: "=?UTF-8?B?" + base64 + "?=" leaves 63 for
  // base64, i.e. 45 bytes of text; split only between characters.
  std::string out;
  std::size_t i = 0;
  while (i < utf8.size()) {
    std::size_t end = i;
    while (end < utf8.size()) {
      const std::size_t len = utf8_length(static_cast<unsigned char>(utf8[end]));
      if (end + len - i > 45) break;
      end += len;
    }
    if (end == i) end = std::min(utf8.size(), i + utf8_length(static_cast<unsigned char>(utf8[i])));
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + base64(utf8.substr(i, end - i)) + "?=";
    i = end;
  }
  return out;
}

std::string email_subject(const Digest& digest) {
  return fmt::format("【進捗】検討中の項目 {}件のお知らせ（{}）", digest.items.size(), digest.day);
}

std::string message_text(const Digest& digest, const MessageOptions& options) {
  std::string out = fmt::format("{} 様\n\n", digest.display_name.empty() ? digest.login : digest.display_name);
  out += fmt::format("評価が「検討中」のまま、あなたの対応を待っている項目が {} 件あります（{} 現在）。\n\n",
                     digest.items.size(), digest.day);
  for (const auto& item : digest.items) {
    out += fmt::format("■ シート {}（{}）{}\n", item.sheet_no, year_label(item.year), item.measure);
    out += fmt::format("  状態: {}（{} 営業日）  評価: {}\n", state_text(item), item.business_days_pending,
                       item.grade.value_or("未記入"));
    if (!item.departments.empty()) {
      std::string deps;
      for (const auto& d : item.departments) deps += (deps.empty() ? "" : "、") + d;
      out += fmt::format("  実行課: {}\n", deps);
    }
    out += fmt::format("  通知: {}", rule_text(item.rule));
    if (item.stands_in_for) out += fmt::format("（担当者不在のため代わりに通知: {}）", *item.stands_in_for);
    out += fmt::format("\n  {}\n\n", sheet_link(item, options));
  }
  out += "このメールは shinchoku（進捗管理）が営業日に自動で送信しています。\n";
  return out;
}

std::string render_email(const Digest& digest, const MessageOptions& options, TimePoint now) {
  if (!digest.email) throw DeliveryError(fmt::format("{} has no email address", digest.login));
  // RFC 5322 date, in JST.
  const auto local = now + model::kJstOffset;
  const auto day = std::chrono::floor<std::chrono::days>(local);
  const std::chrono::year_month_day ymd{day};
  const std::chrono::hh_mm_ss hms{std::chrono::floor<std::chrono::seconds>(local - day)};
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::string date = fmt::format(
      "{}, {:02} {} {:04} {:02}:{:02}:{:02} +0900", kDays[std::chrono::weekday{day}.c_encoding()],
      static_cast<unsigned>(ymd.day()), kMonths[static_cast<unsigned>(ymd.month()) - 1], static_cast<int>(ymd.year()),
      hms.hours().count(), hms.minutes().count(), hms.seconds().count());
  std::string body = message_text(digest, options);
  const std::string encoded = base64(body);
  std::string out;
  out += "From: " + options.from + "\r\n";
  out += "To: " + *digest.email + "\r\n";
  out += "Subject: " + encode_header_rfc2047(email_subject(digest)) + "\r\n";
  out += "Date: " + date + "\r\n";
  out += "Message-ID: " + digest_message_id(digest, options) + "\r\n";
  out += "MIME-Version: 1.0\r\n";
  out += "Content-Type: text/plain; charset=UTF-8\r\n";
  out += "Content-Transfer-Encoding: base64\r\n";
  out += "X-Shinchoku-Digest: " + digest_key(digest) + "\r\n";
  out += "\r\n";
  for (std::size_t i = 0; i < encoded.size(); i += 76) out += encoded.substr(i, 76) + "\r\n";
  return out;
}

void send_email(const SmtpSettings& smtp, const std::string& to, const std::string& message, const Cancel& cancel) {
  curl_once();
  // Declared before the handle: its cleanup (which closes the socket) may still call back.
  SocketWatch sockets;
  CancelCheck check{&cancel, std::nullopt};
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) throw DeliveryError("curl_easy_init failed");
  char error[CURL_ERROR_SIZE] = {0};
  std::unique_ptr<curl_slist, SlistDeleter> rcpt(curl_slist_append(nullptr, to.c_str()));
  Upload up{message, 0};
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(c, CURLOPT_URL, smtp.url.c_str());
  curl_easy_setopt(c, CURLOPT_MAIL_FROM, smtp.from.c_str());
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt.get());
  curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(c, CURLOPT_READFUNCTION, read_upload);
  curl_easy_setopt(c, CURLOPT_READDATA, &up);
  curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(message.size()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT, static_cast<long>(smtp.timeout_seconds));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, static_cast<long>(std::min(smtp.timeout_seconds, 10)));
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  if (smtp.starttls == "required") curl_easy_setopt(c, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
  else if (smtp.starttls == "try") curl_easy_setopt(c, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_TRY));
  if (!smtp.username.empty()) {
    curl_easy_setopt(c, CURLOPT_USERNAME, smtp.username.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, smtp.password.c_str());
  }
  // No single answer may take longer than the whole conversation may.
  curl_easy_setopt(c, CURLOPT_SERVER_RESPONSE_TIMEOUT, static_cast<long>(smtp.timeout_seconds));
  watch_socket(c, sockets);
  watch_cancel(c, check);
  const CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) cut(sockets);
  if (rc == CURLE_ABORTED_BY_CALLBACK) {
    throw DeliveryCancelled(fmt::format("SMTP to {} stopped: the process is stopping", to));
  }
  if (rc != CURLE_OK) {
    throw DeliveryError(fmt::format("SMTP to {} failed: {}", to, error[0] != '\0' ? error : curl_easy_strerror(rc)));
  }
}

std::string webhook_body(const Digest& digest, const MessageOptions& options) {
  namespace json = boost::json;
  json::array items;
  for (const auto& i : digest.items) {
    json::array deps;
    for (const auto& d : i.departments) deps.emplace_back(d);
    items.push_back(json::object{
        {"sheet_id", i.sheet_id}, {"sheet_no", i.sheet_no}, {"year", i.year}, {"state", i.state},
        {"state_label", state_text(i)}, {"grade", i.grade ? json::value(*i.grade) : json::value(nullptr)},
        {"measure", i.measure}, {"departments", std::move(deps)}, {"business_days_pending", i.business_days_pending},
        {"rule", i.rule}, {"stands_in_for", i.stands_in_for ? json::value(*i.stands_in_for) : json::value(nullptr)},
        {"url", sheet_link(i, options)}});
  }
  json::object o{{"type", "reminder.digest"},
                 {"id", digest_key(digest)},
                 {"day", digest.day},
                 {"recipient", json::object{{"login", digest.login}, {"name", digest.display_name},
                                            {"email", digest.email ? json::value(*digest.email) : json::value(nullptr)}}},
                 {"subject", email_subject(digest)},
                 {"items", std::move(items)}};
  return json::serialize(o);
}

std::string hmac_sha256_hex(std::string_view secret, std::string_view body) {
  crypto_auth_hmacsha256_state st;
  unsigned char out[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(secret.data()), secret.size());
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(body.data()), body.size());
  crypto_auth_hmacsha256_final(&st, out);
  return hex(out, sizeof out);
}

void post_webhook(const WebhookSettings& webhook, const std::string& body, const std::string& idempotency_key,
                  const Cancel& cancel) {
  curl_once();
  CancelCheck check{&cancel, std::nullopt};
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) throw DeliveryError("curl_easy_init failed");
  char error[CURL_ERROR_SIZE] = {0};
  curl_slist* raw = nullptr;
  raw = curl_slist_append(raw, "Content-Type: application/json; charset=utf-8");
  raw = curl_slist_append(raw, ("X-Shinchoku-Signature: sha256=" + hmac_sha256_hex(webhook.secret, body)).c_str());
  raw = curl_slist_append(raw, ("Idempotency-Key: " + idempotency_key).c_str());
  raw = curl_slist_append(raw, "Expect:");
  std::unique_ptr<curl_slist, SlistDeleter> headers(raw);
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(c, CURLOPT_URL, webhook.url.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT, static_cast<long>(webhook.timeout_seconds));
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
  watch_cancel(c, check);
  const CURLcode rc = curl_easy_perform(c);
  if (rc == CURLE_ABORTED_BY_CALLBACK) {
    throw DeliveryCancelled(fmt::format("webhook {} stopped: the process is stopping", webhook.url));
  }
  if (rc != CURLE_OK) {
    throw DeliveryError(fmt::format("webhook {} failed: {}", webhook.url, error[0] != '\0' ? error : curl_easy_strerror(rc)));
  }
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  if (status < 200 || status > 299) throw DeliveryError(fmt::format("webhook {} answered {}", webhook.url, status));
}

InboxText inbox_text(const DigestItem& item, const MessageOptions& options) {
  InboxText t;
  t.title = fmt::format("シート {}（{}）が{}のまま {} 営業日", item.sheet_no, year_label(item.year), state_text(item),
                        item.business_days_pending);
  t.body = fmt::format("{}\n評価: {}  通知: {}", item.measure, item.grade.value_or("未記入"), rule_text(item.rule));
  if (item.stands_in_for) t.body += fmt::format("（担当者不在のため代わりに通知: {}）", *item.stands_in_for);
  t.body += "\n" + sheet_link(item, options);
  return t;
}

std::chrono::seconds retry_delay(int attempt, std::chrono::seconds base, std::chrono::seconds cap, double unit) {
  const double exponent = std::min(std::max(attempt - 1, 0), 30);
  const double raw = std::min(static_cast<double>(base.count()) * std::pow(2.0, exponent), static_cast<double>(cap.count()));
  const double jittered = raw * (0.5 + std::clamp(unit, 0.0, 0.999999));
  return std::chrono::seconds{std::max<long long>(1, static_cast<long long>(jittered))};
}

}  // namespace notifications
