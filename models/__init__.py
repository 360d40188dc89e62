"""The Python side of the model packages: run its scripts from the repository root as modules, e.g.
`python3 -m models.tiny.build`; every import is absolute from `models.` (no sys.path patching)."""
