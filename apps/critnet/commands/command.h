#pragma once
// How a subcommand plugs into the CLI: each commands/<name>.cpp defines one
// `void setup_<name>(CLI::App& app)` that adds its subcommand (args struct, options, and a
// callback that runs it). main.cpp calls each setup function once: the one registration point.
#include <CLI/CLI.hpp>

namespace critnet::cli {

void setup_info(CLI::App& app);
void setup_report(CLI::App& app);
void setup_fit(CLI::App& app);
void setup_rg(CLI::App& app);
void setup_rg_flow(CLI::App& app);
void setup_gaussian(CLI::App& app);
void setup_meanfield(CLI::App& app);
void setup_train(CLI::App& app);
void setup_probe(CLI::App& app);
void setup_reproduce(CLI::App& app);
void setup_sweep(CLI::App& app);
void setup_htsr(CLI::App& app);
void setup_edge(CLI::App& app);

}  // namespace critnet::cli
