// shinchoku audit …: the audit trail: verify, keygen, checkpoint, log.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "../cli_support.hpp"
#include "engine/errors.hpp"
#include "persistence/audit_log.hpp"
#include "persistence/audit_verify.hpp"
#include "persistence/checkpoint.hpp"
#include "persistence/database.hpp"

namespace app {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

// ---- keys ------------------------------------------------------------------------------------

fs::path default_key_file() {
  const char* home = std::getenv("HOME");
  if (home == nullptr || *home == '\0') {
    throw engine::DomainError("HOME is not set: name the key file with --key-file PATH (outside the repository)");
  }
  return fs::path(home) / ".config" / "shinchoku" / "audit-ed25519.key";
}

fs::path key_file_or_default(const std::string& given) { return given.empty() ? default_key_file() : fs::path(given); }

// Whether `p` lies in `root`, after resolving symbolic links of the parts that exist.
bool is_inside(const fs::path& p, const fs::path& root) {
  const fs::path a = fs::weakly_canonical(fs::absolute(p));
  const fs::path r = fs::weakly_canonical(fs::absolute(root));
  auto ai = a.begin();
  for (auto ri = r.begin(); ri != r.end(); ++ri) {
    if (ri->empty()) continue;  // a trailing separator
    if (ai == a.end() || *ai != *ri) return false;
    ++ai;
  }
  return true;
}

struct KeygenOptions {
  std::string key_file;
  bool force = false;
  std::string format = "text";
};

int audit_keygen(const KeygenOptions& o) {
  const fs::path key_file = key_file_or_default(o.key_file);
  // A private key in the source tree is one `git add` away from being published.
  if (is_inside(key_file, SHINCHOKU_SOURCE_DIR)) {
    throw engine::DomainError(fmt::format("{} is inside the source tree {}: keep the private key outside the repository "
                                          "(default {})", key_file.string(), SHINCHOKU_SOURCE_DIR, default_key_file().string()));
  }
  const std::string public_key = persistence::write_key_pair(key_file, o.force);
  spdlog::info("audit keygen: wrote {} (0600) and {}.pub", key_file.string(), key_file.string());
  if (o.format == "json") {
    print_json({{"public_key", public_key}, {"key_file", key_file.string()}, {"public_key_file", key_file.string() + ".pub"}});
  } else {
    std::cout << fmt::format("public key: {}\n", public_key);
    std::cout << fmt::format("private key: {} (mode 0600): keep it here, never in the repository or on the database server\n",
                             key_file.string());
    std::cout << fmt::format("public key file: {}.pub: give it to the auditors, who verify with --pubkey\n", key_file.string());
  }
  return kDone;
}

// ---- checkpoint ------------------------------------------------------------------------------

struct CheckpointOptions {
  std::string key_file;
  std::string output;
};

int audit_checkpoint(const GlobalOptions& g, const CheckpointOptions& o) {
  Config cfg = load(g);
  const auto key = persistence::read_signing_key(key_file_or_default(o.key_file));
  soci::session sql;
  persistence::open_session(sql, cfg.database.url);
  const auto checkpoint = persistence::create_checkpoint(sql, key);
  const std::string text = json::serialize(persistence::checkpoint_json(checkpoint)) + "\n";
  long long events = 0;
  for (const auto& c : checkpoint.chains) events += c.length;
  spdlog::info("audit checkpoint: {} chains, {} events, merkle root {}, key {}", checkpoint.chains.size(), events,
               checkpoint.merkle_root, checkpoint.public_key);
  if (o.output.empty() || o.output == "-") {
    std::cout << text;
    std::cout.flush();
    return kDone;
  }
  // Written beside the target and renamed, so that a failure never leaves half a checkpoint.
  const std::string tmp = o.output + ".partial";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw engine::DomainError(fmt::format("{}: cannot write the file", o.output));
    out << text;
    if (!out.flush()) throw engine::DomainError(fmt::format("{}: cannot write the file", o.output));
  }
  fs::rename(tmp, o.output);
  std::cout << fmt::format("checkpoint of {}: {} chains, {} events, merkle root {}, signed by {}; written to {}\n",
                           checkpoint.created_at, checkpoint.chains.size(), events, checkpoint.merkle_root, checkpoint.public_key,
                           o.output);
  return kDone;
}

// ---- verify ----------------------------------------------------------------------------------

struct VerifyCommandOptions {
  std::vector<std::string> checkpoints;
  std::string pubkey;
  std::string format = "text";
};

int audit_verify(const GlobalOptions& g, const VerifyCommandOptions& o) {
  Config cfg = load(g);
  persistence::VerifyOptions options;
  for (const auto& file : o.checkpoints) options.checkpoints.push_back({file, read_file(file)});
  if (!o.pubkey.empty()) options.trusted_public_key = persistence::read_public_key(o.pubkey);
  soci::session sql;
  persistence::open_session(sql, cfg.database.url);
  const auto report = persistence::verify_audit(sql, options);
  if (o.format == "json") {
    print_json(persistence::verify_report_json(report));
  } else {
    std::cout << persistence::verify_report_text(report);
  }
  if (report.failure) spdlog::error("audit verify: {}", persistence::describe_failure(*report.failure));
  return report.ok() ? kDone : kRefused;
}

// ---- log -------------------------------------------------------------------------------------

struct LogOptions {
  int year = 0;
  int sheet = 0;
  std::string measure;
  std::string actor;
  std::string since;
  std::string until;
  std::string format = "text";
};

int audit_log(const GlobalOptions& g, const LogOptions& o) {
  Config cfg = load(g);
  persistence::TimeRange range;
  if (!o.since.empty()) range.since = persistence::parse_time_argument(o.since);
  if (!o.until.empty()) range.until = persistence::parse_time_argument(o.until);
  if (range.since && range.until && *range.until <= *range.since) {
    throw engine::DomainError(fmt::format("--until {} is not after --since {}", o.until, o.since));
  }
  soci::session sql;
  persistence::open_session(sql, cfg.database.url);
  std::vector<persistence::LoggedEvent> events;
  if (!o.measure.empty()) {
    events = persistence::measure_events(sql, o.measure, range);
  } else if (!o.actor.empty()) {
    events = persistence::actor_events(sql, o.actor, range);
  } else {
    auto id = persistence::find_sheet_id(sql, o.year, o.sheet);
    if (!id) throw engine::DomainError(fmt::format("fiscal year {} has no sheet {}", o.year, o.sheet));
    events = persistence::sheet_events(sql, *id, range);
  }
  if (o.format == "json") {
    std::cout << persistence::events_json(events);
  } else if (o.format == "jsonl") {
    std::cout << persistence::events_jsonl(events);
  } else if (o.format == "csv") {
    std::cout << persistence::events_csv(events);
  } else {
    std::cout << persistence::events_text(events);
  }
  std::cout.flush();
  return kDone;
}

// A --since/--until that is not a time is a usage error, like any malformed option value.
CLI::Validator time_argument() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        try {
          persistence::parse_time_argument(text);
          return "";
        } catch (const engine::DomainError& e) {
          return e.what();
        }
      },
      "TIME");
}

}  // namespace

void register_audit_commands(CLI::App& cli, CliContext& ctx) {
  auto* audit = cli.add_subcommand("audit", "The audit trail: verify its hash chains, sign checkpoints, read its history");
  audit->require_subcommand(1);

  auto keygen_options = std::make_shared<KeygenOptions>();
  auto* keygen = audit->add_subcommand(
      "keygen", "Make the Ed25519 key pair that signs checkpoints: the private key (mode 0600, outside the repository) and "
                "PATH.pub; prints the public key");
  keygen->add_option("--key-file", keygen_options->key_file, "Private key file (default: $HOME/.config/shinchoku/audit-ed25519.key)");
  keygen->add_flag("--force", keygen_options->force, "Replace an existing key (checkpoints signed with it keep only their own key)");
  keygen->add_option("--format", keygen_options->format, "text or json")->check(CLI::IsMember({"text", "json"}))->default_val("text");
  keygen->callback([&ctx, keygen_options] { ctx.action = [keygen_options] { return audit_keygen(*keygen_options); }; });

  auto checkpoint_options = std::make_shared<CheckpointOptions>();
  auto* checkpoint = audit->add_subcommand(
      "checkpoint", "Verify the audit trail and write a signed checkpoint of it (time, each chain's length and head, their "
                    "Merkle root) for auditors to keep outside the database");
  checkpoint->add_option("--key-file", checkpoint_options->key_file,
                         "Private key file (default: $HOME/.config/shinchoku/audit-ed25519.key)");
  checkpoint->add_option("-o,--output", checkpoint_options->output, "Write to FILE instead of standard output");
  checkpoint->callback([&ctx, checkpoint_options] {
    ctx.action = [&ctx, checkpoint_options] { return audit_checkpoint(ctx.global, *checkpoint_options); };
  });

  auto verify_options = std::make_shared<VerifyCommandOptions>();
  auto* verify = audit->add_subcommand(
      "verify", "Recompute every hash chain, check every sheet against the replay of its history and the history against "
                "checkpoints; exit 1 naming the first event that fails");
  auto* checkpoint_opt = verify->add_option("--checkpoint", verify_options->checkpoints,
                                            "A checkpoint file the history must still extend (repeatable)");
  verify->add_option("--pubkey", verify_options->pubkey,
                     "The public key (64 hex digits, or a .pub file) checkpoints must be signed with")
      ->needs(checkpoint_opt);
  verify->add_option("--format", verify_options->format, "text or json")->check(CLI::IsMember({"text", "json"}))->default_val("text");
  verify->callback([&ctx, verify_options] {
    ctx.action = [&ctx, verify_options] { return audit_verify(ctx.global, *verify_options); };
  });

  auto log_options = std::make_shared<LogOptions>();
  auto* log = audit->add_subcommand(
      "log", "The history: one sheet's timeline (--year Y --sheet N), a measure across years (--measure KEY) or an actor's "
             "actions (--actor LOGIN), within [--since, --until)");
  auto* year = log->add_option("--year", log_options->year, "Fiscal year of the sheet (2019 = 令和元年度)");
  auto* sheet = log->add_option("--sheet", log_options->sheet, "Sheet number within --year");
  auto* measure = log->add_option("--measure", log_options->measure, "A measure's key (e.g. M10): its sheets in every year");
  auto* actor = log->add_option("--actor", log_options->actor, "A login, cli:<os user> or system: what it did");
  year->needs(sheet);
  sheet->needs(year);
  measure->excludes(year)->excludes(sheet)->excludes(actor);
  actor->excludes(year)->excludes(sheet);
  log->add_option("--since", log_options->since, "Events at or after this time (RFC 3339, or a date meaning 00:00 JST)")
      ->check(time_argument());
  log->add_option("--until", log_options->until, "Events before this time (RFC 3339, or a date meaning 00:00 JST)")
      ->check(time_argument());
  log->add_option("--format", log_options->format, "text, json, jsonl or csv")
      ->check(CLI::IsMember({"text", "json", "jsonl", "csv"}))
      ->default_val("text");
  log->callback([&ctx, log_options, year, measure, actor] {
    if (year->count() == 0 && measure->count() == 0 && actor->count() == 0) {
      throw CLI::ValidationError("audit log", "say whose history: --year Y --sheet N, --measure KEY or --actor LOGIN");
    }
    ctx.action = [&ctx, log_options] { return audit_log(ctx.global, *log_options); };
  });
}

}  // namespace app
