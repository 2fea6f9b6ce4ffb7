#include "critnet/analysis/distributions.h"

#include <gtest/gtest.h>

#include <cmath>

#include "critnet/core/error.h"

namespace ca = critnet::analysis;

TEST(Distributions, RankFrequency) {
  const auto c = ca::rank_frequency({3, 10, 1, 7});
  EXPECT_EQ(c.x, (std::vector<double>{1, 2, 3, 4}));
  EXPECT_EQ(c.y, (std::vector<double>{10, 7, 3, 1}));
  const auto items = ca::rank_frequency_of_items({5, 5, 5, 2, 2, 9});
  EXPECT_EQ(items.y, (std::vector<double>{3, 2, 1}));
  EXPECT_THROW(ca::rank_frequency({1, NAN}), critnet::InvalidArgument);
}

TEST(Distributions, Ccdf) {
  const auto c = ca::ccdf({1, 2, 2, 4});
  EXPECT_EQ(c.x, (std::vector<double>{1, 2, 4}));
  EXPECT_EQ(c.y, (std::vector<double>{1.0, 0.75, 0.25}));
}

TEST(Distributions, LogBinnedHistogramIsADensity) {
  std::vector<double> v;
  for (int i = 1; i <= 1000; ++i) v.push_back(i);
  const auto h = ca::log_binned_histogram(v, 5);
  EXPECT_EQ(h.edges.size(), h.counts.size() + 1);
  double total = 0, mass = 0;
  for (std::size_t b = 0; b < h.counts.size(); ++b) {
    total += h.counts[b];
    mass += h.density[b] * (h.edges[b + 1] - h.edges[b]);
  }
  EXPECT_EQ(total, 1000);
  EXPECT_NEAR(mass, 1.0, 1e-12);
  EXPECT_NEAR(h.edges[1] / h.edges[0], std::pow(10.0, 0.2), 1e-12);
  try {
    ca::log_binned_histogram({1, 0, 2});
    FAIL();
  } catch (const critnet::InvalidArgument& e) {
    EXPECT_STREQ(e.what(), "log_binned_histogram needs values > 0, got 0 at index 1");
  }
  EXPECT_THROW(ca::log_binned_histogram({1, 2}, 0), critnet::InvalidArgument);
}
