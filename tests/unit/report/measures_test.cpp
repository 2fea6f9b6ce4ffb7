// The measure catalogue: the correct statements (w = VᵀV, CCDFs), the context in the captions,
// and results.json's "measures" written from it read back as the catalogue itself.
#include "critnet/report/measures.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/temp_dir.h"
#include "synthetic_run.h"

namespace critnet::report {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const MeasureSpec& find(const std::vector<MeasureSpec>& specs, const std::string& id) {
  for (const auto& m : specs)
    if (m.id == id) return m;
  throw std::runtime_error("no measure " + id);
}

TEST(MeasureCatalogue, SpectrumAndDegreeAreCcdfsOfTheRightMatrix) {
  const auto c = measure_catalogue();
  const MeasureSpec& sp = find(c, "spectrum");
  EXPECT_EQ(sp.kind, PlotKind::kCcdf);
  EXPECT_EQ(sp.y_column, "ccdf");
  EXPECT_THAT(sp.caption, HasSubstr("w = VᵀV (paper eq. 32)"));
  EXPECT_THAT(sp.caption, Not(HasSubstr("V V")));
  const MeasureSpec& wd = find(c, "weighted_degree");
  EXPECT_EQ(wd.kind, PlotKind::kCcdf);
  EXPECT_EQ(wd.x_column, "x");
  EXPECT_EQ(wd.y_column, "ccdf");
  EXPECT_THAT(wd.caption, HasSubstr("Complementary distribution"));
  EXPECT_EQ(find(c, "two_point").y_label, "mean correlation coefficient r(d)");
}

TEST(MeasureCatalogue, CaptionsStateTheContext) {
  const auto with = measure_catalogue({12, 392.0});
  EXPECT_THAT(find(with, "activation_pattern").caption, HasSubstr("a random subset of 12 units"));
  EXPECT_THAT(find(with, "spectrum").caption, HasSubstr("β = 392 for every arm"));
  const auto without = measure_catalogue();
  EXPECT_THAT(find(without, "activation_pattern").caption,
              HasSubstr("a random subset of the layer's units"));
  EXPECT_THAT(find(without, "spectrum").caption, Not(HasSubstr("β = ")));
  // Only the captions depend on the context.
  ASSERT_EQ(with.size(), without.size());
  for (std::size_t i = 0; i < with.size(); ++i) {
    EXPECT_EQ(with[i].id, without[i].id);
    EXPECT_EQ(with[i].kind, without[i].kind);
    EXPECT_EQ(with[i].y_column, without[i].y_column);
  }
}

TEST(MeasureCatalogue, DefaultMeasuresAreTheCatalogue) {
  EXPECT_EQ(measures_json(default_measures()), measures_json(measure_catalogue()));
}

// A results document whose "measures" are measures_json(catalogue) parses to the catalogue:
// every field name and value (kind, scale) is one parse_results reads.
TEST(MeasureCatalogue, JsonReadsBackAsTheCatalogue) {
  const test_support::TempDir tmp("measures_json");
  nlohmann::json doc = testing::make_synthetic_run(tmp.path());
  const auto catalogue = measure_catalogue({7, 3.5});
  doc["measures"] = measures_json(catalogue);
  const Results r = parse_results(doc, tmp.path());
  ASSERT_EQ(r.measures.size(), catalogue.size());
  for (std::size_t i = 0; i < catalogue.size(); ++i) {
    const MeasureSpec& a = r.measures[i];
    const MeasureSpec& b = catalogue[i];
    EXPECT_EQ(a.id, b.id);
    EXPECT_EQ(a.title, b.title);
    EXPECT_EQ(a.caption, b.caption);
    EXPECT_EQ(a.kind, b.kind) << b.id;
    EXPECT_EQ(a.scale, b.scale) << b.id;
    EXPECT_EQ(a.x_column, b.x_column);
    EXPECT_EQ(a.y_column, b.y_column);
    EXPECT_EQ(a.x_label, b.x_label);
    EXPECT_EQ(a.y_label, b.y_label);
  }
}

}  // namespace
}  // namespace critnet::report
