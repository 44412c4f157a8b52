"""Files for other systems: the patient's calendar (iCalendar) and FHIR R4."""
