"""Reusable widgets: the before/after view, the queue list, model pickers, plots."""
