"""Units (the district tree), circles, departments and consultation sites."""
