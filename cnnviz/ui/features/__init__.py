"""The Features tab: what each filter, dense unit or class responds to (feature visualization) and the
training images that excite it most."""
