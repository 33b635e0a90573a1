"""Per-network evaluation reports (issue 5): compute once, disclosure control, render."""
