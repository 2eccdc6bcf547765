"""Apps of our own for tests and benchmarks, judged only by the files they persist.

A scenario app is something deskhand drives through pixels like any other app; because we wrote
it, its store is the ground truth for whether a run succeeded.
"""
