"""EST reporting and case handling (issue #3): categories, incidents, the personal-data guard."""
