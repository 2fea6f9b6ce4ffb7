#include "critnet/core/error.h"

#include <gtest/gtest.h>

#include "critnet/core/runtime.h"

TEST(Error, CheckCarriesTheValueAndType) {
  auto f = [](double beta) { CRITNET_CHECK(beta > 0, "beta must be > 0, got ", beta); };
  EXPECT_NO_THROW(f(1.0));
  try {
    f(-2.5);
    FAIL();
  } catch (const critnet::InvalidArgument& e) {
    EXPECT_STREQ(e.what(), "beta must be > 0, got -2.5");
  }
  auto g = [] { CRITNET_CHECK_DATA(false, "file ", "x.bin", ": truncated"); };
  EXPECT_THROW(g(), critnet::DataError);
}

TEST(Runtime, ThreadsAndDevice) {
  critnet::set_threads(1);
  EXPECT_EQ(critnet::runtime_info().num_threads, 1);
  EXPECT_EQ(critnet::resolve_device("cpu"), torch::Device(torch::kCPU));
  EXPECT_THROW(critnet::resolve_device("tpu"), critnet::InvalidArgument);
}
