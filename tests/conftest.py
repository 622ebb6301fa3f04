"""Test-session settings: a non-interactive matplotlib backend (no screen in CI)."""
import os

os.environ.setdefault("MPLBACKEND", "Agg")
