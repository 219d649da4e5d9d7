"""The Model panel (the dock on the left): engine, data, layers, training settings, summary, commands."""
