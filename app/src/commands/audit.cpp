// shinchoku audit …: the audit trail: verify, keygen, checkpoint, log.
#include "../cli_support.hpp"

namespace app {

void register_audit_commands(CLI::App& /*cli*/, CliContext& /*ctx*/) {}

}  // namespace app
