"""Derived tables: yearly facts from cases or caseload, backlog ages, KPI cells and the
plausibility flags; uses data.store and kpi/."""
