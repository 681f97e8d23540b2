"""`make bench`: the build engine's performance table (python -m tests.bench.run)."""
