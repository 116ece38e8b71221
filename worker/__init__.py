"""Batch processing: RQ jobs and workers, the in-process embedded runner, status."""
