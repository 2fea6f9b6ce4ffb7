#pragma once
/// Umbrella header: all of critnet's public API.
#include "critnet/analysis/distributions.h"
#include "critnet/analysis/powerlaw.h"
#include "critnet/core/error.h"
#include "critnet/core/version.h"
#include "critnet/nn/mlp.h"
#include "critnet/regularizers/critical.h"
