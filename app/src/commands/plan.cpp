// shinchoku plan show | department list
#include <filesystem>
#include <iostream>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "../cli_support.hpp"
#include <map>

#include "model/fiscal_year.hpp"
#include "persistence/database.hpp"
#include "persistence/seed.hpp"

namespace app {
namespace {

namespace json = boost::json;

model::PlanSeed read_plan_from_database(const Config& cfg) {
  soci::session sql;
  persistence::open_session(sql, cfg.database.url);
  return persistence::load_plan(sql, cfg.plan.code);
}

std::string sheets_text(const std::vector<int>& sheets) {
  if (sheets.empty()) return "";
  std::string out = sheets.size() == 1 ? "  [sheet " : "  [sheets ";
  for (std::size_t i = 0; i < sheets.size(); ++i) out += (i ? ", " : "") + std::to_string(sheets[i]);
  return out + "]";
}

int plan_show(const GlobalOptions& g, const std::string& format) {
  Config cfg = load(g);
  model::PlanSeed seed = read_plan_from_database(cfg);
  const auto& p = seed.plan;
  const auto& s = seed.structure;
  if (format == "json") {
    json::array grades;
    for (const auto& gr : p.grades) {
      grades.push_back({{"code", gr.code}, {"label", gr.label}, {"results_required", gr.results_required}, {"under_study", gr.under_study},
                        {"discontinues", gr.discontinues}});
    }
    json::array measures;
    for (const auto& m : s.measures) {
      json::array deps, sheets;
      for (const auto& d : m.related_departments) deps.emplace_back(d);
      for (int n : m.sheets) sheets.emplace_back(n);
      json::object schedule;
      for (std::size_t k = 0; k < m.schedule.size(); ++k) {
        auto label = model::FiscalYear(p.first_year + static_cast<int>(k)).short_label();
        schedule[label] = m.schedule[k].empty() ? json::value(nullptr) : json::value(m.schedule[k]);
      }
      measures.push_back({{"id", m.id}, {"policy", m.policy_id}, {"focus", m.focus_id ? json::value(*m.focus_id) : nullptr},
                          {"number", m.number ? json::value(*m.number) : nullptr}, {"title", m.title},
                          {"plan_page", m.plan_page ? json::value(*m.plan_page) : nullptr},
                          {"related_departments", deps}, {"schedule", schedule}, {"sheets", sheets},
                          {"relisted_from", m.relisted_from ? json::value(*m.relisted_from) : nullptr}});
    }
    json::array strategies, policies, focuses;
    for (const auto& x : s.strategies) strategies.push_back({{"id", x.id}, {"label", x.label}});
    for (const auto& x : s.policies) policies.push_back({{"id", x.id}, {"strategy", x.strategy_id}, {"label", x.label}});
    for (const auto& x : s.focuses) focuses.push_back({{"id", x.id}, {"policy", x.policy_id}, {"label", x.label}});
    print_json({{"code", p.code}, {"name", p.name}, {"first_year", p.first_year}, {"last_year", p.last_year},
                {"grades", grades}, {"strategies", strategies}, {"policies", policies}, {"focuses", focuses},
                {"measures", measures}});
    return kDone;
  }
  std::cout << fmt::format("{} ({}–{}, {} departments)\n", p.name, model::FiscalYear(p.first_year).label(),
                           model::FiscalYear(p.last_year).label(), seed.departments.size());
  std::cout << "grades:";
  for (const auto& gr : p.grades) {
    std::cout << fmt::format("  {} {}{}{}{}", gr.code, gr.label, gr.results_required ? " (成果 required)" : "",
                             gr.under_study ? " (under study)" : "", gr.discontinues ? " (stops the measure)" : "");
  }
  std::cout << "\n";
  if (s.strategies.empty()) {
    std::cout << "structure: not loaded (config [plan] structure is not set)\n";
    return kDone;
  }
  std::map<std::string, std::string> measure_title;
  for (const auto& m : s.measures) measure_title[m.id] = m.title;
  int total_sheets = 0;
  for (const auto& st : s.strategies) {
    std::cout << st.label << "\n";
    for (const auto& po : s.policies) {
      if (po.strategy_id != st.id) continue;
      std::cout << "  " << po.label << "\n";
      auto print_measures = [&](const std::optional<std::string>& focus, std::string_view indent) {
        for (const auto& m : s.measures) {
          if (m.policy_id != po.id || m.focus_id != focus) continue;
          total_sheets += static_cast<int>(m.sheets.size());
          std::string number = m.number ? std::to_string(*m.number) + " " : "";
          std::string page = m.plan_page ? fmt::format(" (p.{})", *m.plan_page) : "";
          std::string relisted = m.relisted_from ? fmt::format(" (再掲: {})", measure_title[*m.relisted_from]) : "";
          std::cout << fmt::format("{}{}{}{}{}{}\n", indent, number, m.title, page, relisted, sheets_text(m.sheets));
        }
      };
      print_measures(std::nullopt, "    ");
      for (const auto& fo : s.focuses) {
        if (fo.policy_id != po.id) continue;
        std::cout << "    " << fo.label << "\n";
        print_measures(fo.id, "      ");
      }
    }
  }
  std::cout << fmt::format("{} strategies, {} policies, {} focuses, {} measures, {} sheet numbers\n", s.strategies.size(),
                           s.policies.size(), s.focuses.size(), s.measures.size(), total_sheets);
  return kDone;
}

int department_list(const GlobalOptions& g, const std::string& format) {
  Config cfg = load(g);
  model::PlanSeed seed = read_plan_from_database(cfg);
  if (format == "json") {
    json::array out;
    for (const auto& d : seed.departments) {
      json::array aliases;
      for (const auto& a : d.aliases) aliases.emplace_back(a);
      out.push_back({{"code", d.code}, {"name", d.name}, {"kind", model::to_string(d.kind)}, {"aliases", aliases}});
    }
    print_json(out);
    return kDone;
  }
  for (const auto& d : seed.departments) {
    std::string aliases;
    for (const auto& a : d.aliases) aliases += (aliases.empty() ? "  aliases: " : ", ") + a;
    std::cout << fmt::format("{:<28} {:<8} {}{}\n", d.code, model::to_string(d.kind), d.name, aliases);
  }
  std::cout << fmt::format("{} departments\n", seed.departments.size());
  return kDone;
}

}  // namespace

void register_plan_commands(CLI::App& cli, CliContext& ctx) {
  auto* plan = cli.add_subcommand("plan", "The plan's structure");
  plan->require_subcommand(1);
  auto* plan_show_cmd = plan->add_subcommand("show", "Print the plan: grades, strategies, policies, focuses, measures and sheet numbers");
  add_format_option(plan_show_cmd, ctx.format);
  plan_show_cmd->callback([&] { ctx.action = [&] { return plan_show(ctx.global, ctx.format); }; });

  auto* department = cli.add_subcommand("department", "Departments");
  department->require_subcommand(1);
  auto* department_list_cmd = department->add_subcommand("list", "List departments with their codes, kinds and aliases");
  add_format_option(department_list_cmd, ctx.format);
  department_list_cmd->callback([&] { ctx.action = [&] { return department_list(ctx.global, ctx.format); }; });

}

}  // namespace app
