#include "model/grade_scale.hpp"

#include <set>
#include <stdexcept>

#include <fmt/format.h>

namespace model {

GradeScale::GradeScale(std::vector<Grade> grades) : grades_(std::move(grades)) {
  if (grades_.empty()) throw std::invalid_argument("a grade scale needs at least one grade");
  std::set<std::string, std::less<>> seen;
  for (const auto& g : grades_) {
    if (g.code.empty()) throw std::invalid_argument("a grade has an empty code");
    if (g.label.empty()) throw std::invalid_argument(fmt::format("grade {} has an empty label", g.code));
    if (!seen.insert(g.code).second) throw std::invalid_argument(fmt::format("grade {} is listed twice", g.code));
  }
}

const Grade* GradeScale::find(std::string_view code) const {
  for (const auto& g : grades_) {
    if (g.code == code) return &g;
  }
  return nullptr;
}

bool GradeScale::results_required(std::string_view code) const {
  const Grade* g = find(code);
  return g != nullptr && g->results_required;
}

bool GradeScale::under_study(std::string_view code) const {
  const Grade* g = find(code);
  return g != nullptr && g->under_study;
}

bool GradeScale::discontinues(std::string_view code) const {
  const Grade* g = find(code);
  return g != nullptr && g->discontinues;
}

std::string GradeScale::codes_for_message() const {
  std::string out;
  for (std::size_t i = 0; i < grades_.size(); ++i) {
    if (i > 0) out += (i + 1 == grades_.size()) ? " or " : ", ";
    out += grades_[i].code;
  }
  return out;
}

}  // namespace model
