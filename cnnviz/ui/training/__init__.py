"""The Training dock: live loss and accuracy curves of the current and earlier runs."""
