"""Going live: a district's own units, sites, departments, staff, routing and holidays."""
