"""layouts.plotspec: a figure built as a plain dict means what Plotly's own builders mean."""

from __future__ import annotations

import plotly.graph_objects as go

from layouts.plotspec import Figure, merge, props, trace


def test_keyword_underscores_are_paths_but_not_inside_dicts_or_whole_names():
    assert props(marker_color="red", line={"dash_style": 1}, paper_bgcolor="white") == {
        "marker": {"color": "red"}, "line": {"dash_style": 1}, "paper_bgcolor": "white"}
    assert trace("bar", x=[1], marker_line_width=0) == {
        "type": "bar", "x": [1], "marker": {"line": {"width": 0}}}


def test_merge_is_nested_replaces_the_rest_and_none_removes():
    target = {"margin": {"t": 40, "b": 8}, "title": {"text": "a"}, "shapes": [1]}
    merge(target, {"margin": {"t": 70}, "title": None, "shapes": [2]})
    assert target == {"margin": {"t": 70, "b": 8}, "shapes": [2]}


def _built(fig):
    """The same building steps, on our figure or on Plotly's."""
    fig.update_layout(margin_t=70, title={"text": "T"}, legend={"x": 0})
    fig.update_layout({"legend": {"y": 1}})
    fig.update_xaxes(range=[0, 3], title={"text": "Year"})
    fig.update_yaxes(rangemode="tozero")
    fig.add_annotation(text="note", x=0, y=0, xref="paper", yref="paper", showarrow=False)
    fig.add_shape(type="line", x0=1, x1=1, y0=0, y1=1, line_dash="dash")
    return fig


def test_the_figure_builds_what_plotly_builds():
    ours = _built(Figure([trace("scatter", x=[1, 2], y=[3, 4], name="a")]))
    theirs = _built(go.Figure(go.Scatter(x=[1, 2], y=[3, 4], name="a")))
    ours_json, theirs_json = go.Figure(ours).to_plotly_json(), theirs.to_plotly_json()
    for built in (ours_json, theirs_json):
        built["layout"].pop("template", None)  # Plotly's default one, added by go.Figure
    assert ours_json == theirs_json


def test_axes_updates_reach_every_subplot():
    fig = Figure(layout={"xaxis": {"domain": [0, 1]}, "xaxis2": {"domain": [0, 1]},
                         "yaxis": {}, "yaxis2": {}})
    fig.update_xaxes(showgrid=False)
    assert fig.layout["xaxis"]["showgrid"] is False and fig.layout["xaxis2"]["showgrid"] is False
    assert "showgrid" not in fig.layout["yaxis"]
    assert fig.data == [] and dict(fig) == {"data": [], "layout": fig.layout}
