{#- segment_analytics.alerts: its defaults (sa_config_defaults()['alerts'], generated from
    orchestrate/config/schema.py) filled in key by key, the same way as
    orchestrate/config/validate.py alerts_with_defaults. An anomaly rule given in part keeps the
    defaults for the rest; `zscore: null` (or `pct_change: null`) turns that test off; each
    metrics.overrides entry is a partial rule over metrics.default. Never raises. -#}
{% macro sa_alerts_with_defaults(raw) -%}
  {%- set d = sa_config_defaults()['alerts'] -%}
  {%- set raw = raw if raw is mapping else {} -%}
  {%- set out = {} -%}
  {%- for key in ['authorized_editors', 'mutes', 'destinations'] -%}
    {%- set value = raw.get(key) -%}
    {%- do out.update({key: value if (value is iterable and value is not string and value is not mapping) else d[key]}) -%}
  {%- endfor -%}
  {%- do out.update({'dbt_test_severity': raw.get('dbt_test_severity', d['dbt_test_severity'])}) -%}
  {%- for kind in ['rule_change', 'segment_deleted', 'stale_data', 'pull_failed'] -%}
    {%- set given = raw.get(kind) if raw.get(kind) is mapping else {} -%}
    {%- set merged = {} -%}
    {%- for key, default in d[kind].items() -%}{%- do merged.update({key: given.get(key, default)}) -%}{%- endfor -%}
    {%- do out.update({kind: merged}) -%}
  {%- endfor -%}
  {%- do out.update({'population': sa_alert_rule(raw.get('population'), d['population'])}) -%}
  {%- set metrics = raw.get('metrics') if raw.get('metrics') is mapping else {} -%}
  {%- set default_rule = sa_alert_rule(metrics.get('default'), d['metrics']['default']) -%}
  {%- set overrides = {} -%}
  {%- set given_overrides = metrics.get('overrides') if metrics.get('overrides') is mapping else {} -%}
  {%- for name, rule in given_overrides.items() -%}
    {%- do overrides.update({name: sa_alert_rule(rule, default_rule)}) -%}
  {%- endfor -%}
  {%- do out.update({'metrics': {'default': default_rule, 'overrides': overrides}}) -%}
  {{ return(out) }}
{%- endmacro %}

{#- One anomaly rule over `default` (a full rule): pct_change, zscore (a mapping merged key by key,
    or null = off), min_abs_change, direction, severity. -#}
{% macro sa_alert_rule(raw, default) -%}
  {%- set raw = raw if raw is mapping else {} -%}
  {%- set out = {} -%}
  {%- for key in ['pct_change', 'min_abs_change', 'direction', 'severity'] -%}
    {%- do out.update({key: raw.get(key, default[key])}) -%}
  {%- endfor -%}
  {%- if 'zscore' not in raw or raw['zscore'] is not mapping -%}
    {%- do out.update({'zscore': none if ('zscore' in raw and raw['zscore'] is none) else default['zscore']}) -%}
  {%- else -%}
    {%- set base = default['zscore'] or sa_config_defaults()['alerts']['population']['zscore'] -%}
    {%- set z = {} -%}
    {%- for key, value in base.items() -%}{%- do z.update({key: raw['zscore'].get(key, value)}) -%}{%- endfor -%}
    {%- do out.update({'zscore': z}) -%}
  {%- endif -%}
  {{ return(out) }}
{%- endmacro %}

{#- The resolved rule of metric `name`: its override, else metrics.default. -#}
{% macro sa_alert_metric_rule(alerts, name) -%}
  {{ return(alerts['metrics']['overrides'].get(name, alerts['metrics']['default'])) }}
{%- endmacro %}

{#- Validation of segment_analytics.alerts, for sa_validate_config: appends (field, message) pairs
    to `problems`, the same fields, messages and order as orchestrate/config/alerts.py
    validate_alerts. A literal destination url is never quoted. -#}
{% macro sa_config_alerts(raw, metric_names, problems) -%}
  {%- set value = raw.get('alerts') if raw is mapping else none -%}
  {%- if value is none -%}{{ return(problems) }}{%- endif -%}
  {%- if value is not mapping -%}
    {%- do problems.append(('alerts', sa_config_message('not_a_mapping'))) -%}
    {{ return(problems) }}
  {%- endif -%}
  {%- set d = sa_config_defaults()['alerts'] -%}
  {%- set choices = sa_config_schema()['choices'] -%}
  {%- do sa_config_unknown_keys(value, d.keys() | list, 'alerts.', problems) -%}
  {#- authorized_editors -#}
  {%- set editors = value.get('authorized_editors') -%}
  {%- if editors is not none -%}
    {%- if not sa_is_list(editors) -%}
      {%- do problems.append(('alerts.authorized_editors', sa_config_message('alerts_list', {'what': 'user names or ids'}))) -%}
    {%- else -%}
      {%- for editor in editors -%}
        {%- if not (sa_alert_is_text(editor) or sa_alert_is_whole(editor)) -%}
          {%- do problems.append(('alerts.authorized_editors[' ~ loop.index0 ~ ']', sa_config_message('alerts_editor', {'value': sa_repr(editor)}))) -%}
        {%- endif -%}
      {%- endfor -%}
    {%- endif -%}
  {%- endif -%}
  {#- the kinds with a severity -#}
  {%- for kind in ['rule_change', 'segment_deleted', 'stale_data', 'pull_failed'] -%}
    {%- set given = value.get(kind) -%}
    {%- if given is not none and given is not mapping -%}
      {%- do problems.append(('alerts.' ~ kind, sa_config_message('not_a_mapping'))) -%}
    {%- elif given -%}
      {%- do sa_config_unknown_keys(given, d[kind].keys() | list, 'alerts.' ~ kind ~ '.', problems) -%}
      {%- for key in ['severity', 'unauthorized_severity'] if key in given and key in d[kind] -%}
        {%- do sa_config_choice(given[key], choices['alerts.severity'], 'alerts.' ~ kind ~ '.' ~ key, problems) -%}
      {%- endfor -%}
      {%- if 'max_age_hours' in given and not (sa_alert_is_whole(given['max_age_hours']) and given['max_age_hours'] >= 1) -%}
        {%- do problems.append(('alerts.' ~ kind ~ '.max_age_hours', sa_config_message('alerts_hours', {'value': sa_repr(given['max_age_hours'])}))) -%}
      {%- endif -%}
      {%- if 'enabled' in given and given['enabled'] is not boolean -%}
        {%- do problems.append(('alerts.' ~ kind ~ '.enabled', sa_config_message('boolean', {'value': sa_repr(given['enabled'])}))) -%}
      {%- endif -%}
    {%- endif -%}
  {%- endfor -%}
  {%- do sa_config_alert_rule(value.get('population'), 'alerts.population', problems) -%}
  {#- metrics -#}
  {%- set metrics = value.get('metrics') -%}
  {%- if metrics is not none and metrics is not mapping -%}
    {%- do problems.append(('alerts.metrics', sa_config_message('not_a_mapping'))) -%}
  {%- elif metrics -%}
    {%- do sa_config_unknown_keys(metrics, d['metrics'].keys() | list, 'alerts.metrics.', problems) -%}
    {%- do sa_config_alert_rule(metrics.get('default'), 'alerts.metrics.default', problems) -%}
    {%- set overrides = metrics.get('overrides') -%}
    {%- if overrides is not none and overrides is not mapping -%}
      {%- do problems.append(('alerts.metrics.overrides', sa_config_message('alerts_overrides'))) -%}
    {%- elif overrides -%}
      {%- for name, rule in overrides.items() -%}
        {%- if metric_names and name not in metric_names -%}
          {%- do problems.append(('alerts.metrics.overrides.' ~ name, sa_config_message('alerts_unknown_metric', {'value': sa_repr(name), 'allowed': metric_names | join(', ')}))) -%}
        {%- endif -%}
        {%- do sa_config_alert_rule(rule, 'alerts.metrics.overrides.' ~ name, problems) -%}
      {%- endfor -%}
    {%- endif -%}
  {%- endif -%}
  {#- mutes -#}
  {%- set mutes = value.get('mutes') -%}
  {%- if mutes is not none and not sa_is_list(mutes) -%}
    {%- do problems.append(('alerts.mutes', sa_config_message('alerts_list', {'what': 'mutes {segment, kind, until: YYYY-MM-DD, reason}'}))) -%}
  {%- elif mutes -%}
    {%- for mute in mutes -%}
      {%- set where = 'alerts.mutes[' ~ loop.index0 ~ ']' -%}
      {%- if mute is not mapping -%}
        {%- do problems.append((where, sa_config_message('alerts_mute'))) -%}
      {%- else -%}
        {%- do sa_config_unknown_keys(mute, sa_config_schema()['alert_mute_keys'], where ~ '.', problems) -%}
        {%- set segment = mute.get('segment') -%}
        {%- if segment is not none and not (sa_alert_is_text(segment) or sa_alert_is_whole(segment)) -%}
          {%- do problems.append((where ~ '.segment', sa_config_message('alerts_text', {'value': sa_repr(segment)}))) -%}
        {%- endif -%}
        {%- if mute.get('kind') is not none -%}
          {%- do sa_config_choice(mute['kind'], choices['alerts.kind'], where ~ '.kind', problems) -%}
        {%- endif -%}
        {%- if mute.get('reason') is not none and mute['reason'] is not string -%}
          {%- do problems.append((where ~ '.reason', sa_config_message('alerts_text', {'value': sa_repr(mute['reason'])}))) -%}
        {%- endif -%}
        {%- if mute.get('until') is none -%}
          {%- do problems.append((where ~ '.until', sa_config_message('required'))) -%}
        {%- else -%}
          {%- do sa_config_date(sa_date_text(mute['until']), where ~ '.until', problems) -%}
        {%- endif -%}
      {%- endif -%}
    {%- endfor -%}
  {%- endif -%}
  {%- if 'dbt_test_severity' in value -%}
    {%- do sa_config_choice(value['dbt_test_severity'], choices['alerts.dbt_test_severity'], 'alerts.dbt_test_severity', problems) -%}
  {%- endif -%}
  {%- do sa_config_alert_destinations(value.get('destinations'), problems) -%}
  {{ return(problems) }}
{%- endmacro %}

{#- The checks of one anomaly rule (orchestrate/config/alerts.py _check_rule, _check_zscore). -#}
{% macro sa_config_alert_rule(rule, field, problems) -%}
  {%- if rule is none -%}{{ return(problems) }}{%- endif -%}
  {%- if rule is not mapping -%}
    {%- do problems.append((field, sa_config_message('alerts_rule'))) -%}
    {{ return(problems) }}
  {%- endif -%}
  {%- set choices = sa_config_schema()['choices'] -%}
  {%- do sa_config_unknown_keys(rule, ['pct_change', 'zscore', 'min_abs_change', 'direction', 'severity'], field ~ '.', problems) -%}
  {%- set pct = rule.get('pct_change') -%}
  {%- if pct is not none and not (sa_alert_is_number(pct) and pct > 0) -%}
    {%- do problems.append((field ~ '.pct_change', sa_config_message('alerts_percent', {'value': sa_repr(pct)}))) -%}
  {%- endif -%}
  {%- set z = rule.get('zscore') -%}
  {%- if z is not none -%}
    {%- if z is not mapping -%}
      {%- do problems.append((field ~ '.zscore', sa_config_message('alerts_zscore'))) -%}
    {%- else -%}
      {%- do sa_config_unknown_keys(z, sa_config_defaults()['alerts']['population']['zscore'].keys() | list, field ~ '.zscore.', problems) -%}
      {%- if 'sensitivity' in z and not (sa_alert_is_number(z['sensitivity']) and z['sensitivity'] > 0) -%}
        {%- do problems.append((field ~ '.zscore.sensitivity', sa_config_message('alerts_sensitivity', {'value': sa_repr(z['sensitivity'])}))) -%}
      {%- endif -%}
      {%- for key, minimum in [('training_days', 3), ('detection_days', 1)] -%}
        {%- if key in z and not (sa_alert_is_whole(z[key]) and z[key] >= minimum) -%}
          {%- do problems.append((field ~ '.zscore.' ~ key, sa_config_message('alerts_days', {'value': sa_repr(z[key]), 'minimum': minimum}))) -%}
        {%- endif -%}
      {%- endfor -%}
      {%- if 'seasonality' in z -%}
        {%- do sa_config_choice(z['seasonality'], choices['alerts.seasonality'], field ~ '.zscore.seasonality', problems) -%}
      {%- endif -%}
    {%- endif -%}
  {%- endif -%}
  {%- if 'min_abs_change' in rule and not (sa_alert_is_number(rule['min_abs_change']) and rule['min_abs_change'] >= 0) -%}
    {%- do problems.append((field ~ '.min_abs_change', sa_config_message('alerts_number', {'value': sa_repr(rule['min_abs_change'])}))) -%}
  {%- endif -%}
  {%- if 'direction' in rule -%}
    {%- do sa_config_choice(rule['direction'], choices['alerts.direction'], field ~ '.direction', problems) -%}
  {%- endif -%}
  {%- if 'severity' in rule -%}
    {%- do sa_config_choice(rule['severity'], choices['alerts.severity'], field ~ '.severity', problems) -%}
  {%- endif -%}
  {{ return(problems) }}
{%- endmacro %}

{#- The checks of alerts.destinations (orchestrate/config/alerts.py _check_destinations). -#}
{% macro sa_config_alert_destinations(items, problems) -%}
  {%- if items is none -%}{{ return(problems) }}{%- endif -%}
  {%- if not sa_is_list(items) -%}
    {%- do problems.append(('alerts.destinations', sa_config_message('alerts_list', {'what': 'destinations {type: webhook | slack | email, ...}'}))) -%}
    {{ return(problems) }}
  {%- endif -%}
  {%- set schema = sa_config_schema() -%}
  {%- set p = sa_config_patterns() -%}
  {%- set keys = schema['alert_destination_keys'] -%}
  {%- set seen = {} -%}
  {%- for item in items -%}
    {%- set where = 'alerts.destinations[' ~ loop.index0 ~ ']' -%}
    {%- set index = loop.index0 -%}
    {%- if item is not mapping or item.get('type') not in keys -%}
      {%- if item is mapping and 'type' in item -%}
        {%- do sa_config_choice(item['type'], schema['choices']['alerts.destinations.type'], where ~ '.type', problems) -%}
      {%- else -%}
        {%- do problems.append((where, sa_config_message('alerts_destination'))) -%}
      {%- endif -%}
    {%- else -%}
      {%- set kind = item['type'] -%}
      {%- do sa_config_unknown_keys(item, keys[kind], where ~ '.', problems) -%}
      {%- set name = item.get('name') -%}
      {%- if name is not none -%}
        {%- if not sa_alert_is_text(name) -%}
          {%- do problems.append((where ~ '.name', sa_config_message('alerts_text', {'value': sa_repr(name)}))) -%}
        {%- elif name in seen -%}
          {%- do problems.append((where ~ '.name', sa_config_message('alerts_duplicate_name', {'value': sa_repr(name), 'first': seen[name]}))) -%}
        {%- else -%}
          {%- do seen.update({name: index}) -%}
        {%- endif -%}
      {%- endif -%}
      {%- if kind == 'email' -%}
        {%- do sa_config_alert_email(item, where, problems) -%}
      {%- else -%}
        {%- set url = item.get('url') -%}
        {%- set url_env = item.get('url_env') -%}
        {%- if (url is none) == (url_env is none) -%}
          {%- do problems.append((where ~ '.url', sa_config_message('alerts_url_one'))) -%}
        {%- elif url is not none and not sa_config_matches(url, p['url']) -%}
          {%- do problems.append((where ~ '.url', sa_config_message('alerts_url'))) -%}
        {%- elif url_env is not none and not sa_config_matches(url_env, p['env_name']) -%}
          {%- do problems.append((where ~ '.url_env', sa_config_message('alerts_env', {'value': sa_repr(url_env)}))) -%}
        {%- endif -%}
        {%- if kind == 'webhook' and item.get('headers') is not none -%}
          {%- set headers = item['headers'] -%}
          {%- set bad = [] -%}
          {%- if headers is mapping -%}
            {%- for k, v in headers.items() if not (sa_alert_is_text(k) and v is string) -%}{%- do bad.append(k) -%}{%- endfor -%}
          {%- endif -%}
          {%- if headers is not mapping or bad -%}
            {%- do problems.append((where ~ '.headers', sa_config_message('alerts_headers'))) -%}
          {%- endif -%}
        {%- endif -%}
      {%- endif -%}
    {%- endif -%}
  {%- endfor -%}
  {{ return(problems) }}
{%- endmacro %}

{#- The checks of an e-mail destination (orchestrate/config/alerts.py _check_email). -#}
{% macro sa_config_alert_email(item, where, problems) -%}
  {%- set p = sa_config_patterns() -%}
  {%- set defaults = sa_config_schema()['alert_email_defaults'] -%}
  {%- for key in ['smtp_host', 'from', 'to'] if item.get(key) is none -%}
    {%- do problems.append((where ~ '.' ~ key, sa_config_message('required'))) -%}
  {%- endfor -%}
  {%- set host = item.get('smtp_host') -%}
  {%- if host is not none and not sa_alert_is_text(host) -%}
    {%- do problems.append((where ~ '.smtp_host', sa_config_message('alerts_text', {'value': sa_repr(host)}))) -%}
  {%- endif -%}
  {%- set port = defaults['smtp_port'] if item.get('smtp_port') is none else item['smtp_port'] -%}
  {%- if not (sa_alert_is_whole(port) and port >= 1 and port <= 65535) -%}
    {%- do problems.append((where ~ '.smtp_port', sa_config_message('alerts_port', {'value': sa_repr(port)}))) -%}
  {%- endif -%}
  {%- set starttls = defaults['starttls'] if item.get('starttls') is none else item['starttls'] -%}
  {%- if starttls is not boolean -%}
    {%- do problems.append((where ~ '.starttls', sa_config_message('boolean', {'value': sa_repr(starttls)}))) -%}
  {%- endif -%}
  {%- set username = item.get('username') -%}
  {%- if username is not none and not sa_alert_is_text(username) -%}
    {%- do problems.append((where ~ '.username', sa_config_message('alerts_text', {'value': sa_repr(username)}))) -%}
  {%- endif -%}
  {%- set password_env = item.get('password_env') -%}
  {%- if password_env is not none and not sa_config_matches(password_env, p['env_name']) -%}
    {%- do problems.append((where ~ '.password_env', sa_config_message('alerts_env', {'value': sa_repr(password_env)}))) -%}
  {%- endif -%}
  {%- set sender = item.get('from') -%}
  {%- if sender is not none and not sa_config_matches(sender, p['email']) -%}
    {%- do problems.append((where ~ '.from', sa_config_message('alerts_email', {'value': sa_repr(sender)}))) -%}
  {%- endif -%}
  {%- set to = item.get('to') -%}
  {%- if to is not none -%}
    {%- if not sa_is_list(to) or to | length == 0 -%}
      {%- do problems.append((where ~ '.to', sa_config_message('alerts_to'))) -%}
    {%- else -%}
      {%- for address in to -%}
        {%- if not sa_config_matches(address, p['email']) -%}
          {%- do problems.append((where ~ '.to[' ~ loop.index0 ~ ']', sa_config_message('alerts_email', {'value': sa_repr(address)}))) -%}
        {%- endif -%}
      {%- endfor -%}
    {%- endif -%}
  {%- endif -%}
{%- endmacro %}

{% macro sa_alert_is_text(value) -%}{{ return(value is string and value.strip() != '') }}{%- endmacro %}
{% macro sa_alert_is_number(value) -%}{{ return(value is number and value is not boolean) }}{%- endmacro %}
{% macro sa_alert_is_whole(value) -%}{{ return(value is integer and value is not boolean) }}{%- endmacro %}
