"""A small pixel policy for the browser: screenshot and utterance in, a mouse or keyboard action out.

base.py holds the contract (observations, the action vocabulary, Policy); miniwob.py is the one
environment backend (MiniWoB++ through Chromium, pixels only); experts.py scripts demonstrations;
model.py is the network; train.py and bench.py are the two jobs run from the CLI.
"""

from deskhand.policy.base import KEYS, Kind, Observation, Policy, PolicyAction

__all__ = ["KEYS", "Kind", "Observation", "Policy", "PolicyAction"]
