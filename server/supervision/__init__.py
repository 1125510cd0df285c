"""Guidance and supervision (指导督查): warnings, orders, scores, audit."""
