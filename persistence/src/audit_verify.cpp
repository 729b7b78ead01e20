#include "persistence/audit_verify.hpp"

#include <soci/postgresql/soci-postgresql.h>

#include <charconv>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
#include <cstdlib>
#include <iterator>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>

#include <fmt/format.h>

#include "persistence/audit_log.hpp"
#include "persistence/connection.hpp"
#include "persistence/sha256.hpp"
#include "sql_files.hpp"

namespace persistence {

namespace json = boost::json;

namespace {

// ---- libpq on the session's connection -------------------------------------------------------
// verify streams through a server-side cursor, which SOCI cannot FETCH from; SOCI's PostgreSQL
// session exposes its PGconn (TOOLCHAIN.md).

PGconn* connection_of(soci::session& sql) {
  if (sql.get_backend() == nullptr || sql.get_backend_name() != "postgresql") {
    throw DatabaseError("audit verify needs an open PostgreSQL session");
  }
  return static_cast<soci::postgresql_session_backend*>(sql.get_backend())->conn_;
}

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

Result run(PGconn* conn, const std::string& query_name) {
  Result r(PQexec(conn, sql_text(query_name).c_str()));
  auto status = PQresultStatus(r.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    std::string reason = r ? PQresultErrorMessage(r.get()) : PQerrorMessage(conn);
    while (!reason.empty() && (reason.back() == '\n' || reason.back() == ' ')) reason.pop_back();
    throw DatabaseError(fmt::format("{}: {}", query_name, reason));
  }
  return r;
}

// Ends the read-only transaction whatever happens; verify writes nothing, so it rolls back.
class ReadOnlyTransaction {
 public:
  explicit ReadOnlyTransaction(PGconn* conn) : conn_(conn) { run(conn_, "audit_verify/begin_snapshot.sql"); }
  ~ReadOnlyTransaction() { PQclear(PQexec(conn_, "ROLLBACK")); }
  ReadOnlyTransaction(const ReadOnlyTransaction&) = delete;
  ReadOnlyTransaction& operator=(const ReadOnlyTransaction&) = delete;

 private:
  PGconn* conn_;
};

// Fetches the stream's batches on a thread of its own, up to kAhead batches ahead of the
// verifier, so that the server produces rows while the client hashes and replays them instead
// of each waiting for the other. The connection belongs to the fetching thread from
// construction until the destructor has joined it; the destructor stops it early when the
// verifier stops (a failure) and waits for the FETCH in flight. A database error reaches the
// caller of next().
class Prefetcher {
 public:
  explicit Prefetcher(PGconn* conn) : conn_(conn), thread_([this] { fetch_all(); }) {}
  ~Prefetcher() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    changed_.notify_all();
    thread_.join();
  }
  Prefetcher(const Prefetcher&) = delete;
  Prefetcher& operator=(const Prefetcher&) = delete;

  // The next batch; an empty result at the end of the stream.
  Result next() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return !ready_.empty() || error_ || done_; });
    if (ready_.empty()) {
      if (error_) std::rethrow_exception(error_);
      return Result(PQmakeEmptyPGresult(conn_, PGRES_TUPLES_OK));
    }
    Result r = std::move(ready_.front());
    ready_.pop_front();
    changed_.notify_all();
    return r;
  }

 private:
  static constexpr std::size_t kAhead = 2;

  void fetch_all() {
    try {
      for (;;) {
        {
          std::unique_lock lock(mutex_);
          changed_.wait(lock, [this] { return stop_ || ready_.size() < kAhead; });
          if (stop_) break;
        }
        Result batch = run(conn_, "audit_verify/fetch_stream.sql");
        const bool last = PQntuples(batch.get()) == 0;
        {
          std::lock_guard lock(mutex_);
          if (!last) ready_.push_back(std::move(batch));
          done_ = last;
        }
        changed_.notify_all();
        if (last) break;
      }
    } catch (...) {
      std::lock_guard lock(mutex_);
      error_ = std::current_exception();
    }
    changed_.notify_all();
  }

  PGconn* conn_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Result> ready_;
  bool stop_ = false;
  bool done_ = false;
  std::exception_ptr error_;
  std::thread thread_;  // last: starts once everything above is constructed
};

std::optional<std::string> value(PGresult* r, int row, int col) {
  if (PQgetisnull(r, row, col)) return std::nullopt;
  return std::string(PQgetvalue(r, row, col), static_cast<std::size_t>(PQgetlength(r, row, col)));
}

std::string text(PGresult* r, int row, int col) { return value(r, row, col).value_or(""); }

long long number(PGresult* r, int row, int col) { return std::strtoll(PQgetvalue(r, row, col), nullptr, 10); }

// ---- values in messages ----------------------------------------------------------------------

std::string shown(const json::value* v) {
  if (v == nullptr) return "nothing";
  std::string s = json::serialize(*v);
  if (s.size() > 80) {
    // Cut on a UTF-8 boundary.
    std::size_t cut = 77;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
    s = s.substr(0, cut) + "…";
  }
  return s;
}

// Two values that differ; for two texts, where they part (long texts are shown around it).
std::string difference(const json::value* a, const json::value* b, const std::string& replay) {
  if (a == nullptr || b == nullptr || !a->is_string() || !b->is_string()) return fmt::format("{}, {} gives {}", shown(a), replay, shown(b));
  const std::string_view x = a->as_string(), y = b->as_string();
  std::size_t at = 0;
  while (at < x.size() && at < y.size() && x[at] == y[at]) ++at;
  while (at > 0 && ((at < x.size() && (static_cast<unsigned char>(x[at]) & 0xC0) == 0x80) ||
                    (at < y.size() && (static_cast<unsigned char>(y[at]) & 0xC0) == 0x80))) {
    --at;  // back to the start of the character where they differ
  }
  if (x.size() <= 80 && y.size() <= 80) return fmt::format("{}, {} gives {}", shown(a), replay, shown(b));
  auto around = [at](std::string_view s) {
    std::size_t from = at > 30 ? at - 30 : 0;
    while (from > 0 && (static_cast<unsigned char>(s[from]) & 0xC0) == 0x80) --from;
    std::size_t to = std::min(s.size(), at + 30);
    while (to < s.size() && (static_cast<unsigned char>(s[to]) & 0xC0) == 0x80) ++to;
    return fmt::format("{}{}{}", from > 0 ? "…" : "", s.substr(from, to - from), to < s.size() ? "…" : "");
  };
  return fmt::format("{:?} ({} bytes), {} gives {:?} ({} bytes); they differ from byte {}", around(x), x.size(), replay,
                     around(y), y.size(), at);
}

std::string events_word(long long n) { return n == 1 ? "1 event" : fmt::format("{} events", n); }

std::string short_hash(std::string_view h) { return h.size() > 16 ? std::string(h.substr(0, 16)) + "…" : std::string(h); }

// ---- the stream ------------------------------------------------------------------------------

enum class Kind { event = 0, head = 1, sheet_row = 2 };

struct CheckpointEntry {
  long long length = 0;
  std::string head;
  const CheckpointSummary* from = nullptr;
  bool seen = false;
};
using ChainKey = std::pair<std::string, std::string>;
using CheckpointIndex = std::map<ChainKey, std::vector<CheckpointEntry>>;

std::string checkpoint_label(const CheckpointSummary& s) { return fmt::format("checkpoint {} of {}", s.name, s.created_at); }

// Checks one chain at a time as the stream delivers it: its events, then its head row, then
// (for sheets) its row. Keeps only the current chain's state; after a chain's first anomaly it
// keeps the rest of that chain to tell a reordering from a removal or a rewrite.
class Verifier {
 public:
  Verifier(VerifyReport& report, CheckpointIndex& checkpoints, const ChainVisitor& visit)
      : report_(report), checkpoints_(checkpoints), visit_(visit) {}

  bool failed() const { return report_.failure.has_value(); }

  void row(PGresult* r, int i) {
    const auto kind = static_cast<Kind>(number(r, i, 0));
    std::string type = text(r, i, 1), id = text(r, i, 2);
    if (!group_ || group_->type != type || group_->id != id) {
      if (group_) end_group();
      if (failed()) return;
      start_group(std::move(type), std::move(id));
    }
    switch (kind) {
      case Kind::event: {
        StoredEvent e;
        e.entity_type = group_->type;
        e.entity_id = group_->id;
        e.chain_position = number(r, i, 3);
        e.id = number(r, i, 4);
        e.occurred_at = text(r, i, 5);
        e.actor = text(r, i, 6);
        e.actor_grant = value(r, i, 7);
        e.action = text(r, i, 8);
        e.changes = text(r, i, 9);
        e.comment = value(r, i, 10);
        e.request_id = value(r, i, 11);
        e.prev_hash = value(r, i, 12);
        e.hash = text(r, i, 13);
        event(std::move(e));
        break;
      }
      case Kind::head:
        group_->head_length = number(r, i, 3);
        group_->head_hash = text(r, i, 13);
        break;
      case Kind::sheet_row:
        group_->row = text(r, i, 9);
        break;
    }
  }

  void finish() {
    if (group_ && !failed()) end_group();
    group_.reset();
    if (failed()) return;
    // Chains a checkpoint holds that the stream never showed: removed whole.
    for (const auto& [key, entries] : checkpoints_) {
      for (const auto& entry : entries) {
        if (entry.seen) continue;
        fail(key.first, key.second, 1, audit_reason::kCheckpointNotExtended,
             fmt::format("{} recorded {} events of this chain ending in hash {}; the trail has none of them",
                         checkpoint_label(*entry.from), entry.length, short_hash(entry.head)),
             std::nullopt, entry.from->name);
        return;
      }
    }
  }

 private:
  struct Pending {
    StoredEvent event;
    std::string computed;  // the hash of its bytes as stored
  };
  struct Group {
    std::string type, id;
    long long events = 0;
    long long expected = 1;                  // the next position an intact chain has
    std::optional<std::string> last_hash;    // hash of the event at expected - 1
    std::optional<long long> last_event_id;
    bool anomalous = false;
    std::vector<Pending> pending;            // the chain from its first anomaly on
    std::optional<long long> head_length;
    std::string head_hash;
    std::optional<std::string> row;          // the sheet row, rendered
    json::object replay;
    std::vector<CheckpointEntry*> checkpoint_entries;
    std::map<long long, std::string> hash_at;  // hashes at the positions the checkpoints name
  };

  void start_group(std::string type, std::string id) {
    group_.emplace();
    group_->type = std::move(type);
    group_->id = std::move(id);
    auto it = checkpoints_.find({group_->type, group_->id});
    if (it != checkpoints_.end()) {
      for (auto& entry : it->second) group_->checkpoint_entries.push_back(&entry);
    }
  }

  void event(StoredEvent e) {
    Group& g = *group_;
    ++report_.events;
    ++g.events;
    std::string computed = event_hash_hex(e);
    if (!g.anomalous) {
      if (e.chain_position == g.expected && computed == e.hash && e.prev_hash == g.last_hash) {
        g.last_hash = e.hash;
        g.last_event_id = e.id;
        ++g.expected;
        for (const auto* entry : g.checkpoint_entries) {
          if (entry->length == e.chain_position) g.hash_at[e.chain_position] = e.hash;
        }
        if (g.type == "sheet") {
          // Parsed into a buffer reused from event to event; apply_changes copies what it keeps.
          json::monotonic_resource scratch(parse_buffer_.get(), kParseBuffer);
          auto changes = json::parse(e.changes, &scratch);
          if (changes.is_object()) apply_changes(g.replay, changes.as_object());
        }
        return;
      }
      g.anomalous = true;
    }
    g.pending.push_back({std::move(e), std::move(computed)});
  }

  void fail(const std::string& type, const std::string& id, std::optional<long long> position, std::string_view reason,
            std::string detail, std::optional<long long> event_id = std::nullopt,
            std::optional<std::string> checkpoint = std::nullopt) {
    report_.failure = VerifyFailure{type, id, position, std::string(reason), std::move(detail), event_id, std::move(checkpoint)};
  }

  void end_group() {
    Group& g = *group_;
    for (auto* entry : g.checkpoint_entries) entry->seen = true;
    if (g.events == 0) {
      if (g.head_length) {
        fail(g.type, g.id, 1, audit_reason::kEventMissing,
             fmt::format("the chain head records {} events ending in hash {}; the trail has none of them", *g.head_length,
                         short_hash(g.head_hash)));
      } else if (g.row) {
        fail(g.type, g.id, 1, audit_reason::kEventMissing,
             fmt::format("{} exists but has no events: its creation is not in the trail", sheet_label(g)));
      }
      return;
    }
    ++report_.chains;
    if (g.anomalous) {
      classify(g);
      return;
    }
    const long long n = g.expected - 1;
    if (!check_head(g, n) || !check_checkpoints(g, n)) return;
    if (g.type == "sheet" && !check_sheet_row(g, n)) return;
    if (visit_) visit_(ChainHead{g.type, g.id, n, *g.last_hash});
  }

  std::string sheet_label(const Group& g) const {
    if (g.row) {
      auto row = json::parse(*g.row);
      if (row.is_object() && row.as_object().contains("fiscal_year") && row.as_object().contains("sheet_no")) {
        return fmt::format("sheet {} ({} no. {})", g.id, json::serialize(row.at("fiscal_year")), json::serialize(row.at("sheet_no")));
      }
    }
    return fmt::format("sheet {}", g.id);
  }

  bool check_head(Group& g, long long n) {
    if (!g.head_length) {
      fail(g.type, g.id, n, audit_reason::kHeadDiffers,
           fmt::format("the chain has {} events but no row in audit_chain_head: they were written without the trigger that "
                       "extends the chain, or the head was removed", n),
           g.last_event_id);
      return false;
    }
    if (*g.head_length > n) {
      fail(g.type, g.id, n + 1, audit_reason::kEventMissing,
           fmt::format("the chain head records {} events ending in hash {}; the trail ends at position {}", *g.head_length,
                       short_hash(g.head_hash), n));
      return false;
    }
    if (*g.head_length < n) {
      fail(g.type, g.id, *g.head_length + 1, audit_reason::kHeadDiffers,
           fmt::format("the chain head records only {} events; positions {} to {} were written without the trigger that "
                       "extends the chain, or the head was rewritten", *g.head_length, *g.head_length + 1, n));
      return false;
    }
    if (g.head_hash != *g.last_hash) {
      fail(g.type, g.id, n, audit_reason::kHeadDiffers,
           fmt::format("the chain head records hash {} for position {}, but the event there hashes to {}: the event was "
                       "rewritten with its hash recomputed, or the head was", short_hash(g.head_hash), n, short_hash(*g.last_hash)),
           g.last_event_id);
      return false;
    }
    return true;
  }

  bool check_checkpoints(Group& g, long long n) {
    for (const auto* entry : g.checkpoint_entries) {
      if (entry->length > n) {
        fail(g.type, g.id, n + 1, audit_reason::kCheckpointNotExtended,
             fmt::format("{} recorded {} events ending in hash {}; the chain now ends at position {}", checkpoint_label(*entry->from),
                         entry->length, short_hash(entry->head), n),
             std::nullopt, entry->from->name);
        return false;
      }
      const std::string& now = g.hash_at.at(entry->length);
      if (now != entry->head) {
        fail(g.type, g.id, entry->length, audit_reason::kCheckpointNotExtended,
             fmt::format("{} recorded hash {} for position {}; the event there now hashes to {}: the chain up to it was "
                         "rewritten", checkpoint_label(*entry->from), short_hash(entry->head), entry->length, short_hash(now)),
             std::nullopt, entry->from->name);
        return false;
      }
    }
    return true;
  }

  bool check_sheet_row(Group& g, long long n) {
    if (!g.row) {
      const json::value replayed(g.replay);
      fail(g.type, g.id, n, audit_reason::kRowDiffers,
           fmt::format("the chain replays to a sheet ({}), but no sheet row has id {}", shown(&replayed), g.id),
           g.last_event_id);
      return false;
    }
    ++report_.sheets;
    json::value parsed = json::parse(*g.row);
    const json::object& row = parsed.as_object();
    json::object replay = g.replay;
    // A flag the schema added later, with a default, replays as its default until an event sets it.
    if (row.contains("retired") && !replay.contains("retired")) replay["retired"] = false;
    std::set<std::string> keys;
    for (const auto& [k, v] : row) keys.emplace(k);
    for (const auto& [k, v] : replay) keys.emplace(k);
    for (const auto& k : keys) {
      const json::value* in_row = row.if_contains(k);
      const json::value* replayed = replay.if_contains(k);
      if (in_row != nullptr && replayed != nullptr && *in_row == *replayed) continue;
      fail(g.type, g.id, n, audit_reason::kRowDiffers,
           fmt::format("{}: field {} of the row is {}", sheet_label(g), k,
                       difference(in_row, replayed, fmt::format("the replay of its {}", events_word(n)))),
           g.last_event_id);
      return false;
    }
    return true;
  }

  // The chain went wrong at its first pending event. If its events are all there and intact in
  // the order their prev_hash links give, only their positions were changed: the order is broken.
  // Otherwise the first anomaly names the failure.
  void classify(Group& g) {
    const long long k = g.expected - 1;  // intact prefix
    const auto& first = g.pending.front();
    if (auto moved = reordered(g, k)) {
      const auto& [stored_at, belongs_at, event_id] = *moved;
      fail(g.type, g.id, stored_at, audit_reason::kOrderBroken,
           fmt::format("position {} holds the event that belongs at position {}: every event is intact, but their positions "
                       "disagree with the order their hashes link them in (events were reordered)", stored_at, belongs_at),
           event_id);
      return;
    }
    const StoredEvent& e = first.event;
    if (e.chain_position > g.expected) {
      fail(g.type, g.id, g.expected, audit_reason::kEventMissing,
           g.expected == 1 ? fmt::format("the chain starts at position {}", e.chain_position)
                           : fmt::format("position {} is absent: the chain goes from position {} to {}", g.expected, g.expected - 1,
                                         e.chain_position));
      return;
    }
    if (first.computed != e.hash) {
      fail(g.type, g.id, e.chain_position, audit_reason::kContentChanged,
           fmt::format("event {}: its fields hash to {}, but its stored hash is {}", e.id, short_hash(first.computed), short_hash(e.hash)),
           e.id);
      return;
    }
    if (g.expected == 1) {
      fail(g.type, g.id, 1, audit_reason::kOrderBroken,
           fmt::format("the first event records a predecessor (prev_hash {}): the chain's beginning was cut off",
                       short_hash(e.prev_hash.value_or(""))),
           e.id);
      return;
    }
    // The event verifies on its own but does not link to the one before it: that one was
    // rewritten with its hash recomputed (or an event between them was removed and the rest
    // renumbered and rehashed, which looks the same). Name the earlier event.
    fail(g.type, g.id, k, audit_reason::kContentChanged,
         fmt::format("event {} hashes to {}, but the event at position {} records prev_hash {} for it: it was rewritten and "
                     "its hash recomputed (or an event after it was removed and the rest renumbered)",
                     g.last_event_id.value_or(0), short_hash(g.last_hash.value_or("")), e.chain_position,
                     short_hash(e.prev_hash.value_or(""))),
         g.last_event_id);
  }

  // When the pending events, followed from the prefix's last hash by their prev_hash links, are
  // all there and each hashes right at the position the links give it: the first stored
  // position that holds another event than the links put there, that event's position by the
  // links, and its id.
  static std::optional<std::tuple<long long, long long, long long>> reordered(const Group& g, long long k) {
    std::multimap<std::string, std::size_t> by_prev;
    for (std::size_t i = 0; i < g.pending.size(); ++i) by_prev.emplace(g.pending[i].event.prev_hash.value_or(""), i);
    std::vector<long long> link_position(g.pending.size(), 0);
    std::string cur = g.last_hash.value_or("");
    for (long long pos = k + 1; pos <= k + static_cast<long long>(g.pending.size()); ++pos) {
      if (by_prev.count(cur) != 1) return std::nullopt;
      const std::size_t i = by_prev.find(cur)->second;
      if (link_position[i] != 0) return std::nullopt;
      const Pending& p = g.pending[i];
      if (p.event.chain_position == pos) {
        if (p.computed != p.event.hash) return std::nullopt;
      } else {
        StoredEvent at = p.event;
        at.chain_position = pos;
        if (event_hash_hex(at) != p.event.hash) return std::nullopt;
      }
      link_position[i] = pos;
      cur = p.event.hash;
    }
    for (std::size_t i = 0; i < g.pending.size(); ++i) {
      if (link_position[i] != g.pending[i].event.chain_position) {
        return std::make_tuple(g.pending[i].event.chain_position, link_position[i], g.pending[i].event.id);
      }
    }
    return std::nullopt;
  }

  static constexpr std::size_t kParseBuffer = 64 * 1024;
  VerifyReport& report_;
  CheckpointIndex& checkpoints_;
  const ChainVisitor& visit_;
  std::optional<Group> group_;
  std::unique_ptr<unsigned char[]> parse_buffer_ = std::make_unique<unsigned char[]>(kParseBuffer);
};

}  // namespace

namespace {

// Writes the canonical form of `e` through `put(std::string_view)`: into a string, or straight
// into a SHA-256 state (verify hashes a million events without building their bytes).
template <class Put>
void write_canonical(const StoredEvent& e, Put&& put) {
  auto field = [&put](std::string_view name, const std::string* v) {
    put(name);
    if (v == nullptr) {
      put(":-\n");
      return;
    }
    char length[24];
    auto end = std::to_chars(std::begin(length), std::end(length), v->size()).ptr;
    put(":");
    put(std::string_view(length, static_cast<std::size_t>(end - length)));
    put(":");
    put(*v);
    put("\n");
  };
  auto optional = [](const std::optional<std::string>& v) { return v ? &*v : nullptr; };
  const std::string position = std::to_string(e.chain_position);
  put("shinchoku-audit-v1\n");
  field("entity_type", &e.entity_type);
  field("entity_id", &e.entity_id);
  field("chain_position", &position);
  field("occurred_at", &e.occurred_at);
  field("actor", &e.actor);
  field("actor_grant", optional(e.actor_grant));
  field("action", &e.action);
  field("changes", &e.changes);
  field("comment", optional(e.comment));
  field("request_id", optional(e.request_id));
  field("prev_hash", optional(e.prev_hash));
}

}  // namespace

std::string canonical_event_bytes(const StoredEvent& e) {
  std::string out;
  write_canonical(e, [&out](std::string_view s) { out.append(s); });
  return out;
}

std::string event_hash_hex(const StoredEvent& e) {
  // The bytes are built in one buffer per thread, reused from event to event, then hashed at once.
  thread_local std::string bytes;
  bytes.clear();
  write_canonical(e, [](std::string_view piece) { bytes.append(piece); });
  return sha256_hex(bytes);
}

VerifyReport verify_audit(soci::session& sql, const VerifyOptions& options, const ChainVisitor& on_chain, std::string* snapshot_time) {
  VerifyReport report;
  // Checkpoints first: a forged checkpoint proves nothing about the history.
  std::vector<Checkpoint> checkpoints;
  report.checkpoints.reserve(options.checkpoints.size());
  for (const auto& input : options.checkpoints) {
    Checkpoint c;
    try {
      c = parse_checkpoint(input.text);
    } catch (const std::invalid_argument& e) {
      report.failure = VerifyFailure{std::nullopt, std::nullopt, std::nullopt, std::string(audit_reason::kBadSignature),
                                     fmt::format("not a readable checkpoint: {}", e.what()), std::nullopt, input.name};
      return report;
    }
    if (auto problem = checkpoint_signature_problem(c, options.trusted_public_key)) {
      report.failure = VerifyFailure{std::nullopt, std::nullopt, std::nullopt, std::string(audit_reason::kBadSignature),
                                     *problem, std::nullopt, input.name};
      return report;
    }
    report.checkpoints.push_back({input.name, c.created_at, static_cast<long long>(c.chains.size()), c.public_key,
                                  options.trusted_public_key.has_value()});
    checkpoints.push_back(std::move(c));
  }
  CheckpointIndex index;
  for (std::size_t i = 0; i < checkpoints.size(); ++i) {
    for (const auto& ch : checkpoints[i].chains) {
      index[{ch.entity_type, ch.entity_id}].push_back({ch.length, ch.head, &report.checkpoints[i], false});
    }
  }

  PGconn* conn = connection_of(sql);
  if (PQtransactionStatus(conn) != PQTRANS_IDLE) {
    // Its own snapshot, and a rollback at the end: inside the caller's transaction it would end it.
    throw std::logic_error("verify_audit runs in a transaction of its own: call it outside any other");
  }
  ReadOnlyTransaction tx(conn);
  if (snapshot_time != nullptr) {
    auto r = run(conn, "audit_verify/snapshot_time.sql");
    *snapshot_time = text(r.get(), 0, 0);
  }
  run(conn, "audit_verify/declare_stream.sql");
  Verifier verifier(report, index, on_chain);
  {
    // The server fills the next batch while this thread checks the current one.
    Prefetcher batches(conn);
    while (!verifier.failed()) {
      Result batch = batches.next();
      const int rows = PQntuples(batch.get());
      if (rows == 0) break;
      for (int i = 0; i < rows && !verifier.failed(); ++i) verifier.row(batch.get(), i);
    }
  }  // the fetching thread has stopped: the connection is this thread's again
  verifier.finish();
  return report;
}

std::string describe_failure(const VerifyFailure& f) {
  std::string where;
  if (f.entity_type) {
    where = fmt::format("{} {}", *f.entity_type, f.entity_id.value_or(""));
    if (f.position) where += fmt::format(" position {}", *f.position);
  } else if (f.checkpoint) {
    where = fmt::format("checkpoint {}", *f.checkpoint);
  } else {
    where = "audit trail";
  }
  return fmt::format("{}: {} ({})", where, f.reason, f.detail);
}

json::object verify_report_json(const VerifyReport& report) {
  auto text_or_null = [](const std::optional<std::string>& v) { return v ? json::value(*v) : json::value(nullptr); };
  auto number_or_null = [](const std::optional<long long>& v) { return v ? json::value(*v) : json::value(nullptr); };
  json::value failure = nullptr;
  if (report.failure) {
    const auto& f = *report.failure;
    failure = json::object{{"entity_type", text_or_null(f.entity_type)}, {"entity_id", text_or_null(f.entity_id)},
                           {"position", number_or_null(f.position)},     {"reason", f.reason},
                           {"detail", f.detail},                         {"event_id", number_or_null(f.event_id)},
                           {"checkpoint", text_or_null(f.checkpoint)}};
  }
  json::array checkpoints;
  for (const auto& c : report.checkpoints) {
    checkpoints.push_back({{"file", c.name},
                           {"created_at", c.created_at},
                           {"chains", c.chains},
                           {"public_key", c.public_key},
                           {"signature_checked_against", c.key_trusted ? "--pubkey" : "the key the file names"}});
  }
  return {{"ok", report.ok()},   {"checked", report.events}, {"chains", report.chains},
          {"sheets", report.sheets}, {"failure", failure},   {"checkpoints", checkpoints}};
}

std::string verify_report_text(const VerifyReport& report) {
  std::string out;
  if (report.failure) {
    out += fmt::format("FAILED: {}\n", describe_failure(*report.failure));
    if (report.events > 0) {
      out += fmt::format("checked before it: {} in {} chains, {} sheets\n", events_word(report.events), report.chains, report.sheets);
    }
  } else {
    out += fmt::format("OK: {} events in {} chains verified; {} sheets equal the replay of their history\n", report.events,
                       report.chains, report.sheets);
  }
  for (const auto& c : report.checkpoints) {
    const std::string outcome = report.failure ? "signature good" : "the history extends it";
    if (c.key_trusted) {
      out += fmt::format("checkpoint {} of {} ({} chains): {}; signature checked against --pubkey\n", c.name, c.created_at, c.chains,
                         outcome);
    } else {
      out += fmt::format("checkpoint {} of {} ({} chains): {}; signature checked only against the key the file names ({}): pass "
                         "--pubkey to check it against a key you trust\n",
                         c.name, c.created_at, c.chains, outcome, c.public_key);
    }
  }
  return out;
}

}  // namespace persistence
