#pragma once
// A plan's grade scale. Cities grade differently, so grades are data, not an enum:
// Honjo's scale is A 達成 / B 未達成 / C 検討中 / D 中止.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace model {

struct Grade {
  std::string code;               // "A"
  std::string label;              // "達成"
  bool results_required = false;  // 成果 must be written before the sheet is submitted
  bool under_study = false;       // "still under study": the reminders chase these
  bool discontinues = false;      // the measure is stopped: its sheet is not carried into the next year
};

class GradeScale {
 public:
  // Throws std::invalid_argument on an empty scale, an empty or repeated code, or an empty label.
  explicit GradeScale(std::vector<Grade> grades);

  const std::vector<Grade>& grades() const { return grades_; }
  const Grade* find(std::string_view code) const;
  bool contains(std::string_view code) const { return find(code) != nullptr; }
  // An unknown code is neither: callers check contains() where it matters.
  bool results_required(std::string_view code) const;
  bool under_study(std::string_view code) const;
  bool discontinues(std::string_view code) const;
  // "A, B, C or D" for messages.
  std::string codes_for_message() const;

 private:
  std::vector<Grade> grades_;
};

}  // namespace model
