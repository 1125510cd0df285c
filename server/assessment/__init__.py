"""Performance assessment (考评): scores of departments and sites, demo-site checklist."""
