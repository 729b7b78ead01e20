// The reminders' outbox on a real PostgreSQL (migration 009): what counts as pending, unique
// keys that make deciding twice harmless, claims with SKIP LOCKED and leases, retries, dead
// rows, the inbox, and the audit events of sent and given-up reminders. Every step runs as the
// application role, so its grants are tested too.
#include <gtest/gtest.h>

#include <thread>

#include "persistence/audit_log.hpp"
#include "persistence/database.hpp"
#include "persistence/reminders.hpp"
#include "persistence/seed.hpp"
#include "persistence/sheets.hpp"
#include "small_plan.hpp"
#include "test_database.hpp"

using persistence::NewReminder;
using persistence::ReminderTime;

namespace {

// Reminder audit events whose fields are those of the outbox row they record.
constexpr const char* kEventMatchesItsRow =
    "SELECT count(*) FROM audit_event e JOIN reminder_outbox o ON CAST(o.id AS text) = e.entity_id "
    "WHERE e.entity_type = 'reminder' AND e.changes -> 'recipient_id' ->> 'after' = CAST(o.recipient_id AS text) "
    "AND e.changes -> 'channel' ->> 'after' = o.channel AND e.changes -> 'sheet_id' ->> 'after' = CAST(o.sheet_id AS text) "
    "AND e.changes -> 'rule' ->> 'after' = o.rule AND e.changes -> 'period' ->> 'after' = o.period "
    "AND e.changes -> 'attempts' ->> 'after' = CAST(o.attempts AS text)";

ReminderTime at(const char* rfc3339) { return persistence::parse_time_argument(rfc3339); }

class ReminderOutbox : public ::testing::Test {
 protected:
  void SetUp() override {
    soci::session sql;
    persistence::open_session(sql, db.owner_url());
    persistence::apply_seed(sql, testing_support::small_seed(), "test", "t-seed");
    sql << "INSERT INTO fiscal_year (year, plan_id, state) SELECT 2020, id, 'open' FROM plan";
    const persistence::SheetChange change{"cli:test", "coordinator", "t-add"};
    sheet6 = persistence::add_sheet(sql, "honjo", 2020, "M01", {"地域福祉課", "介護保険課"}, 6, "draft", change).first;
    sheet17 = persistence::add_sheet(sql, "honjo", 2020, "M02", {"地域福祉課"}, 17, "draft", change).first;
    sheet18 = persistence::add_sheet(sql, "honjo", 2020, "M02", {"介護保険課"}, 18, "draft", change).first;
    sql << "UPDATE sheet SET grade = 'C', state = 'submitted' WHERE id = " << sheet6;
    sql << "UPDATE sheet SET previous_grade = 'C' WHERE id = " << sheet17;
    sql << "UPDATE sheet SET grade = 'A', previous_grade = 'C' WHERE id = " << sheet18;
    kacho = add_user(sql, "kacho", "kacho@city.example");
    tanaka = add_user(sql, "tanaka", std::nullopt);
  }

  long long add_user(soci::session& sql, const std::string& login, std::optional<std::string> email) {
    soci::indicator ind = email ? soci::i_ok : soci::i_null;
    std::string mail = email.value_or("");
    long long id = 0;
    sql << "INSERT INTO app_user (login, display_name, email, password_hash) VALUES (:l, :l, :e, '$argon2id$test') RETURNING id",
        soci::use(login, "l"), soci::use(mail, ind, "e"), soci::into(id);
    return id;
  }

  soci::session& app() {
    if (!app_) {
      app_ = std::make_unique<soci::session>();
      persistence::open_session(*app_, db.app_url());
    }
    return *app_;
  }

  std::string scalar(const std::string& query) {
    soci::session sql;
    persistence::open_session(sql, db.owner_url());
    std::string v;
    soci::indicator ind;
    sql << query, soci::into(v, ind);
    return ind == soci::i_ok ? v : "NULL";
  }

  NewReminder row(long long recipient, long long sheet, std::string channel = "email", std::string period = "submitted@1#1",
                  std::string rule = "first") {
    return {recipient, std::move(channel), sheet, std::move(rule), std::move(period), "submitted", 5, 1, std::nullopt};
  }

  const persistence::DigestDays days{"2020-06-03", "2020-06-04", at("2020-06-04T09:00:00+09:00")};
  const ReminderTime now = at("2020-06-03T10:00:00+09:00");

  testing_support::ScratchDatabase db{testing_support::Schema::migrated};
  std::unique_ptr<soci::session> app_;
  long long sheet6 = 0, sheet17 = 0, sheet18 = 0, kacho = 0, tanaka = 0;
};

}  // namespace

TEST_F(ReminderOutbox, StateSinceMovesOnlyWhenTheStateChanges) {
  soci::session sql;
  persistence::open_session(sql, db.owner_url());
  sql << "UPDATE sheet SET state_since = '2020-01-01T00:00:00Z' WHERE id = " << sheet6;
  sql << "UPDATE sheet SET grade = 'B', state = 'submitted' WHERE id = " << sheet6;  // same state
  EXPECT_EQ(scalar("SELECT to_char(state_since AT TIME ZONE 'UTC', 'YYYY-MM-DD') FROM sheet WHERE id = " + std::to_string(sheet6)),
            "2020-01-01");
  sql << "UPDATE sheet SET state = 'approved' WHERE id = " << sheet6;
  EXPECT_EQ(scalar("SELECT CAST(state_since > '2020-01-02' AS text) FROM sheet WHERE id = " + std::to_string(sheet6)), "true");
}

TEST_F(ReminderOutbox, PendingSheetsAreUnderStudyOrUngradedAfterAnUnderStudyYear) {
  auto pending = persistence::load_pending_sheets(app(), "accepted");
  ASSERT_EQ(pending.size(), 2u);
  EXPECT_EQ(pending[0].sheet_no, 6);
  EXPECT_EQ(pending[0].grade, "C");
  EXPECT_EQ(pending[0].state, "submitted");
  EXPECT_EQ(pending[0].departments,
            (std::vector<std::pair<std::string, std::string>>{{"chiiki-fukushi", "地域福祉課"}, {"kaigo-hoken", "介護保険課"}}));
  EXPECT_EQ(pending[1].sheet_no, 17);
  EXPECT_FALSE(pending[1].grade.has_value());
  EXPECT_EQ(pending[1].previous_grade, "C");

  soci::session sql;
  persistence::open_session(sql, db.owner_url());
  sql << "UPDATE sheet SET state = 'accepted' WHERE id = " << sheet6;
  sql << "UPDATE sheet SET retired = true WHERE id = " << sheet17;
  EXPECT_TRUE(persistence::load_pending_sheets(app(), "accepted").empty());
  sql << "UPDATE sheet SET retired = false WHERE id = " << sheet17;
  sql << "UPDATE fiscal_year SET state = 'closed', closed_at = now()";
  EXPECT_TRUE(persistence::load_pending_sheets(app(), "accepted").empty()) << "a closed year has no pending items";
}

TEST_F(ReminderOutbox, DecidingTheSameReminderTwiceWritesItOnce) {
  const std::vector<NewReminder> rows = {row(kacho, sheet6), row(kacho, sheet6, "inbox"), row(tanaka, sheet17, "inbox")};
  EXPECT_EQ(persistence::new_reminders(app(), rows), (std::vector<std::size_t>{0, 1, 2}));
  EXPECT_EQ(persistence::record_reminders(app(), rows, now, days), 3);
  EXPECT_EQ(persistence::record_reminders(app(), rows, now, days), 0);
  EXPECT_TRUE(persistence::new_reminders(app(), rows).empty());
  const std::vector<NewReminder> next = {row(kacho, sheet6, "email", "submitted@1#2", "repeat"), rows[0]};
  EXPECT_EQ(persistence::new_reminders(app(), next), (std::vector<std::size_t>{0}));
  EXPECT_EQ(persistence::record_reminders(app(), next, now, days), 1);
  EXPECT_EQ(scalar("SELECT count(*) FROM reminder_outbox"), "4");
}

TEST_F(ReminderOutbox, TwoDecidersAtOnceCreateNoDuplicates) {
  std::vector<NewReminder> rows;
  for (int i = 0; i < 200; ++i) rows.push_back(row(kacho, sheet6, "email", fmt::format("submitted@1#{}", i + 1)));
  std::atomic<int> written{0};
  auto decide = [&] {
    soci::session sql;
    persistence::open_session(sql, db.app_url());
    for (int round = 0; round < 5; ++round) {
      soci::transaction tx(sql);
      persistence::lock_reminder_decisions(sql);
      written += persistence::record_reminders(sql, rows, now, days);
      tx.commit();
    }
  };
  std::thread a(decide), b(decide);
  a.join();
  b.join();
  EXPECT_EQ(written.load(), 200);
  EXPECT_EQ(scalar("SELECT count(*) FROM reminder_outbox"), "200");
}

TEST_F(ReminderOutbox, ClaimTakesWholeDigestsAndAnotherWorkerTheRest) {
  persistence::record_reminders(app(), {row(kacho, sheet6), row(kacho, sheet17), row(tanaka, sheet17, "inbox")}, now, days);
  const auto first = persistence::claim_reminders(app(), "w1", now, 60, 1);
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].login, "kacho");
  EXPECT_EQ(first[1].login, "kacho");
  EXPECT_EQ(first[0].sheet_no, 6);
  EXPECT_EQ(first[1].sheet_no, 17);
  EXPECT_EQ(first[0].email, "kacho@city.example");
  EXPECT_EQ(first[0].measure, "相談支援専門職の確保");
  EXPECT_EQ(first[0].attempts, 1);
  soci::session other;
  persistence::open_session(other, db.app_url());
  const auto second = persistence::claim_reminders(other, "w2", now, 60, 10);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].login, "tanaka");
  EXPECT_TRUE(persistence::claim_reminders(other, "w3", now, 60, 10).empty());
}

TEST_F(ReminderOutbox, ClaimSkipsRowsAnotherTransactionHoldsLocked) {
  persistence::record_reminders(app(), {row(kacho, sheet6), row(tanaka, sheet17, "inbox")}, now, days);
  soci::session locker;
  persistence::open_session(locker, db.app_url());
  soci::transaction tx(locker);
  locker << "SELECT 1 FROM reminder_outbox WHERE recipient_id = " << kacho << " FOR UPDATE";
  const auto claimed = persistence::claim_reminders(app(), "w1", now, 60, 10);  // does not wait
  ASSERT_EQ(claimed.size(), 1u);
  EXPECT_EQ(claimed[0].login, "tanaka");
  tx.rollback();
}

TEST_F(ReminderOutbox, ClaimOfADeadProcessIsTakenAgainAfterItsLease) {
  persistence::record_reminders(app(), {row(kacho, sheet6)}, now, days);
  ASSERT_EQ(persistence::claim_reminders(app(), "dead-worker", now, 60, 10).size(), 1u);
  EXPECT_TRUE(persistence::claim_reminders(app(), "w2", now + std::chrono::seconds(59), 60, 10).empty());
  const auto again = persistence::claim_reminders(app(), "w2", now + std::chrono::seconds(61), 60, 10);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].attempts, 2);
  // The first worker, come back to life, may no longer mark what it lost.
  EXPECT_TRUE(persistence::mark_reminders_sent(app(), {again[0].id}, "dead-worker", "<m@x>", now).empty());
  EXPECT_EQ(persistence::mark_reminders_sent(app(), {again[0].id}, "w2", "<m@x>", now).size(), 1u);
}

TEST_F(ReminderOutbox, SentReminderIsAuditedWithItsMessageId) {
  persistence::record_reminders(app(), {row(kacho, sheet6)}, now, days);
  const auto claimed = persistence::claim_reminders(app(), "w1", now, 60, 10);
  ASSERT_EQ(claimed.size(), 1u);
  EXPECT_EQ(persistence::mark_reminders_sent(app(), {claimed[0].id}, "w1", "<abc@shinchoku>", now).size(), 1u);
  EXPECT_EQ(scalar("SELECT state || ' ' || message_id FROM reminder_outbox"), "sent <abc@shinchoku>");
  EXPECT_EQ(scalar("SELECT action || ' ' || actor || ' ' || (changes -> 'message_id' ->> 'after') FROM audit_event "
                   "WHERE entity_type = 'reminder'"),
            "sent system <abc@shinchoku>");
  // The event records the row it marks: who, how, which sheet, rule, period and attempts.
  EXPECT_EQ(scalar("SELECT string_agg(k, ',' ORDER BY k) FROM audit_event, jsonb_object_keys(changes) AS k WHERE entity_type = 'reminder'"),
            "attempts,channel,message_id,period,recipient_id,rule,sheet_id,state");
  EXPECT_EQ(scalar(kEventMatchesItsRow), "1");
  const auto c = persistence::reminder_counts(app());
  EXPECT_EQ(c.sent, 1);
  EXPECT_EQ(c.pending + c.retrying + c.sending + c.dead, 0);
}

TEST_F(ReminderOutbox, FailedDeliveriesRetryThenDieAuditedAndRequeueBringsThemBack) {
  persistence::record_reminders(app(), {row(kacho, sheet6), row(kacho, sheet17)}, now, days);
  auto t = now;
  for (int attempt = 1; attempt <= 3; ++attempt) {
    const auto claimed = persistence::claim_reminders(app(), "w1", t, 60, 10);
    ASSERT_EQ(claimed.size(), 2u) << "attempt " << attempt;
    const auto dead = persistence::mark_reminders_failed(app(), {claimed[0].id, claimed[1].id}, "w1", "connection refused",
                                                         t + std::chrono::minutes(attempt), 3);
    EXPECT_EQ(dead.size(), attempt == 3 ? 2u : 0u);
    if (attempt < 3) {
      EXPECT_TRUE(persistence::claim_reminders(app(), "w1", t, 60, 10).empty()) << "not before its next attempt";
      EXPECT_EQ(persistence::reminder_counts(app()).retrying, 2);
    }
    t += std::chrono::minutes(attempt);
  }
  EXPECT_EQ(persistence::reminder_counts(app()).dead, 2);
  EXPECT_TRUE(persistence::claim_reminders(app(), "w1", t + std::chrono::hours(24), 60, 10).empty());
  EXPECT_EQ(scalar("SELECT count(*) FROM audit_event WHERE entity_type = 'reminder' AND action = 'given_up' "
                   "AND comment = 'connection refused'"),
            "2");
  EXPECT_EQ(scalar("SELECT count(*) FROM reminder_outbox WHERE last_error = 'connection refused'"), "2");
  EXPECT_EQ(scalar("SELECT string_agg(DISTINCT k, ',' ORDER BY k) FROM audit_event, jsonb_object_keys(changes) AS k "
                   "WHERE entity_type = 'reminder'"),
            "attempts,channel,period,recipient_id,rule,sheet_id,state");
  EXPECT_EQ(scalar(kEventMatchesItsRow), "2");

  const auto one = persistence::requeue_reminders(app(), std::stoll(scalar("SELECT min(id) FROM reminder_outbox")), false, t, "cli:test");
  EXPECT_EQ(one.size(), 1u);
  EXPECT_EQ(persistence::reminder_counts(app()).dead, 1);
  EXPECT_EQ(persistence::requeue_reminders(app(), std::nullopt, true, t, "cli:test").size(), 1u);
  const auto c = persistence::reminder_counts(app());
  EXPECT_EQ(c.dead, 0);
  EXPECT_EQ(c.pending, 2);
  EXPECT_EQ(persistence::claim_reminders(app(), "w1", t, 60, 10).size(), 2u);
  EXPECT_EQ(scalar("SELECT count(*) FROM audit_event WHERE action = 'requeue'"), "2");
}

TEST_F(ReminderOutbox, InboxReminderIsDeliveredOnceWithItsSentMark) {
  persistence::record_reminders(app(), {row(tanaka, sheet17, "inbox")}, now, days);
  const auto claimed = persistence::claim_reminders(app(), "w1", now, 60, 10);
  ASSERT_EQ(claimed.size(), 1u);
  const std::vector<persistence::InboxMessage> inbox = {{claimed[0].id, "シート17 検討中", "本文"}};
  EXPECT_EQ(persistence::mark_reminders_sent(app(), {claimed[0].id}, "w1", "<i@x>", now, inbox).size(), 1u);
  EXPECT_TRUE(persistence::mark_reminders_sent(app(), {claimed[0].id}, "w1", "<i@x>", now, inbox).empty());
  EXPECT_EQ(scalar("SELECT count(*) || ' ' || min(title) || ' ' || CAST(bool_and(read_at IS NULL) AS text) FROM notification_inbox "
                   "WHERE user_id = " + std::to_string(tanaka)),
            "1 シート17 検討中 true");
}

TEST_F(ReminderOutbox, SecondDigestOfADayWaitsForTheNextBusinessDay) {
  persistence::record_reminders(app(), {row(kacho, sheet6)}, now, days);
  const auto claimed = persistence::claim_reminders(app(), "w1", now, 60, 10);
  persistence::mark_reminders_sent(app(), {claimed[0].id}, "w1", "<a@x>", now);
  persistence::record_reminders(app(), {row(kacho, sheet17), row(tanaka, sheet17, "email")}, now + std::chrono::hours(1), days);
  EXPECT_EQ(scalar("SELECT to_char(digest_day, 'YYYY-MM-DD') FROM reminder_outbox WHERE recipient_id = " + std::to_string(kacho) +
                   " AND sheet_id = " + std::to_string(sheet17)),
            "2020-06-04");
  EXPECT_EQ(scalar("SELECT to_char(digest_day, 'YYYY-MM-DD') FROM reminder_outbox WHERE recipient_id = " + std::to_string(tanaka)),
            "2020-06-03");
  const auto later = persistence::claim_reminders(app(), "w1", now + std::chrono::hours(2), 60, 10);
  ASSERT_EQ(later.size(), 1u);
  EXPECT_EQ(later[0].login, "tanaka");
  persistence::mark_reminders_sent(app(), {later[0].id}, "w1", "<b@x>", now + std::chrono::hours(2));
  const auto next_day = persistence::claim_reminders(app(), "w1", at("2020-06-04T09:00:00+09:00"), 60, 10);
  ASSERT_EQ(next_day.size(), 1u);
  EXPECT_EQ(next_day[0].login, "kacho");
  EXPECT_EQ(next_day[0].digest_day, "2020-06-04");
}

TEST_F(ReminderOutbox, StoppingHandsBackWhatIsClaimedWithoutCountingTheAttempt) {
  persistence::record_reminders(app(), {row(kacho, sheet6), row(tanaka, sheet17, "inbox")}, now, days);
  ASSERT_EQ(persistence::claim_reminders(app(), "w1", now, 600, 10).size(), 2u);
  EXPECT_EQ(persistence::release_reminder_claims(app(), "w1"), 2);
  const auto again = persistence::claim_reminders(app(), "w2", now, 600, 10);
  ASSERT_EQ(again.size(), 2u);
  EXPECT_EQ(again[0].attempts, 1);
}
