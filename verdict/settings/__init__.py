"""`base` reads the environment (used everywhere by default); `test` adjusts it for the test suite."""
