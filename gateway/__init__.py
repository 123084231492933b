"""The composition root: configuration, command line, app factory, server."""
