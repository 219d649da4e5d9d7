"""The network overview: every layer of the model as a column of thumbnails, for the current input."""
