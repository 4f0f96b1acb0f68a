"""The floor for a first render: a minimal Dash page served by the same Dash (one
dropdown, one callback, one Plotly chart), as ``bench.first_render`` compares against.

    python -m bench.minimal_app --port 8060
"""

from __future__ import annotations

import argparse

import dash
import plotly.graph_objects as go
from dash import Input, Output, dcc, html

YEARS = [2021, 2022, 2023, 2024, 2025]
SERIES = {"clearance_rate": [96.1, 97.4, 98.2, 99.0, 98.7],
          "on_time_rate": [91.0, 92.3, 92.9, 93.8, 94.1]}


def make_app() -> dash.Dash:
    app = dash.Dash(__name__, serve_locally=True, title="minimal")
    app.layout = html.Div([
        dcc.Dropdown(id="kpi", options=list(SERIES), value="clearance_rate",
                     clearable=False),
        dcc.Graph(id="chart"),
    ])

    @app.callback(Output("chart", "figure"), Input("kpi", "value"))
    def chart(kpi: str) -> go.Figure:
        return go.Figure(go.Scatter(x=YEARS, y=SERIES[kpi], mode="lines+markers"))

    return app


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--port", type=int, default=8060)
    args = ap.parse_args()
    from werkzeug.serving import WSGIRequestHandler

    class Quiet(WSGIRequestHandler):
        def log_request(self, *args, **kwargs) -> None:
            pass

    make_app().run(host="127.0.0.1", port=args.port, debug=False, request_handler=Quiet)


if __name__ == "__main__":
    main()
