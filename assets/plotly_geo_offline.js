/* Plotly's geo maps fetch a world topojson from a CDN even when only a boundary
   file of our own is drawn. Court networks are closed, so give it an empty world. */
window.PlotlyGeoAssets = window.PlotlyGeoAssets || {topojson: {}};
window.PlotlyGeoAssets.topojson = window.PlotlyGeoAssets.topojson || {};
window.PlotlyGeoAssets.topojson.world_110m = {type: "Topology", objects: {}, arcs: []};
