"""The fleet: many emulator sessions on leased, part-time hosts, placed and moved by Ray.

A Job is a skill plus input rows; each row is a Task that runs in one session on its own desktop.
Hosts come and go by their owners' policy; a reclaimed host drains, its sessions stop at their last
verified step and resume elsewhere from the runner's checkpoint, and the owners are paid from a
ledger of leases kept in integer milliseconds and cents.
"""
