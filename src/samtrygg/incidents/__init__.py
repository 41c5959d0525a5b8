"""EST reporting and case handling (issue #3). So far: the personal-data guard."""
