"""Plot pieces shared by the training monitor and the Experiments and History tabs."""
