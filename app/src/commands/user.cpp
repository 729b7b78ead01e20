// shinchoku user …: users and their grants.
#include "../cli_support.hpp"

namespace app {

void register_user_commands(CLI::App& /*cli*/, CliContext& /*ctx*/) {}

}  // namespace app
