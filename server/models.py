"""Import every domain's models so metadata (and Alembic) sees all tables."""

from server.assessment import models as assessment_models
from server.audit import models as audit_models
from server.dispatch import models as dispatch_models
from server.duty import models as duty_models
from server.evaluation import models as evaluation_models
from server.intake import consent as intake_consent
from server.intake.models import Category, Opinion, OpinionEvent
from server.meetings import models as meetings_models
from server.notify import models as notify_models
from server.people.models import ApiToken, Grant, Resident, User
from server.proposals import models as proposals_models
from server.review import models as review_models
from server.sites.models import Circle, Department, Site, Unit
from server.supervision import models as supervision_models

__all__ = [
    "ApiToken", "Category", "Circle", "Department", "Grant", "Opinion", "OpinionEvent",
    "Resident", "Site", "Unit", "User", "dispatch_models", "evaluation_models",
    "meetings_models", "notify_models", "supervision_models", "assessment_models",
    "audit_models", "duty_models", "intake_consent", "proposals_models", "review_models",
]
