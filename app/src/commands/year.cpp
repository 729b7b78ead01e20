// shinchoku year …: fiscal years: open, close, reopen, status.
#include "../cli_support.hpp"

namespace app {

void register_year_commands(CLI::App& /*cli*/, CliContext& /*ctx*/) {}

}  // namespace app
