"""Callback registration: ``register_callbacks(app, engine)``; bodies only delegate."""

from __future__ import annotations

from dash import Input, Output
from sqlalchemy import Engine, text

from data import repository
from layouts import ids
from layouts.shell import banner, kpi_table


def register_callbacks(app, engine: Engine) -> None:
    @app.callback(Output(ids.YEAR, "options"), Output(ids.YEAR, "value"),
                  Output(ids.BANNER, "children"), Input(ids.URL, "pathname"))
    def load_years(_path):
        with engine.connect() as conn:
            years = repository.years(conn)
            synthetic = conn.execute(
                text("SELECT value FROM meta WHERE key = 'synthetic'")).scalar() == "true"
        options = [{"label": str(y), "value": y} for y in years]
        return options, (years[-1] if years else None), banner(synthetic)

    @app.callback(Output(ids.TABLE, "children"), Input(ids.YEAR, "value"),
                  Input(ids.CATEGORY, "value"))
    def show_table(year, category):
        if year is None:
            return kpi_table(repository.kpi_values_empty())
        with engine.connect() as conn:
            values = repository.kpi_values(conn, level="national", year=int(year),
                                           category=category)
        return kpi_table(values)
