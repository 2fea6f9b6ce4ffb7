#pragma once
/// Umbrella header: all of critnet's public API.
#include "critnet/core/error.h"
#include "critnet/core/version.h"
#include "critnet/nn/mlp.h"
#include "critnet/regularizers/critical.h"
