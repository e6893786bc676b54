{#- The event window of a run: events with start <= time < end (epoch seconds, UTC).
    Event days are those strictly before the run date (a day is complete only after it ends), so
    the end is never later than the run date's midnight.
    time_window.type:
      none      start open
      interval  lookback N<unit> counted back from `anchor` (now = the run date): like TD_INTERVAL,
                the anchor is first truncated to the unit (w: Monday, M: 1st, q: quarter, y: Jan 1),
                then N units are subtracted; the window ends at the anchor
      range     [start_date, end_date) UTC days; 2222-02-02 = open end
    Returns {start_epoch, end_epoch, start_date, end_date} (dates as YYYY-MM-DD, start may be none). -#}
{% macro sa_event_window(window=none, run_date=none) -%}
  {%- set cfg = window if window is not none else sa_cfg()['time_window'] -%}
  {%- set dt = modules.datetime -%}
  {%- set run_text = run_date or sa_run_date() -%}
  {%- if not sa_event_window_readable(cfg, run_text) -%}
    {#- a bad window or run date: parsing goes on (on-run-start lists every problem at once);
        when executing, the whole list is raised -#}
    {%- if execute -%}{%- do sa_validate_config() -%}{%- endif -%}
    {%- if not execute or window is none -%}
      {{ return({'start_epoch': none, 'end_epoch': 0, 'start_date': none, 'end_date': '1970-01-01'}) }}
    {%- endif -%}
  {%- endif -%}
  {%- set run_day = dt.datetime.strptime(run_text, '%Y-%m-%d') -%}
  {%- set start = none -%}
  {%- set end = run_day -%}
  {%- if cfg['type'] == 'interval' -%}
    {%- set anchor = run_day if cfg['anchor'] in (none, 'now') else dt.datetime.strptime(cfg['anchor'], '%Y-%m-%d') -%}
    {%- set start = sa_lookback_start(anchor, cfg['lookback']) -%}
    {%- set end = [anchor, run_day] | min -%}
  {%- elif cfg['type'] == 'range' -%}
    {%- set start = dt.datetime.strptime(cfg['start_date'], '%Y-%m-%d') -%}
    {%- set end = [dt.datetime.strptime(cfg['end_date'], '%Y-%m-%d'), run_day] | min -%}
  {%- endif -%}
  {%- set origin = dt.datetime(1970, 1, 1) -%}
  {%- set start_epoch = none if start is none else ((start - origin).total_seconds() | int) -%}
  {%- set end_epoch = (end - origin).total_seconds() | int -%}
  {%- if start_epoch is not none and start_epoch > end_epoch -%}{%- set start_epoch = end_epoch -%}{%- endif -%}
  {{ return({
      'start_epoch': start_epoch,
      'end_epoch': end_epoch,
      'start_date': none if start is none else start.strftime('%Y-%m-%d'),
      'end_date': end.strftime('%Y-%m-%d'),
  }) }}
{%- endmacro %}

{#- Whether sa_event_window can read this window and run date (no problem of sa_config_problems). -#}
{% macro sa_event_window_readable(cfg, run_text) -%}
  {%- if not sa_config_date(run_text | string, 'run_date', []) -%}{{ return(false) }}{%- endif -%}
  {%- if cfg['type'] == 'interval' -%}
    {%- if not sa_config_matches(cfg['lookback'], sa_config_patterns()['lookback']) -%}
      {{ return(false) }}
    {%- endif -%}
    {{ return(cfg['anchor'] in (none, 'now') or sa_config_date(cfg['anchor'], 'time_window.anchor', [])) }}
  {%- elif cfg['type'] == 'range' -%}
    {{ return(sa_config_date(cfg['start_date'], 'time_window.start_date', [])
              and sa_config_date(cfg['end_date'], 'time_window.end_date', [])) }}
  {%- endif -%}
  {{ return(true) }}
{%- endmacro %}

{#- anchor (a datetime at midnight) minus a lookback such as -30d, after truncating to the unit. -#}
{% macro sa_lookback_start(anchor, lookback) -%}
  {%- set dt = modules.datetime -%}
  {%- set count = (lookback[1:-1] | int) -%}
  {%- set unit = lookback[-1] -%}
  {%- if unit == 's' -%}{{ return(anchor - dt.timedelta(seconds=count)) }}
  {%- elif unit == 'm' -%}{{ return(anchor - dt.timedelta(minutes=count)) }}
  {%- elif unit == 'h' -%}{{ return(anchor - dt.timedelta(hours=count)) }}
  {%- elif unit == 'd' -%}{{ return(anchor - dt.timedelta(days=count)) }}
  {%- elif unit == 'w' -%}
    {{ return(anchor - dt.timedelta(days=anchor.weekday() + 7 * count)) }}
  {%- else -%}
    {%- set months_per = {'M': 1, 'q': 3, 'y': 12}[unit] -%}
    {%- set first_month = anchor.month - 1 -%}
    {%- if unit == 'q' -%}{%- set first_month = (first_month // 3) * 3 -%}{%- endif -%}
    {%- if unit == 'y' -%}{%- set first_month = 0 -%}{%- endif -%}
    {%- set total = anchor.year * 12 + first_month - count * months_per -%}
    {{ return(dt.datetime(total // 12, total % 12 + 1, 1)) }}
  {%- endif -%}
{%- endmacro %}


{#- run-operation helper for tests: prints `SA_EVENT_WINDOW <i> <json>` per case
    (args: {cases: [{window: {...time_window...}, run_date: YYYY-MM-DD}, ...]}). -#}
{% macro sa_print_event_windows(cases) -%}
  {%- for case in cases -%}
    {%- set window = sa_cfg({'time_window': case['window']})['time_window'] -%}
    {%- do print('SA_EVENT_WINDOW ' ~ loop.index0 ~ ' ' ~ tojson(sa_event_window(window, case['run_date']))) -%}
  {%- endfor -%}
{%- endmacro %}
