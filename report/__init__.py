"""The daily QA report: service levels, violations and plots for one day."""
