"""run/: a Skill, inputs and a Desktop -> the job done, or a clear stop."""
