// shinchoku sheet …: sheets: show, edit, act, add, retire.
#include "../cli_support.hpp"

namespace app {

void register_sheet_commands(CLI::App& /*cli*/, CliContext& /*ctx*/) {}

}  // namespace app
