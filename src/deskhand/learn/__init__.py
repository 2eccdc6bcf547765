"""learn/: recordings -> a Skill."""
