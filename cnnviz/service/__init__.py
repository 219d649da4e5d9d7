"""The model service: one worker thread that owns the engine; commands in, Qt signals out."""
