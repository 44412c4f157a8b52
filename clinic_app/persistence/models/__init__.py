"""Every table of the clinic, imported here so ``Base.metadata`` knows them all."""

from clinic_app.persistence.models.administration import Administration
from clinic_app.persistence.models.appointment import Appointment
from clinic_app.persistence.models.audit import AuditEvent
from clinic_app.persistence.models.clinic_session import (
    ClinicSession,
    Closure,
    SessionTemplate,
    Slot,
)
from clinic_app.persistence.models.clinic_setting import ClinicSetting
from clinic_app.persistence.models.clinical_record import (
    LabResult,
    PrescriberDecision,
    SafetyAcknowledgement,
)
from clinic_app.persistence.models.course import Course
from clinic_app.persistence.models.job_run import JobRun
from clinic_app.persistence.models.patient import Patient
from clinic_app.persistence.models.prescriber import Prescriber
from clinic_app.persistence.models.recall import RecallContact
from clinic_app.persistence.models.stock import Lot, Product, StockMovement
from clinic_app.persistence.models.user import User

__all__ = [
    "Administration",
    "Appointment",
    "AuditEvent",
    "ClinicSession",
    "ClinicSetting",
    "Closure",
    "Course",
    "JobRun",
    "LabResult",
    "Lot",
    "Patient",
    "Prescriber",
    "PrescriberDecision",
    "Product",
    "RecallContact",
    "SafetyAcknowledgement",
    "SessionTemplate",
    "Slot",
    "StockMovement",
    "User",
]
