"""The History tab: earlier training runs, replayed epoch by epoch, and two runs compared."""
