#pragma once
// `shinchoku <command>`: the command line (DESIGN.md §5). Exit codes: 0 done, 1 refused
// (bad input, failed check), 2 usage error.
namespace app {

enum ExitCode : int { kDone = 0, kRefused = 1, kUsage = 2 };

int run_cli(int argc, char** argv);

}  // namespace app
