"""The Evaluation tab: accuracy on the test set, the confusion matrix, per-class accuracy, the mistakes."""
