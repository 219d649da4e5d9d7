"""The input panel: draw, load or pick a picture, see the model input and what the model says."""
