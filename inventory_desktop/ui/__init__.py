"""Qt only: windows, table models, order entry, and the one worker that calls the repository."""
