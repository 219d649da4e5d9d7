"""The Experiments tab: sweep one or two settings, train every combination, compare the runs."""
