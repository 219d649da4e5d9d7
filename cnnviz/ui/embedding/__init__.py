"""The Embedding tab: test images placed by a layer's activations (PCA), coloured by class."""
