"""The app's job adapters (no widgets): each turns one sesr_core job into a callable the job thread runs, and
``threads`` runs it in a QThread. Pages and widgets reach sesr_core only through this package."""
