"""Code Monitor: monitoring the WHO Global Code of Practice on the International Recruitment of
Health Personnel."""
