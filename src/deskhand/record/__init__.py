"""record/: a person at work -> a Recording."""
