#pragma once
// How a subcommand plugs into the CLI: each commands/<name>.cpp defines one
// `void setup_<name>(CLI::App& app)` that adds its subcommand (args struct, options, and a
// callback that runs it). main.cpp calls each setup function once: the one registration point.
#include <CLI/CLI.hpp>

namespace critnet::cli {

void setup_info(CLI::App& app);
void setup_report(CLI::App& app);
void setup_fit(CLI::App& app);
void setup_train(CLI::App& app);

}  // namespace critnet::cli
