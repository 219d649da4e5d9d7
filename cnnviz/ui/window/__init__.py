"""The main window's parts: dock layout, menus and toolbar, inspection, training, files, session."""
