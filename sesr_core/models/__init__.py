"""The models a user can run: architecture presets, model cards, the catalog of shipped and user models, and the
user's own model library (rename, delete, unique names)."""
