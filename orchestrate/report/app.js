/* Segment Analytics report: renders the embedded mart data with plotly.js. No network access. */
(function () {
  "use strict";

  var DATA = JSON.parse(document.getElementById("sa-data").textContent);
  var DAY_MS = 86400000;
  var MAX_LINES = 10;
  var PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
    "#7f7f7f", "#bcbd22", "#17becf"];
  var ADDITIVE = { count: true, sum: true, count_distinct: true };

  // ---------- small helpers ----------
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") { node.textContent = attrs[key]; }
      else if (key === "className") { node.className = attrs[key]; }
      else { node.setAttribute(key, attrs[key]); }
    });
    (children || []).forEach(function (child) { if (child) { node.appendChild(child); } });
    return node;
  }
  function esc(text) {
    return String(text == null ? "" : text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }
  function rowsOf(table) {
    var cols = (table && table.columns) || [];
    return ((table && table.rows) || []).map(function (row) {
      var out = {};
      for (var i = 0; i < cols.length; i++) { out[cols[i]] = row[i]; }
      return out;
    });
  }
  var NF0 = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
  var NF1 = new Intl.NumberFormat("en-US", { maximumFractionDigits: 1 });
  var NF2 = new Intl.NumberFormat("en-US", { maximumFractionDigits: 2 });
  var COMPACT = new Intl.NumberFormat("en-US", { notation: "compact", maximumFractionDigits: 1 });
  function fmt(value) {
    if (value == null || !isFinite(value)) { return "–"; }
    var abs = Math.abs(value);
    if (abs >= 1000) { return NF0.format(value); }
    if (abs >= 10) { return NF1.format(value); }
    return NF2.format(value);
  }
  function fmtShort(value) {
    if (value == null || !isFinite(value)) { return "–"; }
    return Math.abs(value) >= 10000 ? COMPACT.format(value) : fmt(value);
  }
  function toTime(day) { return Date.UTC(+day.slice(0, 4), +day.slice(5, 7) - 1, +day.slice(8, 10)); }
  function toDay(time) { return new Date(time).toISOString().slice(0, 10); }
  function addDays(day, n) { return toDay(toTime(day) + n * DAY_MS); }
  function period(day, grain) {
    if (grain === "weekly") {
      var time = toTime(day);
      var weekday = (new Date(time).getUTCDay() + 6) % 7;
      return toDay(time - weekday * DAY_MS);
    }
    if (grain === "monthly") { return day.slice(0, 7) + "-01"; }
    if (grain === "all") { return "all"; }
    return day;
  }
  function sortedUnique(values) {
    var seen = {};
    values.forEach(function (v) { if (v != null) { seen[v] = true; } });
    return Object.keys(seen).sort();
  }

  // ---------- data ----------
  var segments = DATA.segments || [];
  var segById = {};
  segments.forEach(function (s, i) { s.color = PALETTE[i % PALETTE.length]; segById[s.id] = s; });
  var parents = DATA.parent_segments || [];
  var population = rowsOf(DATA.population);
  var tracker = rowsOf(DATA.tracker);
  var metricRows = rowsOf(DATA.metrics);
  var changes = DATA.rule_changes || [];
  // What fired (null when the alerts mart is not built: no Alerts tab then), with its delivery state.
  var alerts = DATA.alerts || [];
  var hasAlerts = DATA.alerts != null;
  var POPULATION_ALERTS = { population_anomaly: true, rule_change: true, segment_deleted: true };
  var groups = DATA.metric_groups || [];
  var metricInfo = {};
  groups.forEach(function (g) { g.metrics.forEach(function (m) { metricInfo[m.name] = m; }); });

  // Segments seen only in the history marts still need a parent segment and folder to filter on.
  var psNames = {};
  parents.forEach(function (p) { psNames[p.id] = p.name; });
  segments.forEach(function (s) { if (s.ps_id && !(s.ps_id in psNames)) { psNames[s.ps_id] = s.ps_name || ("parent segment " + s.ps_id); } });
  var folders = {};
  segments.forEach(function (s) {
    if (!s.folder_id) { return; }
    if (!folders[s.folder_id]) {
      folders[s.folder_id] = { id: s.folder_id, name: s.folder_name || ("folder " + s.folder_id), path: s.folder_path || s.folder_name || "", ps_id: s.ps_id };
    }
  });

  var byMetric = {};
  metricRows.forEach(function (r) {
    if (!byMetric[r.metric]) { byMetric[r.metric] = []; }
    byMetric[r.metric].push(r);
  });
  var popSource = population.length ? population : tracker;
  var popSourceLabel = population.length
    ? "solid: members computed from the rules each day; dotted: the CDP API's population before membership history began"
    : "the CDP API's population at each run (the daily membership mart is empty)";
  // The first day of a segment's membership history is its starting population, not a day of entries.
  var firstMemberDay = {};
  population.forEach(function (r) {
    if (r.population == null) { return; }
    if (!firstMemberDay[r.segment_id] || r.date < firstMemberDay[r.segment_id]) { firstMemberDay[r.segment_id] = r.date; }
  });

  // Segment overlap at the latest run date, and each KPI's latest day against earlier periods.
  var overlapRows = rowsOf(DATA.overlap);
  var kpiDeltaRows = rowsOf(DATA.kpi_deltas);
  var MAX_OVERLAP = 15;

  var allDays = sortedUnique(population.map(function (r) { return r.date; })
    .concat(tracker.map(function (r) { return r.date; }))
    .concat(metricRows.map(function (r) { return r.date; })));
  var firstDay = allDays.length ? allDays[0] : (DATA.run_date || toDay(Date.now()));
  var lastDay = allDays.length ? allDays[allDays.length - 1] : firstDay;
  var defaultFrom = addDays(lastDay, -89) > firstDay ? addDays(lastDay, -89) : firstDay;

  // ---------- state ----------
  var state = { ps: "", folder: "", segment: "", from: defaultFrom, to: lastDay, tab: "summary", compare: [], dirty: {} };

  function folderContains(folder, seg) {
    if (seg.folder_id === folder.id) { return true; }
    if (!folder.path || !seg.folder_path || seg.folder_path.length <= folder.path.length) { return false; }
    if (seg.folder_path.indexOf(folder.path) !== 0) { return false; }
    var rest = seg.folder_path.slice(folder.path.length);
    return /^\s*[\/>|\\]/.test(rest);
  }
  function inScope(seg) {
    if (state.ps && seg.ps_id !== state.ps) { return false; }
    if (state.folder && !folderContains(folders[state.folder], seg)) { return false; }
    if (state.segment && seg.id !== state.segment) { return false; }
    return true;
  }
  function scopedSegments() { return segments.filter(inScope); }
  function scopeIds() {
    var ids = {};
    scopedSegments().forEach(function (s) { ids[s.id] = true; });
    return ids;
  }
  function inRange(day) { return day >= state.from && day <= state.to; }
  function rangeText() { return state.from + " to " + state.to; }

  // ---------- charts ----------
  var PLOT_CONFIG = { displaylogo: false, responsive: true, modeBarButtonsToRemove: ["lasso2d", "select2d"] };
  function baseLayout(extra) {
    var layout = {
      margin: { l: 60, r: 16, t: 10, b: 44 },
      font: { family: "system-ui, sans-serif", size: 12, color: "#1d2733" },
      paper_bgcolor: "#fff", plot_bgcolor: "#fff",
      hovermode: "closest",
      legend: { orientation: "h", y: -0.2 },
      xaxis: { automargin: true, gridcolor: "#eef1f5" },
      yaxis: { automargin: true, gridcolor: "#eef1f5", exponentformat: "B", separatethousands: true, rangemode: "tozero" }
    };
    Object.keys(extra || {}).forEach(function (k) { layout[k] = extra[k]; });
    return layout;
  }
  function showEmpty(node, message) {
    if (node.classList.contains("js-plotly-plot") && window.Plotly) { window.Plotly.purge(node); }
    node.innerHTML = "";
    node.classList.add("empty-state");
    node.setAttribute("data-state", "empty");
    node.appendChild(el("div", { className: "empty", text: message }));
  }
  function plot(node, traces, layout) {
    var points = 0;
    traces.forEach(function (t) { points += (t.values || t.y || []).length; });
    if (!traces.length || points === 0) { return false; }
    if (node.getAttribute("data-state") === "empty") { node.innerHTML = ""; }
    node.classList.remove("empty-state");
    node.setAttribute("data-state", "chart");
    node.setAttribute("data-points", String(points));
    window.Plotly.react(node, traces, baseLayout(layout), PLOT_CONFIG);
    return true;
  }
  function chartBox(title, hint, id) {
    var chart = el("div", { className: "chart", id: id, "data-chart": id });
    var box = el("section", { className: "box" }, [el("h2", { text: title }), hint ? el("p", { className: "hint", text: hint }) : null, chart]);
    return { box: box, chart: chart };
  }
  function hbar(node, items, valueLabel, emptyMessage) {
    if (!items.length) { showEmpty(node, emptyMessage); return; }
    var ordered = items.slice().reverse();
    plot(node, [{
      type: "bar", orientation: "h",
      x: ordered.map(function (i) { return i.value; }),
      y: ordered.map(function (i) { return esc(i.label); }),
      marker: { color: "#2b6cb0" },
      hovertemplate: "%{y}<br>" + valueLabel + ": %{x:,.0f}<extra></extra>"
    }], { margin: { l: 10, r: 16, t: 10, b: 40 }, yaxis: { automargin: true, type: "category" },
      xaxis: { automargin: true, exponentformat: "B", separatethousands: true, gridcolor: "#eef1f5" }, showlegend: false });
  }
  function topN(items, n, ascending) {
    var sorted = items.slice().sort(function (a, b) { return ascending ? a.value - b.value : b.value - a.value; });
    return sorted.slice(0, n);
  }
  function lineTrace(seg, xs, ys, valueLabel, extra) {
    var trace = {
      type: "scatter", mode: xs.length > 1 ? "lines" : "markers", name: esc(seg.name), x: xs, y: ys,
      line: { color: seg.color, width: 2 }, marker: { color: seg.color },
      hovertemplate: "%{fullData.name}<br>%{x}<br>" + valueLabel + ": %{y:,.2~f}<extra></extra>"
    };
    Object.keys(extra || {}).forEach(function (k) { trace[k] = extra[k]; });
    return trace;
  }

  // ---------- filters ----------
  var fPs = document.getElementById("f-ps");
  var fFolder = document.getElementById("f-folder");
  var fSegment = document.getElementById("f-segment");
  var fFrom = document.getElementById("f-from");
  var fTo = document.getElementById("f-to");
  function fillSelect(select, allLabel, options, value) {
    select.innerHTML = "";
    select.appendChild(el("option", { value: "", text: allLabel }));
    options.forEach(function (o) { select.appendChild(el("option", { value: o.value, text: o.label })); });
    select.value = value;
    if (select.value !== value) { select.value = ""; }
    return select.value;
  }
  function refreshFilterOptions() {
    var psOptions = Object.keys(psNames).map(function (id) { return { value: id, label: psNames[id] }; })
      .sort(function (a, b) { return a.label.localeCompare(b.label); });
    state.ps = fillSelect(fPs, "All parent segments (" + psOptions.length + ")", psOptions, state.ps);
    var folderOptions = Object.keys(folders).map(function (id) { return folders[id]; })
      .filter(function (f) { return !state.ps || f.ps_id === state.ps; })
      .map(function (f) { return { value: f.id, label: f.path || f.name }; })
      .sort(function (a, b) { return a.label.localeCompare(b.label); });
    state.folder = fillSelect(fFolder, "All folders (" + folderOptions.length + ")", folderOptions, state.folder);
    var segOptions = segments.filter(function (s) {
      return (!state.ps || s.ps_id === state.ps) && (!state.folder || folderContains(folders[state.folder], s));
    }).map(function (s) { return { value: s.id, label: s.name + (s.current ? "" : " (deleted)") }; })
      .sort(function (a, b) { return a.label.localeCompare(b.label); });
    state.segment = fillSelect(fSegment, "All segments (" + segOptions.length + ")", segOptions, state.segment);
    fFrom.value = state.from;
    fTo.value = state.to;
    fFrom.min = fTo.min = firstDay;
    fFrom.max = fTo.max = lastDay;
    document.getElementById("f-scope").textContent = scopedSegments().length + " segment(s), " + rangeText();
  }
  function filtersChanged() {
    refreshFilterOptions();
    state.compare = state.compare.filter(function (id) { return inScope(segById[id]); });
    Object.keys(renderers).forEach(function (k) { state.dirty[k] = true; });
    renderTab(state.tab);
  }
  fPs.addEventListener("change", function () { state.ps = fPs.value; filtersChanged(); });
  fFolder.addEventListener("change", function () { state.folder = fFolder.value; filtersChanged(); });
  fSegment.addEventListener("change", function () { state.segment = fSegment.value; filtersChanged(); });
  function dateChanged() {
    var from = fFrom.value || firstDay;
    var to = fTo.value || lastDay;
    if (from > to) { var swap = from; from = to; to = swap; }
    state.from = from; state.to = to;
    filtersChanged();
  }
  fFrom.addEventListener("change", dateChanged);
  fTo.addEventListener("change", dateChanged);
  document.getElementById("f-reset").addEventListener("click", function () {
    state.ps = ""; state.folder = ""; state.segment = ""; state.from = defaultFrom; state.to = lastDay;
    filtersChanged();
  });

  // ---------- tabs ----------
  var tabsNode = document.getElementById("sa-tabs");
  var panelsNode = document.getElementById("sa-panels");
  var panels = {};
  var renderers = {};
  function addTab(key, label, render) {
    var button = el("button", { type: "button", role: "tab", id: "tab-" + key, "data-tab": key, "aria-selected": "false", text: label });
    var panel = el("section", { className: "panel", id: "panel-" + key, role: "tabpanel", "data-panel": key });
    panel.hidden = true;
    button.addEventListener("click", function () { renderTab(key); });
    tabsNode.appendChild(button);
    panelsNode.appendChild(panel);
    panels[key] = panel;
    renderers[key] = render;
    state.dirty[key] = true;
  }
  function renderTab(key) {
    state.tab = key;
    Object.keys(panels).forEach(function (k) {
      panels[k].hidden = k !== key;
      document.getElementById("tab-" + k).setAttribute("aria-selected", k === key ? "true" : "false");
    });
    if (state.dirty[key]) {
      state.dirty[key] = false;
      renderers[key](panels[key]);
    }
    document.body.setAttribute("data-rendered-tab", key);
  }

  function missingNotice(panel, keys) {
    keys.forEach(function (key) {
      if (DATA.missing && DATA.missing[key]) { panel.appendChild(el("div", { className: "notice", text: DATA.missing[key] })); }
    });
  }
  function card(label, value, sub, title) {
    return el("div", { className: "card", title: title || "" }, [
      el("div", { className: "label", text: label }), el("div", { className: "value", text: value }),
      sub ? el("div", { className: "sub", text: sub }) : null]);
  }

  // ---------- tab: account summary ----------
  function renderSummary(panel) {
    panel.innerHTML = "";
    missingNotice(panel, ["ps_stats"]);
    var unusable = scopedSegments().filter(function (s) { return s.current && s.selected && s.member_sql_problem; });
    if (unusable.length) {
      panel.appendChild(el("div", { className: "notice member-sql-problems" }, [
        el("p", { text: unusable.length + " selected segment(s) have no usable member SQL this run, so no membership or metrics:" }),
        el("ul", {}, unusable.map(function (s) { return el("li", { text: s.name + " (" + s.id + "): " + s.member_sql_problem }); }))]));
    }
    var scoped = scopedSegments().filter(function (s) { return s.current; });
    var psSeen = {}, folderSeen = {}, v5Ps = 0, v4Ps = 0, v5Seg = 0, v5Folders = {};
    scoped.forEach(function (s) {
      if (s.ps_id && !psSeen[s.ps_id]) { psSeen[s.ps_id] = true; }
      if (s.folder_id) { folderSeen[s.folder_id] = true; if (s.v5) { v5Folders[s.folder_id] = true; } }
      if (s.v5) { v5Seg += 1; }
    });
    var psList = parents.filter(function (p) { return psSeen[p.id]; });
    psList.forEach(function (p) { if (p.v5) { v5Ps += 1; } else { v4Ps += 1; } });
    var profiles = psList.reduce(function (acc, p) { return acc + (p.population || 0); }, 0);
    var selected = scoped.filter(function (s) { return s.selected; }).length;
    panel.appendChild(el("p", { className: "hint", text: "Snapshot of the account at run date " + (DATA.run_date || "unknown") +
      " (the date range applies to the time-series tabs)." }));
    panel.appendChild(el("div", { className: "cards", "data-cards": "summary" }, [
      card("Parent segments", fmt(psList.length), "V5 " + fmt(v5Ps) + " · V4 only " + fmt(v4Ps)),
      card("Folders", fmt(Object.keys(folderSeen).length), "V5 " + fmt(Object.keys(v5Folders).length)),
      card("Segments", fmt(scoped.length), "V5 " + fmt(v5Seg) + " · tracked " + fmt(selected)),
      card("Profiles in parent segments", fmtShort(profiles), null, fmt(profiles))
    ]));
    var grid = el("div", { className: "grid" });
    panel.appendChild(grid);
    var a = chartBox("Top parent segments by profiles", "Parent segment population (API)", "summary-ps");
    var b = chartBox("Top folders by profiles", "Sum of the populations of the segments directly in each folder", "summary-folder-pop");
    var c = chartBox("Top folders by segment count", null, "summary-folder-count");
    var d = chartBox("Top 10 segments by population", null, "summary-top-segments");
    var e = chartBox("Bottom 10 segments by population", null, "summary-bottom-segments");
    [a, b, c, d, e].forEach(function (x) { grid.appendChild(x.box); });
    var none = "No segments in the account snapshot match the filters.";
    hbar(a.chart, topN(psList.filter(function (p) { return p.population != null; })
      .map(function (p) { return { label: p.name, value: p.population }; }), 10), "profiles", none);
    var fPop = {}, fCount = {};
    scoped.forEach(function (s) {
      if (!s.folder_id) { return; }
      fPop[s.folder_id] = (fPop[s.folder_id] || 0) + (s.population || 0);
      fCount[s.folder_id] = (fCount[s.folder_id] || 0) + 1;
    });
    function folderItems(values) {
      return Object.keys(values).map(function (id) { return { label: folders[id] ? (folders[id].path || folders[id].name) : id, value: values[id] }; });
    }
    hbar(b.chart, topN(folderItems(fPop), 10), "profiles", none);
    hbar(c.chart, topN(folderItems(fCount), 10), "segments", none);
    var segItems = scoped.filter(function (s) { return s.population != null; })
      .map(function (s) { return { label: s.name, value: s.population }; });
    hbar(d.chart, topN(segItems, 10), "profiles", none);
    hbar(e.chart, topN(segItems, 10, true), "profiles", none);
  }

  // ---------- population series ----------
  function populationBySegment(ids) {
    var out = {};
    popSource.forEach(function (r) {
      if (!ids[r.segment_id] || !inRange(r.date)) { return; }
      if (!out[r.segment_id]) { out[r.segment_id] = []; }
      out[r.segment_id].push(r);
    });
    Object.keys(out).forEach(function (id) { out[id].sort(function (x, y) { return x.date < y.date ? -1 : 1; }); });
    return out;
  }
  function popValue(r) { return r.population != null ? r.population : (r.api_population != null ? r.api_population : null); }
  function latestValue(rows) {
    for (var i = rows.length - 1; i >= 0; i--) { var v = popValue(rows[i]); if (v != null) { return v; } }
    return 0;
  }
  function populationTraces(seg, rows) {
    var measured = rows.filter(function (r) { return r.population != null; });
    var before = rows.filter(function (r) { return r.population == null && r.api_population != null; });
    var traces = [];
    if (measured.length) {
      traces.push(lineTrace(seg, measured.map(function (r) { return r.date; }), measured.map(function (r) { return r.population; }), "members",
        { legendgroup: seg.id }));
    }
    if (before.length) {
      // Join the dotted API history to the first computed day so the line reads as one.
      var xs = before.map(function (r) { return r.date; });
      var ys = before.map(function (r) { return r.api_population; });
      if (measured.length && measured[0].date > xs[xs.length - 1]) { xs.push(measured[0].date); ys.push(measured[0].population); }
      traces.push(lineTrace(seg, xs, ys, "API population", { legendgroup: seg.id, showlegend: !measured.length,
        line: { color: seg.color, width: 2, dash: "dot" } }));
    }
    return traces;
  }
  function largest(seriesById, score) {
    return Object.keys(seriesById).map(function (id) { return { id: id, score: score(seriesById[id]) }; })
      .sort(function (a, b) { return b.score - a.score; });
  }

  // ---------- tab: segments ----------
  function renderSegments(panel) {
    panel.innerHTML = "";
    missingNotice(panel, ["population_daily", "population_tracker", "rule_changes"]);
    var ids = scopeIds();
    var series = populationBySegment(ids);
    var ranked = largest(series, latestValue);
    var shown = ranked.slice(0, MAX_LINES);
    var inRangeChanges = changes.filter(function (ch) { return ids[ch.segment_id] && ch.date && inRange(ch.date); });
    var changedSegments = {};
    inRangeChanges.forEach(function (ch) { changedSegments[ch.segment_id] = true; });
    var countType = function (type) { return inRangeChanges.filter(function (ch) { return ch.change_type === type; }).length; };
    panel.appendChild(el("div", { className: "cards", "data-cards": "rule-changes" }, [
      card("Segments in scope", fmt(Object.keys(ids).length), rangeText()),
      card("Rule changes", fmt(inRangeChanges.length), "edits " + fmt(countType("edit")) + " · deletions " + fmt(countType("deletion"))),
      card("Segments changed", fmt(Object.keys(changedSegments).length), "by " + fmt(sortedUnique(inRangeChanges.map(function (ch) { return ch.changed_by || "unknown"; })).length) + " user(s)")
    ]));
    var grid = el("div", { className: "grid" });
    panel.appendChild(grid);
    var hintLines = ranked.length > MAX_LINES ? "The " + MAX_LINES + " largest of " + ranked.length + " segments; narrow the filters to see others. " : "";
    var a = chartBox("Population over time", hintLines + "Source: " + popSourceLabel + ".", "seg-population");
    var b = chartBox("Entered and exited per day", "Profiles entering (+) and leaving (−) the segments in scope. " +
      "Each segment's first day of membership history is its starting population and is left out.", "seg-flow");
    var c = chartBox("Population distribution", "Latest population in the date range, by segment.", "seg-distribution");
    var d = chartBox("Rule changes per day", "Edits and deletions of segment rules (from the rule history).", "seg-changes");
    var o = chartBox("Segment overlap", "Share of the row segment's members that are also in the column segment, at run date " +
      (overlapRows.length ? overlapRows[0].run_date : "unknown") + " (the date range does not apply). The " + MAX_OVERLAP +
      " segments in scope with the most shared members; pairs of one parent segment only.", "seg-overlap");
    [a, b, c, d, o].forEach(function (x) { grid.appendChild(x.box); });
    overlapHeatmap(o.chart, ids);
    var noData = "No population data between " + rangeText() + " for the selected segments.";
    if (!shown.length) { showEmpty(a.chart, noData); }
    else {
      var traces = [];
      shown.forEach(function (item) { traces = traces.concat(populationTraces(segById[item.id], series[item.id])); });
      if (!plot(a.chart, traces, { hovermode: "x unified" })) { showEmpty(a.chart, noData); }
      else { markAlerts(a.chart, alerts.filter(function (al) { return POPULATION_ALERTS[al.kind] && ids[al.segment_id]; }), "daily"); }
    }
    var flow = {};
    population.forEach(function (r) {
      if (!ids[r.segment_id] || !inRange(r.date) || r.population == null) { return; }
      if (r.date === firstMemberDay[r.segment_id]) { return; }
      if (!flow[r.date]) { flow[r.date] = { entered: 0, exited: 0 }; }
      flow[r.date].entered += r.entered || 0;
      flow[r.date].exited += r.exited || 0;
    });
    var flowDays = Object.keys(flow).sort();
    if (!flowDays.length) { showEmpty(b.chart, population.length ? noData : "Entered/exited needs the daily membership mart (" + DATA.prefix + "_population_daily), which is empty."); }
    else {
      plot(b.chart, [
        { type: "bar", name: "entered", x: flowDays, y: flowDays.map(function (d) { return flow[d].entered; }), marker: { color: "#38a169" }, hovertemplate: "%{x}<br>entered: %{y:,.0f}<extra></extra>" },
        { type: "bar", name: "exited", x: flowDays, y: flowDays.map(function (d) { return -flow[d].exited; }), marker: { color: "#e53e3e" }, customdata: flowDays.map(function (d) { return flow[d].exited; }), hovertemplate: "%{x}<br>exited: %{customdata:,.0f}<extra></extra>" }
      ], { barmode: "relative", yaxis: { automargin: true, exponentformat: "B", separatethousands: true, gridcolor: "#eef1f5" } });
    }
    var dist = ranked.filter(function (r) { return r.score > 0; });
    if (!dist.length) { showEmpty(c.chart, noData); }
    else {
      var head = dist.slice(0, 12);
      var rest = dist.slice(12).reduce(function (acc, r) { return acc + r.score; }, 0);
      var labels = head.map(function (r) { return esc(segById[r.id].name); });
      var values = head.map(function (r) { return r.score; });
      var colors = head.map(function (r) { return segById[r.id].color; });
      if (rest > 0) { labels.push("other segments (" + (dist.length - 12) + ")"); values.push(rest); colors.push("#cbd5e0"); }
      plot(c.chart, [{ type: "pie", hole: 0.5, labels: labels, values: values, marker: { colors: colors }, sort: false,
        textinfo: "percent", hovertemplate: "%{label}<br>%{value:,.0f} profiles (%{percent})<extra></extra>" }], { margin: { l: 10, r: 10, t: 10, b: 10 } });
    }
    var scopedChanges = changes.filter(function (ch) { return ids[ch.segment_id] && ch.date && inRange(ch.date); })
      .sort(function (x, y) { return x.date < y.date ? 1 : -1; });
    var byType = {};
    scopedChanges.forEach(function (ch) {
      var type = ch.change_type || "change";
      if (!byType[type]) { byType[type] = {}; }
      byType[type][ch.date] = (byType[type][ch.date] || 0) + 1;
    });
    var changeDays = sortedUnique(scopedChanges.map(function (ch) { return ch.date; }));
    if (!scopedChanges.length) {
      showEmpty(d.chart, changes.length ? "No rule changes between " + rangeText() + " for the selected segments." : "No rule changes recorded yet: history starts with the first run and records edits from the second run on.");
    } else {
      plot(d.chart, Object.keys(byType).sort().map(function (type) {
        return { type: "bar", name: esc(type), x: changeDays, y: changeDays.map(function (day) { return byType[type][day] || 0; }),
          marker: { color: type === "deletion" ? "#e53e3e" : "#dd6b20" }, hovertemplate: "%{x}<br>%{fullData.name}: %{y}<extra></extra>" };
      }), { barmode: "stack", xaxis: { type: "category", automargin: true },
        yaxis: { automargin: true, gridcolor: "#eef1f5", tickformat: ",d", dtick: 1, rangemode: "tozero" } });
    }
    var tableBox = el("section", { className: "box", "data-table": "rule-changes" }, [el("h2", { text: "Rule change tracker" })]);
    panel.appendChild(el("div", { style: "height:12px" }));
    panel.appendChild(tableBox);
    if (!scopedChanges.length) { tableBox.appendChild(el("div", { className: "empty", text: "No rule changes to list for these filters." })); return; }
    var table = el("table", { className: "data" });
    table.appendChild(el("thead", {}, [el("tr", {}, ["Date", "Segment", "Change", "Version", "Changed by", "Population before → after", "What changed"]
      .map(function (h) { return el("th", { text: h }); }))]));
    var body = el("tbody");
    scopedChanges.forEach(function (ch) {
      var diff = el("pre", { className: "diff" });
      String(ch.rule_diff || "(no diff recorded)").split("\n").forEach(function (line) {
        var cls = /^\s*[+]/.test(line) || /^added/i.test(line) ? "add" : (/^\s*[-−]/.test(line) || /^removed/i.test(line) ? "del" : "");
        diff.appendChild(el("span", { className: cls, text: line + "\n" }));
      });
      body.appendChild(el("tr", {}, [
        el("td", { text: ch.date }), el("td", { text: ch.segment_name || (segById[ch.segment_id] || {}).name || ch.segment_id }),
        el("td", { text: ch.change_type || "" }), el("td", { className: "num", text: ch.version == null ? "" : fmt(ch.version) }),
        el("td", { text: ch.changed_by || "unknown" }),
        el("td", { className: "num", text: fmt(ch.population_before) + " → " + fmt(ch.population_after) }),
        el("td", {}, [diff])]));
    });
    table.appendChild(body);
    tableBox.appendChild(table);
  }

  // ---------- segment overlap ----------
  function pct(value) { return value == null || !isFinite(value) ? "–" : (value * 100).toFixed(1) + " %"; }
  function overlapHeatmap(node, ids) {
    var pairs = overlapRows.filter(function (r) { return ids[r.segment_a] && ids[r.segment_b]; });
    if (!pairs.length) {
      showEmpty(node, overlapRows.length ? "No two segments in scope share members at run date " + overlapRows[0].run_date + "."
        : "No overlap recorded: " + DATA.prefix + "_segment_overlap is empty or missing; the build fills it.");
      return;
    }
    var weight = {};
    pairs.forEach(function (r) {
      weight[r.segment_a] = (weight[r.segment_a] || 0) + r.members_both;
      weight[r.segment_b] = (weight[r.segment_b] || 0) + r.members_both;
    });
    var order = Object.keys(weight).sort(function (x, y) { return weight[y] - weight[x] || (x < y ? -1 : 1); }).slice(0, MAX_OVERLAP);
    var index = {};
    order.forEach(function (id, i) { index[id] = i; });
    var z = order.map(function () { return order.map(function () { return null; }); });
    var text = order.map(function () { return order.map(function () { return "no shared members"; }); });
    order.forEach(function (id, i) { z[i][i] = 1; text[i][i] = "the same segment"; });
    pairs.forEach(function (r) {
      var i = index[r.segment_a], j = index[r.segment_b];
      if (i == null || j == null) { return; }
      var both = fmt(r.members_both) + " shared members · jaccard " + pct(r.jaccard);
      z[i][j] = r.share_of_a_in_b; text[i][j] = both;
      z[j][i] = r.share_of_b_in_a; text[j][i] = both;
    });
    var labels = order.map(function (id) { return esc((segById[id] || { name: id }).name); });
    plot(node, [{ type: "heatmap", x: labels, y: labels, z: z, text: text, zmin: 0, zmax: 1, colorscale: "Blues", reversescale: true,
      hoverongaps: false, colorbar: { tickformat: ".0%", thickness: 12 },
      hovertemplate: "%{y} in %{x}: %{z:.1%}<br>%{text}<extra></extra>" }],
    { margin: { l: 10, r: 10, t: 10, b: 10 }, xaxis: { automargin: true, tickangle: -30, type: "category", dtick: 1, tickfont: { size: 10 } },
      yaxis: { automargin: true, autorange: "reversed", type: "category", dtick: 1, tickfont: { size: 10 } }, showlegend: false });
  }

  // ---------- metric roll-ups ----------
  function rollup(metric, ids, grain) {
    var info = metricInfo[metric] || { agg: "sum" };
    var agg = (info.agg || "sum").toLowerCase();
    var out = {};
    (byMetric[metric] || []).forEach(function (r) {
      if (!ids[r.segment_id] || !inRange(r.date)) { return; }
      var key = period(r.date, grain);
      if (!out[r.segment_id]) { out[r.segment_id] = {}; }
      var cell = out[r.segment_id][key];
      if (!cell) { cell = out[r.segment_id][key] = { total: null, unique: 0, weighted: 0 }; }
      var value = r.value;
      var unique = r.unique || 0;
      cell.unique += unique;
      if (value == null) { return; }
      if (ADDITIVE[agg]) { cell.total = (cell.total || 0) + value; }
      else if (agg === "min") { cell.total = cell.total == null ? value : Math.min(cell.total, value); }
      else if (agg === "max") { cell.total = cell.total == null ? value : Math.max(cell.total, value); }
      else { cell.weighted += value * unique; cell.total = cell.unique ? cell.weighted / cell.unique : value; }
    });
    return { agg: agg, bySegment: out };
  }
  function combine(cells, agg) {
    var out = { total: null, unique: 0, weighted: 0 };
    cells.forEach(function (c) {
      if (!c) { return; }
      out.unique += c.unique;
      if (c.total == null) { return; }
      if (ADDITIVE[agg]) { out.total = (out.total || 0) + c.total; }
      else if (agg === "min") { out.total = out.total == null ? c.total : Math.min(out.total, c.total); }
      else if (agg === "max") { out.total = out.total == null ? c.total : Math.max(out.total, c.total); }
      else { out.weighted += c.total * c.unique; out.total = out.unique ? out.weighted / out.unique : c.total; }
    });
    return out;
  }
  function measureOf(cell, measure, agg) {
    if (measure === "total") { return cell.total; }
    if (measure === "unique") { return cell.unique; }
    if (!ADDITIVE[agg] || agg === "count_distinct" || !cell.unique || cell.total == null) { return null; }
    return cell.total / cell.unique;
  }
  function measureLabels(grain) {
    var daily = grain === "daily";
    return {
      total: "Total",
      unique: daily ? "Unique profiles" : "Active profile-days",
      avg: daily ? "Average per profile" : "Average per active profile-day"
    };
  }
  function metricCharts(container, metric, grain, ids, prefixId, hint) {
    var data = rollup(metric, ids, grain);
    var labels = measureLabels(grain);
    var totals = Object.keys(data.bySegment).map(function (id) {
      var sum = 0;
      Object.keys(data.bySegment[id]).forEach(function (k) { sum += data.bySegment[id][k].unique; });
      return { id: id, score: sum };
    }).sort(function (a, b) { return b.score - a.score; });
    var shown = totals.slice(0, MAX_LINES);
    var more = totals.length > MAX_LINES ? "The " + MAX_LINES + " most active of " + totals.length + " segments. " : "";
    ["total", "unique", "avg"].forEach(function (measure) {
      var hintText = more + (hint[measure] || "");
      var box = chartBox(metric + " — " + labels[measure].toLowerCase(), hintText, prefixId + "-" + measure);
      container.appendChild(box.box);
      if (!(byMetric[metric] || []).length) {
        showEmpty(box.chart, "No rows for metric '" + metric + "' in " + DATA.prefix + "_metrics_daily. Was it added after the last build? Run the build again.");
        return;
      }
      if (!shown.length) { showEmpty(box.chart, "No " + metric + " events between " + rangeText() + " for the selected segments."); return; }
      if (measure === "avg" && (!ADDITIVE[data.agg] || data.agg === "count_distinct")) {
        showEmpty(box.chart, "Average per profile is defined for count and sum metrics; '" + metric + "' uses " + data.agg + ".");
        return;
      }
      var traces = shown.map(function (item) {
        var cells = data.bySegment[item.id];
        var keys = Object.keys(cells).sort();
        return lineTrace(segById[item.id] || { name: item.id, color: "#4a5568" }, keys, keys.map(function (k) { return measureOf(cells[k], measure, data.agg); }), labels[measure].toLowerCase(),
          keys.length > 1 ? {} : { mode: "markers" });
      });
      plot(box.chart, traces, { hovermode: "x unified" });
      var shownIds = {};
      shown.forEach(function (item) { shownIds[item.id] = true; });
      markAlerts(box.chart, alerts.filter(function (al) { return al.kind === "metric_anomaly" && al.metric_name === metric && shownIds[al.segment_id]; }), grain);
    });
  }
  function grainSelect(current, onChange) {
    var select = el("select", { "data-control": "grain" });
    [["daily", "Daily"], ["weekly", "Weekly (Mon–Sun)"], ["monthly", "Monthly"]].forEach(function (g) {
      select.appendChild(el("option", { value: g[0], text: g[1] }));
    });
    select.value = current;
    select.addEventListener("change", function () { onChange(select.value); });
    return el("label", { text: "Grain" }, [select]);
  }
  function metricSelect(names, current, onChange) {
    var select = el("select", { "data-control": "metric" });
    names.forEach(function (n) { select.appendChild(el("option", { value: n, text: n })); });
    select.value = current;
    select.addEventListener("change", function () { onChange(select.value); });
    return el("label", { text: "Metric" }, [select]);
  }
  var AVG_HINT = { avg: "Total divided by unique profiles (at weekly/monthly grain: by the sum of daily unique profiles, the original dashboard's formula)." };

  // ---------- tab: one per metric group ----------
  function renderGroup(group, panel) {
    panel.innerHTML = "";
    missingNotice(panel, ["metrics_daily"]);
    if (!group.state) { group.state = { metric: group.metrics[0].name, grain: "daily" }; }
    var names = group.metrics.map(function (m) { return m.name; });
    var controls = el("div", { className: "control" }, [
      metricSelect(names, group.state.metric, function (v) { group.state.metric = v; renderGroup(group, panel); }),
      grainSelect(group.state.grain, function (v) { group.state.grain = v; renderGroup(group, panel); }),
      el("span", { className: "hint", text: "Source table: " + group.source + " · " + names.length + " metric(s)" })
    ]);
    panel.appendChild(controls);
    var ids = scopeIds();
    panel.appendChild(kpiTable(group.metrics, ids, "Totals between " + rangeText() + " for the segments in scope"));
    var grid = el("div", { className: "grid" });
    panel.appendChild(grid);
    metricCharts(grid, group.state.metric, group.state.grain, ids, group.key, AVG_HINT);
  }
  function kpiTable(metrics, ids, caption) {
    var box = el("section", { className: "box", "data-table": "kpis" }, [el("h2", { text: caption })]);
    var table = el("table", { className: "data" });
    table.appendChild(el("thead", {}, [el("tr", {}, [el("th", { text: "Metric" }), el("th", { text: "Aggregation" }),
      el("th", { className: "num", text: "Total" }), el("th", { className: "num", text: "Active profile-days" }),
      el("th", { className: "num", text: "Average per active profile-day" })].concat(DELTA_PERIODS.map(function (p) {
        return el("th", { className: "num", text: "Latest day vs " + p[1] + " earlier" });
      })))]));
    var body = el("tbody");
    metrics.forEach(function (m) {
      var data = rollup(m.name, ids, "all");
      var cell = combine(Object.keys(data.bySegment).map(function (id) { return data.bySegment[id].all; }), data.agg);
      body.appendChild(el("tr", {}, [el("td", { text: m.name }), el("td", { text: data.agg }),
        el("td", { className: "num", text: fmt(cell.total) }), el("td", { className: "num", text: fmt(cell.unique) }),
        el("td", { className: "num", text: fmt(measureOf(cell, "avg", data.agg)) })].concat(DELTA_PERIODS.map(function (p) {
          return deltaCell(kpiDelta(m.name, ids, p[0]), p[0]);
        }))));
    });
    table.appendChild(body);
    box.appendChild(table);
    box.appendChild(el("p", { className: "hint", text: "Summed over the segments in scope; a profile in two segments counts in both." }));
    var latest = kpiDeltaRows.length ? kpiDeltaRows[0].date : null;
    box.appendChild(el("p", { className: "hint", "data-hint": "kpi-deltas", text: latest
      ? "Changes: the latest day of the daily metrics (" + latest + ", whatever the date range) against the same day a week, a month " +
        "(clamped at the month's end) and a year earlier, over the segments in scope that have both days: count and sum add up, " +
        "min and max take the min and max, avg and count_distinct need a single segment; – when the earlier day has no data."
      : "Changes against a week, a month and a year earlier need " + DATA.prefix + "_kpis_period_over_period, which is empty or missing." }));
    return box;
  }

  // ---------- KPI deltas ----------
  var DELTA_PERIODS = [["week_ago", "a week"], ["month_ago", "a month"], ["year_ago", "a year"]];
  function kpiDelta(metric, ids, which) {
    var rows = kpiDeltaRows.filter(function (r) {
      return r.kind === "metric" && r.kpi === metric && ids[r.segment_id] && r.value != null && r[which] != null;
    });
    if (!rows.length) { return null; }
    var agg = rows[0].agg, now = null, before = null;
    rows.forEach(function (r) {
      if (agg === "count" || agg === "sum") { now = (now || 0) + r.value; before = (before || 0) + r[which]; }
      else if (agg === "min") { now = now == null ? r.value : Math.min(now, r.value); before = before == null ? r[which] : Math.min(before, r[which]); }
      else if (agg === "max") { now = now == null ? r.value : Math.max(now, r.value); before = before == null ? r[which] : Math.max(before, r[which]); }
    });
    if (!(agg === "count" || agg === "sum" || agg === "min" || agg === "max")) {
      if (rows.length !== 1) { return null; }
      now = rows[0].value; before = rows[0][which];
    }
    return { now: now, before: before, day: rows[0].date, segments: rows.length };
  }
  function deltaCell(delta, which) {
    if (!delta || !delta.before) { return el("td", { className: "num", "data-delta": which, text: "–" }); }
    var change = (delta.now - delta.before) / Math.abs(delta.before);
    var text = (change > 0 ? "+" : "") + (change * 100).toFixed(1) + " %";
    return el("td", { className: "num delta " + (change > 0 ? "up" : (change < 0 ? "down" : "flat")), "data-delta": which,
      title: fmt(delta.now) + " on " + delta.day + " against " + fmt(delta.before) + " (" + delta.segments + " segment(s))", text: text });
  }

  // ---------- tab: compare ----------
  var compareState = { metric: null, grain: "daily" };
  function renderCompare(panel) {
    panel.innerHTML = "";
    var allMetrics = Object.keys(metricInfo);
    var candidates = scopedSegments().filter(function (s) { return s.selected || !s.current; })
      .sort(function (a, b) { return (b.population || 0) - (a.population || 0); });
    if (!state.compare.length) { state.compare = candidates.slice(0, 2).map(function (s) { return s.id; }); }
    panel.appendChild(el("p", { className: "hint", text: "Pick 2 to 4 segments (for example the arms of an A/B test) to see their KPIs side by side over " + rangeText() + "." }));
    var picker = el("div", { className: "picker", "data-control": "compare-picker" });
    candidates.forEach(function (s) {
      var box = el("input", { type: "checkbox", value: s.id, "data-segment": s.id });
      box.checked = state.compare.indexOf(s.id) >= 0;
      box.disabled = !box.checked && state.compare.length >= 4;
      box.addEventListener("change", function () {
        if (box.checked) { if (state.compare.length < 4) { state.compare.push(s.id); } }
        else { state.compare = state.compare.filter(function (id) { return id !== s.id; }); }
        renderCompare(panel);
      });
      picker.appendChild(el("label", {}, [box, document.createTextNode(" " + s.name)]));
    });
    if (!candidates.length) { picker.appendChild(el("span", { className: "hint", text: "No tracked segments match the filters." })); }
    panel.appendChild(picker);
    if (state.compare.length < 2) {
      panel.appendChild(el("div", { className: "empty", "data-state": "empty", text: "Pick at least 2 segments to compare (up to 4)." }));
      return;
    }
    var ids = {};
    state.compare.forEach(function (id) { ids[id] = true; });
    var picked = state.compare.map(function (id) { return segById[id]; });
    var controls = el("div", { className: "control" });
    panel.appendChild(controls);
    if (!allMetrics.length) {
      panel.appendChild(el("div", { className: "empty", text: "No metrics configured: add metrics under vars segment_analytics.metrics to compare KPIs." }));
    } else {
      if (!compareState.metric || allMetrics.indexOf(compareState.metric) < 0) { compareState.metric = allMetrics[0]; }
      controls.appendChild(metricSelect(allMetrics, compareState.metric, function (v) { compareState.metric = v; renderCompare(panel); }));
      controls.appendChild(grainSelect(compareState.grain, function (v) { compareState.grain = v; renderCompare(panel); }));
    }
    panel.appendChild(compareTable(picked, allMetrics, ids));
    var grid = el("div", { className: "grid" });
    panel.appendChild(grid);
    var popBox = chartBox("Population over time", "Source: " + popSourceLabel + ".", "compare-population");
    grid.appendChild(popBox.box);
    var series = populationBySegment(ids);
    var popTraces = [];
    picked.filter(function (s) { return series[s.id]; }).forEach(function (s) { popTraces = popTraces.concat(populationTraces(s, series[s.id])); });
    if (!plot(popBox.chart, popTraces, { hovermode: "x unified" })) { showEmpty(popBox.chart, "No population data between " + rangeText() + " for these segments."); }
    if (allMetrics.length) { metricCharts(grid, compareState.metric, compareState.grain, ids, "compare", AVG_HINT); }
  }
  function compareTable(picked, metrics, ids) {
    var box = el("section", { className: "box", "data-table": "compare" }, [el("h2", { text: "Side by side, " + rangeText() })]);
    var table = el("table", { className: "data" });
    table.appendChild(el("thead", {}, [el("tr", {}, [el("th", { text: "Measure" })].concat(picked.map(function (s) {
      return el("th", { className: "num", text: s.name });
    })))]));
    var body = el("tbody");
    var series = populationBySegment(ids);
    body.appendChild(el("tr", {}, [el("td", { text: "Population at end of range" })].concat(picked.map(function (s) {
      return el("td", { className: "num", text: series[s.id] ? fmt(latestValue(series[s.id])) : "–" });
    }))));
    metrics.forEach(function (metric) {
      var data = rollup(metric, ids, "all");
      var cells = {};
      picked.forEach(function (s) { cells[s.id] = combine([(data.bySegment[s.id] || {}).all], data.agg); });
      body.appendChild(el("tr", {}, [el("td", { text: metric + " (" + data.agg + ")" })].concat(picked.map(function (s) { return el("td", { className: "num", text: fmt(cells[s.id].total) }); }))));
      body.appendChild(el("tr", {}, [el("td", { text: metric + " per active profile-day" })].concat(picked.map(function (s) {
        return el("td", { className: "num", text: fmt(measureOf(cells[s.id], "avg", data.agg)) });
      }))));
    });
    table.appendChild(body);
    box.appendChild(table);
    return box;
  }

  // ---------- alerts ----------
  // Markers on a drawn chart: a dotted red line and a ▼ (hover: what fired) on each day (or period) with alerts.
  function markAlerts(node, list, grain) {
    var byKey = {};
    list.forEach(function (al) {
      if (!al.run_date || !inRange(al.run_date)) { return; }
      var key = grain === "daily" ? al.run_date : period(al.run_date, grain);
      (byKey[key] = byKey[key] || []).push(al);
    });
    var keys = Object.keys(byKey).sort();
    var rank = { critical: 0, warning: 1, info: 2 };
    keys.forEach(function (k) { byKey[k].sort(function (x, y) { return (x.severity in rank ? rank[x.severity] : 3) - (y.severity in rank ? rank[y.severity] : 3); }); });
    node.setAttribute("data-alert-days", keys.join(","));
    if (!keys.length || node.getAttribute("data-state") !== "chart") { return; }
    var shapes = keys.map(function (k) {
      return { type: "line", xref: "x", yref: "paper", x0: k, x1: k, y0: 0, y1: 1, line: { color: "#c53030", width: 1, dash: "dot" } };
    });
    var notes = keys.map(function (k) {
      return { x: k, xref: "x", y: 1, yref: "paper", yanchor: "bottom", showarrow: false, text: "▼", font: { color: "#c53030", size: 12 },
        hovertext: byKey[k].map(function (al) { return esc("[" + al.severity + "] " + al.kind + ": " + (al.segment_name || al.segment_id || "account")); }).join("<br>") };
    });
    window.Plotly.relayout(node, { shapes: shapes, annotations: notes });
  }
  function alertInScope(al) {
    if (al.segment_id && segById[al.segment_id]) { return inScope(segById[al.segment_id]); }
    if (state.segment || state.folder) { return false; }
    return !state.ps || !al.ps_id || al.ps_id === state.ps;
  }
  function deliveryText(al) {
    var names = Object.keys(al.deliveries || {});
    if (al.muted) { return "muted, not sent"; }
    if (!names.length) { return "not sent"; }
    return names.map(function (n) { return n + ": " + al.deliveries[n]; }).join(", ");
  }
  function renderAlerts(panel) {
    panel.innerHTML = "";
    missingNotice(panel, ["alerts"]);
    var list = alerts.filter(function (al) { return al.run_date && inRange(al.run_date) && alertInScope(al); });
    var count = function (test) { return list.filter(test).length; };
    var undelivered = count(function (al) {
      var states = Object.keys(al.deliveries || {}).map(function (n) { return al.deliveries[n]; });
      return !al.muted && states.indexOf("failed") >= 0;
    });
    panel.appendChild(el("div", { className: "cards", "data-cards": "alerts" }, [
      card("Alerts", fmt(list.length), rangeText()),
      card("Critical", fmt(count(function (al) { return al.severity === "critical"; })), "warnings " + fmt(count(function (al) { return al.severity === "warning"; }))),
      card("Muted", fmt(count(function (al) { return al.muted; })), "never sent"),
      card("Failed deliveries", fmt(undelivered), "alerts a destination has not taken yet")
    ]));
    var box = el("section", { className: "box", "data-table": "alerts" }, [el("h2", { text: "What fired" }),
      el("p", { className: "hint", text: "Newest first. Delivery: the state of each destination (delivered, failed); `segment-analytics alerts send` retries failed ones." })]);
    panel.appendChild(box);
    if (!list.length) {
      box.appendChild(el("div", { className: "empty", "data-state": "empty", text: alerts.length
        ? "No alerts between " + rangeText() + " for these filters." : "No alerts recorded: nothing has fired yet." }));
      return;
    }
    var table = el("table", { className: "data" });
    table.appendChild(el("thead", {}, [el("tr", {}, ["Date", "Severity", "Kind", "Segment", "What happened", "Muted", "Delivery"]
      .map(function (h) { return el("th", { text: h }); }))]));
    var body = el("tbody");
    list.forEach(function (al) {
      body.appendChild(el("tr", { "data-alert": al.alert_id, className: "sev-" + (al.severity || "info") }, [
        el("td", { text: al.run_date }), el("td", { className: "severity", text: al.severity || "" }), el("td", { text: al.kind || "" }),
        el("td", { text: al.segment_name || (segById[al.segment_id] || {}).name || al.segment_id || "account" }),
        el("td", { text: al.message || "" }),
        el("td", { text: al.muted ? "until " + (al.muted_until || "?") : "no" }),
        el("td", { className: "delivery", text: deliveryText(al) })]));
    });
    table.appendChild(body);
    box.appendChild(table);
  }

  // ---------- tab: no metrics ----------
  function renderNoMetrics(panel) {
    panel.innerHTML = "";
    panel.appendChild(el("div", { className: "empty", "data-state": "empty",
      text: "No metrics configured: add entries under vars segment_analytics.metrics in dbt_project.yml, run the build, then the report again." }));
  }

  // ---------- tab: A/B tests (docs/ab_tests.md; absent until a test is configured and built) ----------
  var abTests = DATA.ab_tests || [];
  function pct(value) { return value == null ? "–" : (value * 100).toFixed(1) + " %"; }
  function pValue(value) { return value == null ? "–" : (value < 0.0001 ? value.toExponential(1) : value.toFixed(4)); }
  // significant at 5 % (two-sided): better / worse than the control; else inconclusive
  function verdict(row) {
    if (row.is_control) { return "control"; }
    if (row.p_value == null || row.lift == null) { return "none"; }
    if (row.p_value < 0.05) { return row.lift > 0 ? "better" : "worse"; }
    return "inconclusive";
  }
  var VERDICT_COLOR = { better: "#1f7a3a", worse: "#b42318", inconclusive: "#7f7f7f" };
  function abTable(test) {
    var head = el("tr", {}, ["Metric", "Arm", "Members", "Total", "Mean per member", "Lift", "95 % interval", "p-value",
      "Chance to beat control"].map(function (h, i) { return el("th", { className: i > 1 ? "num" : "", text: h }); }));
    var body = [];
    test.metrics.forEach(function (m) {
      m.arms.forEach(function (row) {
        var v = verdict(row);
        body.push(el("tr", { className: "ab-row ab-" + v, "data-metric": m.metric, "data-segment": row.segment_id, "data-verdict": v }, [
          el("td", { text: m.metric }),
          el("td", { text: (row.segment_name || row.segment_id) + (row.is_control ? " (control)" : "") }),
          el("td", { className: "num", text: fmt(row.members) }),
          el("td", { className: "num", text: fmt(row.metric_total) }),
          el("td", { className: "num", text: row.mean_per_member == null ? "–" : row.mean_per_member.toFixed(3) }),
          el("td", { className: "num lift", text: pct(row.lift) }),
          el("td", { className: "num", text: row.lift_ci_low == null ? "–" : pct(row.lift_ci_low) + " … " + pct(row.lift_ci_high) }),
          el("td", { className: "num", text: pValue(row.p_value) }),
          el("td", { className: "num", text: pct(row.chance_to_beat_control) })]));
      });
    });
    return el("table", { className: "data ab-table", "data-test": test.name }, [el("thead", {}, [head]), el("tbody", {}, body)]);
  }
  function renderAbTests(panel) {
    panel.innerHTML = "";
    missingNotice(panel, ["ab_results", "ab_daily"]);
    abTests.forEach(function (test, t) {
      var box = el("section", { className: "box ab-test", "data-test": test.name });
      box.appendChild(el("h2", { text: "Test " + test.name }));
      box.appendChild(el("p", { className: "hint", text: "Arms: " + test.arms.map(function (a) {
        return (a.segment_name || a.segment_id) + (a.is_control ? " (control)" : "") + " " + fmt(a.members);
      }).join(" · ") + " · through " + (test.computed_through || "–") + " · SRM p-value " + pValue(test.srm_p_value) }));
      if (test.srm_warning) {
        box.appendChild(el("div", { className: "notice srm-warning", "data-srm": "warning",
          text: "Sample ratio mismatch: the arms' sizes are unlikely under the expected split (p = " + pValue(test.srm_p_value)
            + "). Find out why before trusting any number of this test." }));
      }
      if (test.profiles_in_multiple_arms > 0) {
        box.appendChild(el("div", { className: "notice", text: fmt(test.profiles_in_multiple_arms) + " profile(s) are in more than one arm and count in each." }));
      }
      if (test.membership_backfilled) {
        box.appendChild(el("div", { className: "notice", text: "The test starts before membership history began: those days count the earliest known members." }));
      }
      box.appendChild(abTable(test));
      var variants = [];
      test.metrics.forEach(function (m) { m.arms.forEach(function (row) { if (!row.is_control && row.lift != null) { variants.push({ metric: m.metric, row: row }); } }); });
      var bars = chartBox("Lift with 95 % interval", "Green: better than the control at p < 0.05; red: worse; grey: inconclusive.", "ab-lift-" + t);
      var cumulative = chartBox("Cumulative lift by day", "The estimate through each day of the window; it settles as members and days accumulate.", "ab-daily-" + t);
      box.appendChild(el("div", { className: "grid" }, [bars.box, cumulative.box]));
      panel.appendChild(box);
      if (!variants.length) { showEmpty(bars.chart, "No lift to show: no count or sum metric with a non-zero control mean."); }
      else {
        plot(bars.chart, [{
          type: "scatter", mode: "markers",
          x: variants.map(function (v) { return v.row.lift; }),
          y: variants.map(function (v) { return esc(v.metric + " · " + (v.row.segment_name || v.row.segment_id)); }),
          error_x: { type: "data", symmetric: false,
            array: variants.map(function (v) { return v.row.lift_ci_high == null ? 0 : v.row.lift_ci_high - v.row.lift; }),
            arrayminus: variants.map(function (v) { return v.row.lift_ci_low == null ? 0 : v.row.lift - v.row.lift_ci_low; }) },
          marker: { size: 10, color: variants.map(function (v) { return VERDICT_COLOR[verdict(v.row)] || "#7f7f7f"; }) },
          hovertemplate: "%{y}<br>lift %{x:.1%}<extra></extra>"
        }], { showlegend: false, xaxis: { tickformat: ".0%", zeroline: true, zerolinecolor: "#1d2733", gridcolor: "#eef1f5" },
          yaxis: { automargin: true, type: "category" }, margin: { l: 10, r: 16, t: 10, b: 40 } });
      }
      var traces = [];
      test.metrics.forEach(function (m, i) {
        m.daily.forEach(function (s) {
          traces.push({ type: "scatter", mode: s.dates.length > 1 ? "lines" : "markers", name: esc(m.metric + " · " + (s.segment_name || s.segment_id)),
            x: s.dates, y: s.lift, line: { color: PALETTE[traces.length % PALETTE.length], width: 2 },
            hovertemplate: "%{fullData.name}<br>%{x}<br>lift %{y:.1%}<extra></extra>", visible: i < 3 ? true : "legendonly" });
        });
      });
      if (!plot(cumulative.chart, traces, { yaxis: { tickformat: ".0%", zeroline: true, zerolinecolor: "#1d2733", gridcolor: "#eef1f5" } })) {
        showEmpty(cumulative.chart, "No daily readout yet.");
      }
    });
  }

  // ---------- start ----------
  var meta = "Run date " + (DATA.run_date || "unknown") + " · generated " + DATA.generated_at + " · tables " + DATA.prefix + "_*";
  document.getElementById("sa-meta").textContent = meta;
  addTab("summary", "Account summary", renderSummary);
  addTab("segments", "Segments", renderSegments);
  if (groups.length) {
    groups.forEach(function (g) { addTab("metrics-" + g.key, g.label, function (panel) { renderGroup(g, panel); }); });
  } else {
    addTab("metrics", "Metrics", renderNoMetrics);
  }
  addTab("compare", "Compare", renderCompare);
  if (hasAlerts) { addTab("alerts", "Alerts", renderAlerts); }
  if (abTests.length) { addTab("ab", "A/B tests", renderAbTests); }
  refreshFilterOptions();
  renderTab("summary");
  document.body.setAttribute("data-ready", "true");
})();
