// Keeps critnet_test_support non-empty.
