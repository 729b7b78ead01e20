// Delivering digests: the message (RFC 2047 subject, UTF-8 body, Message-ID from the rows),
// a real SMTP server on loopback (aiosmtpd) whose mail Python's email package parses, and a
// webhook receiver on loopback that checks the HMAC signature with its own implementation.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <boost/json.hpp>
#include <fmt/format.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "notifications/delivery.hpp"
#include "sink_process.hpp"

using notifications::Digest;
using notifications::DigestItem;

namespace {

const std::string kSource = SHINCHOKU_SOURCE_DIR;

Digest sample_digest() {
  Digest d;
  d.login = "kacho";
  d.display_name = "本庄 課長";
  d.email = "kacho@city.honjo.example";
  d.day = "2025-05-07";
  d.items.push_back({41, 75, 6, 2025, "submitted", "提出済み", "C", {"地域福祉課", "介護保険課"}, "相談支援専門職の確保", 9,
                     "repeat", std::nullopt});
  d.items.push_back({42, 80, 17, 2025, "draft", "作成中", std::nullopt, {"介護保険課"}, "相談支援専門職の確保（再掲）", 3,
                     "first", std::string("staff@kaigo-hoken")});
  return d;
}

struct TempDir {
  TempDir() {
    static int n = 0;
    path = std::filesystem::temp_directory_path() / fmt::format("shinchoku-delivery-{}-{}", ::getpid(), n++);
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::filesystem::path path;
};

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string run(const std::string& command) {
  std::string out;
  FILE* f = ::popen(command.c_str(), "r");
  if (f == nullptr) return out;
  char buf[4096];
  while (auto n = std::fread(buf, 1, sizeof buf, f)) out.append(buf, n);
  ::pclose(f);
  return out;
}

// A TCP port on loopback with a listener that never answers.
struct SilentListener {
  SilentListener() {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(fd, 8);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
  }
  ~SilentListener() { ::close(fd); }
  int fd = -1;
  int port = 0;
};

// A loopback port where nothing listens (bound, then closed).
int closed_port() {
  SilentListener l;
  return l.port;
}

notifications::TimePoint may7() {
  return notifications::jst_start_of_day(std::chrono::year{2025} / 5 / 7) + std::chrono::hours(10);
}

}  // namespace

TEST(DeliveryMessages, AsciiHeaderStaysPlainAndJapaneseIsEncodedInShortWords) {
  EXPECT_EQ(notifications::encode_header_rfc2047("Reminder 3"), "Reminder 3");
  const std::string subject = notifications::email_subject(sample_digest());
  EXPECT_EQ(subject, "【進捗】検討中の項目 2件のお知らせ（2025-05-07）");
  const std::string encoded = notifications::encode_header_rfc2047(subject);
  std::size_t words = 0;
  std::istringstream lines(encoded);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.starts_with(" ")) line.erase(0, 1);
    EXPECT_TRUE(line.starts_with("=?UTF-8?B?") && line.ends_with("?=")) << line;
    EXPECT_LE(line.size(), 75u) << line;
    ++words;
  }
  EXPECT_GE(words, 2u) << "a subject of this length needs more than one word";
  for (char c : encoded) EXPECT_LT(static_cast<unsigned char>(c), 0x80u);
}

TEST(DeliveryMessages, MessageIdIsTheSameForTheSameRowsAndDiffersForOthers) {
  notifications::MessageOptions o;
  o.from = "shinchoku@city.honjo.example";
  const auto d = sample_digest();
  auto reordered = d;
  std::swap(reordered.items[0], reordered.items[1]);
  EXPECT_EQ(notifications::digest_message_id(d, o), notifications::digest_message_id(reordered, o));
  EXPECT_TRUE(notifications::digest_message_id(d, o).ends_with("@city.honjo.example>"));
  auto other = d;
  other.items[1].outbox_id = 43;
  EXPECT_NE(notifications::digest_message_id(d, o), notifications::digest_message_id(other, o));
  auto other_day = d;
  other_day.day = "2025-05-08";
  EXPECT_NE(notifications::digest_key(d), notifications::digest_key(other_day));
}

TEST(DeliveryMessages, BodyNamesEachSheetItsStateHowLongAndLinksToIt) {
  notifications::MessageOptions o;
  o.web_base_url = "https://shinchoku.city.example/";
  const auto text = notifications::message_text(sample_digest(), o);
  EXPECT_NE(text.find("本庄 課長 様"), std::string::npos);
  EXPECT_NE(text.find("シート 6（令和7年度）相談支援専門職の確保"), std::string::npos) << text;
  EXPECT_NE(text.find("状態: 提出済み（9 営業日）  評価: C"), std::string::npos) << text;
  EXPECT_NE(text.find("https://shinchoku.city.example/sheets/75"), std::string::npos) << text;
  EXPECT_NE(text.find("担当者不在のため代わりに通知: staff@kaigo-hoken"), std::string::npos) << text;
}

TEST(DeliveryMessages, RetryDelayGrowsExponentiallyWithinJitterBounds) {
  using std::chrono::seconds;
  EXPECT_EQ(notifications::retry_delay(1, seconds(60), seconds(3600), 0.5), seconds(60));
  EXPECT_EQ(notifications::retry_delay(2, seconds(60), seconds(3600), 0.5), seconds(120));
  EXPECT_EQ(notifications::retry_delay(4, seconds(60), seconds(3600), 0.5), seconds(480));
  EXPECT_EQ(notifications::retry_delay(20, seconds(60), seconds(3600), 0.5), seconds(3600));
  EXPECT_EQ(notifications::retry_delay(3, seconds(60), seconds(3600), 0.0), seconds(120));
  EXPECT_LT(notifications::retry_delay(3, seconds(60), seconds(3600), 0.999), seconds(360));
  EXPECT_GT(notifications::retry_delay(3, seconds(60), seconds(3600), 0.999), seconds(355));
}

TEST(WebhookDelivery, HmacMatchesTheRfc4231TestVector) {
  EXPECT_EQ(notifications::hmac_sha256_hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(SmtpDelivery, RealServerReceivesTheJapaneseDigestIntact) {
  TempDir dir;
  testing_support::SinkProcess sink({kSource + "/tests/notifications/smtp_sink.py", dir.path.string()});
  notifications::SmtpSettings smtp;
  smtp.url = fmt::format("smtp://127.0.0.1:{}", sink.port());
  smtp.from = "shinchoku@city.honjo.example";
  smtp.starttls = "none";
  smtp.timeout_seconds = 10;
  notifications::MessageOptions o;
  o.from = smtp.from;
  const auto d = sample_digest();
  notifications::send_email(smtp, *d.email, notifications::render_email(d, o, may7()));

  ASSERT_TRUE(std::filesystem::exists(dir.path / "1.eml"));
  EXPECT_EQ(slurp(dir.path / "1.env"), "shinchoku@city.honjo.example\nkacho@city.honjo.example\n");
  const auto parsed = boost::json::parse(run(fmt::format("/usr/bin/python3 {}/tests/notifications/read_mail.py {}", kSource,
                                                         (dir.path / "1.eml").string())));
  const auto& m = parsed.as_object();
  EXPECT_EQ(m.at("subject").as_string(), notifications::email_subject(d));
  EXPECT_EQ(m.at("to").as_string(), "kacho@city.honjo.example");
  EXPECT_EQ(m.at("from").as_string(), "shinchoku@city.honjo.example");
  EXPECT_EQ(m.at("message_id").as_string(), notifications::digest_message_id(d, o));
  EXPECT_EQ(m.at("content_type").as_string(), "text/plain");
  EXPECT_EQ(m.at("charset").as_string(), "utf-8");
  EXPECT_TRUE(m.at("raw_subject_ascii").as_bool()) << "headers travel as ASCII";
  EXPECT_EQ(m.at("body").as_string(), notifications::message_text(d, o));
}

TEST(SmtpDelivery, RefusedRecipientIsADeliveryError) {
  TempDir dir;
  testing_support::SinkProcess sink({kSource + "/tests/notifications/smtp_sink.py", dir.path.string(), "--refuse"});
  notifications::SmtpSettings smtp{fmt::format("smtp://127.0.0.1:{}", sink.port()), "shinchoku@city.example", "none", "", "", 10};
  notifications::MessageOptions o;
  EXPECT_THROW(notifications::send_email(smtp, "kacho@city.example", notifications::render_email(sample_digest(), o, may7())),
               notifications::DeliveryError);
  EXPECT_FALSE(std::filesystem::exists(dir.path / "1.eml"));
}

TEST(SmtpDelivery, ServerDownIsADeliveryError) {
  notifications::SmtpSettings smtp{fmt::format("smtp://127.0.0.1:{}", closed_port()), "shinchoku@city.example", "none", "", "", 5};
  notifications::MessageOptions o;
  EXPECT_THROW(notifications::send_email(smtp, "kacho@city.example", notifications::render_email(sample_digest(), o, may7())),
               notifications::DeliveryError);
}

TEST(WebhookDelivery, ReceiverChecksTheSignatureAndGetsTheIdempotencyKey) {
  TempDir dir;
  testing_support::SinkProcess sink({kSource + "/tests/notifications/webhook_sink.py", dir.path.string(), "s3cret-値"});
  notifications::WebhookSettings hook{fmt::format("http://127.0.0.1:{}/hook", sink.port()), "s3cret-値", 5};
  notifications::MessageOptions o;
  const auto d = sample_digest();
  const std::string body = notifications::webhook_body(d, o);
  notifications::post_webhook(hook, body, notifications::digest_key(d));
  ASSERT_TRUE(std::filesystem::exists(dir.path / "1.json"));
  EXPECT_EQ(slurp(dir.path / "1.json"), body);
  const std::string headers = slurp(dir.path / "1.headers");
  EXPECT_NE(headers.find("Idempotency-Key: " + notifications::digest_key(d)), std::string::npos) << headers;
  const auto doc = boost::json::parse(body).as_object();
  EXPECT_EQ(doc.at("type").as_string(), "reminder.digest");
  EXPECT_EQ(doc.at("recipient").as_object().at("login").as_string(), "kacho");
  EXPECT_EQ(doc.at("items").as_array().size(), 2u);
  EXPECT_EQ(doc.at("items").as_array()[0].as_object().at("business_days_pending").as_int64(), 9);
}

TEST(WebhookDelivery, WrongSecretIsRefusedByTheReceiverAndReported) {
  TempDir dir;
  testing_support::SinkProcess sink({kSource + "/tests/notifications/webhook_sink.py", dir.path.string(), "right"});
  notifications::WebhookSettings hook{fmt::format("http://127.0.0.1:{}/hook", sink.port()), "wrong", 5};
  try {
    notifications::post_webhook(hook, notifications::webhook_body(sample_digest(), {}), "k");
    ADD_FAILURE() << "no error";
  } catch (const notifications::DeliveryError& e) {
    EXPECT_NE(std::string(e.what()).find("401"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(dir.path / "1.json"));
}

TEST(WebhookDelivery, SilentReceiverTimesOut) {
  SilentListener silent;
  notifications::WebhookSettings hook{fmt::format("http://127.0.0.1:{}/hook", silent.port), "k", 1};
  const auto start = std::chrono::steady_clock::now();
  EXPECT_THROW(notifications::post_webhook(hook, "{}", "k"), notifications::DeliveryError);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

// SIGTERM during a send (issue 6): a server that never answers DATA holds a send until its
// timeout (30 s here); once the stop flag is set the send gets its grace, then it is abandoned
// as DeliveryCancelled (not a failed attempt), whatever the timeout.
TEST(SmtpDelivery, StoppingAbandonsAHangingSendAfterTheGrace) {
  TempDir dir;
  testing_support::SinkProcess sink({kSource + "/tests/notifications/smtp_sink.py", dir.path.string(), "--hang"});
  notifications::SmtpSettings smtp{fmt::format("smtp://127.0.0.1:{}", sink.port()), "shinchoku@city.example", "none", "", "", 30};
  std::atomic<bool> stop{false};
  const notifications::Cancel cancel{&stop, std::chrono::milliseconds(500)};
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    stop = true;
  });
  const auto start = std::chrono::steady_clock::now();
  EXPECT_THROW(notifications::send_email(smtp, "kacho@city.example", notifications::render_email(sample_digest(), {}, may7()), cancel),
               notifications::DeliveryCancelled);
  stopper.join();
  // 0.3 s until the stop, 0.5 s of grace, and libcurl's check at least once a second.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(2500));
  EXPECT_FALSE(std::filesystem::exists(dir.path / "1.eml"));
}

TEST(WebhookDelivery, StoppingAbandonsAHangingPostAfterTheGrace) {
  SilentListener silent;
  notifications::WebhookSettings hook{fmt::format("http://127.0.0.1:{}/hook", silent.port), "k", 30};
  std::atomic<bool> stop{true};  // already stopping: the grace runs from the first check
  const auto start = std::chrono::steady_clock::now();
  EXPECT_THROW(notifications::post_webhook(hook, "{}", "k", {&stop, std::chrono::milliseconds(200)}), notifications::DeliveryCancelled);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(2000));
}

TEST(SmtpDelivery, AStopFlagThatIsNeverSetChangesNothing) {
  TempDir dir;
  testing_support::SinkProcess sink({kSource + "/tests/notifications/smtp_sink.py", dir.path.string()});
  notifications::SmtpSettings smtp{fmt::format("smtp://127.0.0.1:{}", sink.port()), "shinchoku@city.example", "none", "", "", 10};
  std::atomic<bool> stop{false};
  notifications::send_email(smtp, "kacho@city.example", notifications::render_email(sample_digest(), {}, may7()), {&stop});
  EXPECT_TRUE(std::filesystem::exists(dir.path / "1.eml"));
}
