"""Import every domain's models so metadata (and Alembic) sees all tables."""

from server.people.models import ApiToken, Grant, Resident, User
from server.sites.models import Circle, Department, Site, Unit

__all__ = ["ApiToken", "Circle", "Department", "Grant", "Resident", "Site", "Unit", "User"]
