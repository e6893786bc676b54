{#- `segment_analytics.ab_tests` (docs/ab_tests.md): the checks (twin of orchestrate/config/ab_tests.py:
    the same fields, in the same order, with the same messages) and the normalised tests sa_cfg()
    returns. Which selected segment an arm is, is resolved when the experiments models build
    (sa_ab_test_arms, macros/experiments/). -#}

{#- Appends the problems of `raw` (the `ab_tests` value) to `problems`; `metric_names` the configured metrics. -#}
{% macro sa_config_ab_tests(raw, metric_names, problems) -%}
  {%- if raw is none -%}{{ return(none) }}{%- endif -%}
  {%- if not sa_is_list(raw) -%}
    {%- do problems.append(('ab_tests', sa_config_message('ab_tests_not_a_list'))) -%}
    {{ return(none) }}
  {%- endif -%}
  {%- set schema = sa_config_schema() -%}
  {%- set p = sa_config_patterns() -%}
  {%- set seen = {} -%}
  {%- for item in raw -%}
    {%- set where = 'ab_tests[' ~ loop.index0 ~ ']' -%}
    {%- if item is not mapping -%}
      {%- do problems.append((where, sa_config_message('ab_test_not_a_mapping'))) -%}
    {%- else -%}
      {%- do sa_config_unknown_keys(item, schema['ab_test_keys'], where ~ '.', problems) -%}
      {%- for key in schema['ab_test_required'] if key != 'variants' -%}
        {%- if item.get(key) is none or item.get(key) == '' -%}
          {%- do problems.append((where ~ '.' ~ key, sa_config_message('required'))) -%}
        {%- endif -%}
      {%- endfor -%}
      {%- set name = item.get('name') -%}
      {%- if name is not none and name != '' -%}
        {%- if not sa_config_matches(name, p['lower_identifier']) -%}
          {%- do problems.append((where ~ '.name', sa_config_message('ab_test_name', {'value': sa_repr(name)}))) -%}
        {%- elif name in seen -%}
          {%- do problems.append((where ~ '.name', sa_config_message('duplicate_ab_test', {'value': sa_repr(name), 'first': seen[name]}))) -%}
        {%- else -%}
          {%- do seen.update({name: loop.index0}) -%}
        {%- endif -%}
      {%- endif -%}
      {%- set arms = {} -%}
      {%- do sa_config_ab_arm(item.get('control'), where ~ '.control', 'control', arms, problems) -%}
      {%- set variants = item.get('variants') -%}
      {%- if not sa_is_list(variants) or variants | length == 0 -%}
        {%- do problems.append((where ~ '.variants', sa_config_message('ab_test_variants'))) -%}
      {%- else -%}
        {%- for value in variants -%}
          {%- do sa_config_ab_arm(value, where ~ '.variants[' ~ loop.index0 ~ ']', 'variants[' ~ loop.index0 ~ ']', arms, problems) -%}
        {%- endfor -%}
      {%- endif -%}
      {%- set start = sa_date_text(item.get('start_date')) -%}
      {%- set end = sa_date_text(item.get('end_date')) -%}
      {%- set start_ok = start is not none and start != '' and sa_config_date(start, where ~ '.start_date', problems) -%}
      {%- set end_ok = end is not none and end != '' and sa_config_date(end, where ~ '.end_date', problems) -%}
      {%- if start_ok and end_ok and end <= start -%}
        {%- do problems.append((where ~ '.end_date', sa_config_message('end_not_after_start', {'end': end, 'start': start}))) -%}
      {%- endif -%}
      {%- set metrics = item.get('metrics') -%}
      {%- if metrics is not none -%}
        {%- if not sa_is_list(metrics) or metrics | length == 0 -%}
          {%- do problems.append((where ~ '.metrics', sa_config_message('ab_test_metrics'))) -%}
        {%- else -%}
          {%- for m in metrics -%}
            {%- if m not in metric_names -%}
              {%- do problems.append((where ~ '.metrics[' ~ loop.index0 ~ ']', sa_config_message('ab_test_metric', {'value': sa_repr(m), 'allowed': metric_names | join(', ')}))) -%}
            {%- endif -%}
          {%- endfor -%}
        {%- endif -%}
      {%- endif -%}
      {%- set split = item.get('expected_split') -%}
      {%- set arm_count = 1 + (variants | length if sa_is_list(variants) else 0) -%}
      {%- if split is not none and not sa_ab_split_ok(split, arm_count) -%}
        {%- do problems.append((where ~ '.expected_split', sa_config_message('expected_split', {'arms': arm_count}))) -%}
      {%- endif -%}
    {%- endif -%}
  {%- endfor -%}
{%- endmacro %}

{#- One arm: a non-empty string or a whole number; each arm another segment (`arms`: text -> label). -#}
{% macro sa_config_ab_arm(value, field, label, arms, problems) -%}
  {%- if value is none -%}{{ return(none) }}{%- endif -%}
  {%- if value is boolean or not (value is string or value is integer) or (value is string and not value.strip()) -%}
    {%- do problems.append((field, sa_config_message('ab_test_arm', {'value': sa_repr(value)}))) -%}
    {{ return(none) }}
  {%- endif -%}
  {%- set text = value | string -%}
  {%- if text in arms -%}
    {%- do problems.append((field, sa_config_message('ab_test_arm_repeated', {'value': sa_repr(text), 'first': arms[text]}))) -%}
    {{ return(none) }}
  {%- endif -%}
  {%- do arms.update({text: label}) -%}
{%- endmacro %}

{% macro sa_ab_split_ok(split, arm_count) -%}
  {%- if not sa_is_list(split) or split | length != arm_count -%}{{ return(false) }}{%- endif -%}
  {%- for w in split if w is boolean or w is not number or w <= 0 -%}{{ return(false) }}{%- endfor -%}
  {{ return(true) }}
{%- endmacro %}

{#- The tests as sa_cfg() returns them: {name, control, variants, start_date, end_date (none = open),
    metrics (every configured metric when left out), expected_split (floats, none = equal)}, arms as
    text; entries that are not mappings are left out (validation reports them). -#}
{% macro sa_ab_tests_with_defaults(raw, metric_names) -%}
  {%- set out = [] -%}
  {%- if not sa_is_list(raw) -%}{{ return(out) }}{%- endif -%}
  {%- for item in raw if item is mapping -%}
    {%- set variants = [] -%}
    {%- for v in (item.get('variants') if sa_is_list(item.get('variants')) else []) -%}{%- do variants.append(v | string) -%}{%- endfor -%}
    {%- set metrics = [] -%}
    {%- for m in (item.get('metrics') if sa_is_list(item.get('metrics')) else metric_names) if m not in metrics -%}{%- do metrics.append(m) -%}{%- endfor -%}
    {%- set split = item.get('expected_split') -%}
    {%- set weights = [] -%}
    {%- if sa_is_list(split) -%}{%- for w in split -%}{%- do weights.append(w | float) -%}{%- endfor -%}{%- endif -%}
    {%- do out.append({
        'name': item.get('name'),
        'control': none if item.get('control') is none else item.get('control') | string,
        'variants': variants,
        'start_date': sa_date_text(item.get('start_date')),
        'end_date': sa_date_text(item.get('end_date') or none),
        'metrics': metrics,
        'expected_split': weights if sa_is_list(split) else none,
    }) -%}
  {%- endfor -%}
  {{ return(out) }}
{%- endmacro %}
