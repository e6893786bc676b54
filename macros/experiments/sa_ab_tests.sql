{#- The configured A/B tests (`ab_tests`, docs/ab_tests.md) as rows the experiments models read.

      sa_ab_test_plan()            per test: name, arms (control first) resolved to selected segment
                                   ids, weights, the window as day numbers; and the scan range
      sa_ab_test_arm_values()      (values ...) as ab_test_arms (test_name, arm_index, segment_id,
                                   is_control, expected_weight, arm_count, start_day, end_day)
      sa_ab_test_metric_values()   (values ...) as ab_test_metrics (test_name, metric_name, agg)

    A test's window: start_date inclusive to end_date exclusive, never past the run date (event days
    are those before it); an open end_date runs through the day before the run date. An arm is a
    selected segment's id or, failing that, its current name; one that is neither, or a name of
    several selected segments, stops the build naming the test and the field. -#}

{% macro sa_ab_test_plan() -%}
  {%- set cfg = sa_cfg() -%}
  {%- set tests = cfg['ab_tests'] -%}
  {%- set run_day = sa_date_string_to_epoch(sa_run_date()) | int // 86400 -%}
  {%- set segments = sa_ab_selected_segments() if (execute and tests) else none -%}
  {%- set plan = [] -%}
  {%- for test in tests -%}
    {%- set index = loop.index0 -%}
    {%- set start_day = sa_date_string_to_epoch(test['start_date']) | int // 86400 -%}
    {%- set end_day = run_day if not test['end_date'] else ([sa_date_string_to_epoch(test['end_date']) | int // 86400, run_day] | min) -%}
    {%- if end_day < start_day -%}{%- set end_day = start_day -%}{%- endif -%}
    {%- set arms = [] -%}
    {%- set values = [test['control']] + test['variants'] -%}
    {%- for value in values -%}
      {%- set field = 'ab_tests[' ~ index ~ '].' ~ ('control' if loop.first else 'variants[' ~ (loop.index0 - 1) ~ ']') -%}
      {%- set weight = test['expected_split'][loop.index0] if test['expected_split'] else 1.0 -%}
      {%- do arms.append({'segment_id': sa_ab_resolve_arm(value, segments, field, test['name']),
                          'is_control': loop.first, 'weight': weight}) -%}
    {%- endfor -%}
    {%- do plan.append({'name': test['name'], 'arms': arms, 'metrics': test['metrics'],
                        'start_day': start_day, 'end_day': end_day}) -%}
  {%- endfor -%}
  {%- set start_days = plan | map(attribute='start_day') | list -%}
  {%- set end_days = plan | map(attribute='end_day') | list -%}
  {{ return({'tests': plan,
             'scan_start_epoch': (start_days | min) * 86400 if plan else none,
             'scan_end_epoch': (end_days | max) * 86400 if plan else none,
             'max_arms': (plan | map(attribute='arms') | map('length') | max) if plan else 2}) }}
{%- endmacro %}

{#- {'ids': {segment_id: name}, 'names': {name: [segment_id, ...]}} of the selected segments. -#}
{% macro sa_ab_selected_segments() -%}
  {%- set query -%}
    select segment_id, segment_name from {{ ref('int_segments__selected') }} where is_selected
  {%- endset -%}
  {%- set ids = {} -%}
  {%- set names = {} -%}
  {%- for row in run_query(query).rows -%}
    {%- do ids.update({row[0] | string: row[1]}) -%}
    {%- if row[1] is not none -%}
      {%- do names.update({row[1]: names.get(row[1], []) + [row[0] | string]}) -%}
    {%- endif -%}
  {%- endfor -%}
  {{ return({'ids': ids, 'names': names}) }}
{%- endmacro %}

{#- The selected segment id an arm names (its id, else its current name); at parse time the value as given. -#}
{% macro sa_ab_resolve_arm(value, segments, field, test_name) -%}
  {%- if segments is none -%}{{ return(value) }}{%- endif -%}
  {%- if value in segments['ids'] -%}{{ return(value) }}{%- endif -%}
  {%- set found = segments['names'].get(value, []) -%}
  {%- if found | length == 1 -%}{{ return(found[0]) }}{%- endif -%}
  {%- if found | length == 0 -%}
    {%- set text = sa_config_message('ab_test_unknown_segment', {'value': sa_repr(value)}) -%}
  {%- else -%}
    {%- set text = sa_config_message('ab_test_ambiguous_segment', {'value': sa_repr(value), 'count': found | length}) -%}
  {%- endif -%}
  {{ exceptions.raise_compiler_error('A/B test ' ~ sa_repr(test_name) ~ ': segment_analytics.' ~ field ~ ': ' ~ text) }}
{%- endmacro %}

{% macro sa_ab_test_arm_values(plan) -%}
  {%- set rows = [] -%}
  {%- for test in plan['tests'] -%}
    {%- set arm_count = test['arms'] | length -%}
    {%- for arm in test['arms'] -%}
      {%- do rows.append('(' ~ sa_string_literal(test['name']) ~ ', ' ~ loop.index0 ~ ', ' ~ sa_string_literal(arm['segment_id'])
                         ~ ', ' ~ ('true' if arm['is_control'] else 'false') ~ ', ' ~ (arm['weight'] | float) ~ 'e0, ' ~ arm_count
                         ~ ', ' ~ test['start_day'] ~ ', ' ~ test['end_day'] ~ ')') -%}
    {%- endfor -%}
  {%- endfor -%}
  {%- if not rows -%}
    {%- do rows.append("('', 0, '', false, 1.0e0, 0, 0, 0)") -%}
  {%- endif -%}
  (values {{ rows | join(', ') }}) as ab_test_arms (test_name, arm_index, segment_id, is_control, expected_weight, arm_count, start_day, end_day)
{%- endmacro %}

{% macro sa_ab_test_metric_values(plan) -%}
  {%- set aggs = {} -%}
  {%- for m in sa_cfg()['metrics'] -%}{%- do aggs.update({m['metric']: m['agg']}) -%}{%- endfor -%}
  {%- set rows = [] -%}
  {%- for test in plan['tests'] -%}
    {%- for name in test['metrics'] if name in aggs -%}
      {%- do rows.append('(' ~ sa_string_literal(test['name']) ~ ', ' ~ sa_string_literal(name) ~ ', ' ~ sa_string_literal(aggs[name]) ~ ')') -%}
    {%- endfor -%}
  {%- endfor -%}
  {%- if not rows -%}{%- do rows.append("('', '', '')") -%}{%- endif -%}
  (values {{ rows | join(', ') }}) as ab_test_metrics (test_name, metric_name, agg)
{%- endmacro %}
