"""Where rows live: the upload kinds (schema), tables, migrations, engine, bulk frame I/O
and read queries; uses only SQLAlchemy, pandas and kpi/."""
