{{ config(
    alias=sa_mart_alias('metrics_daily_coverage'),
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['segment_id', 'metric_name'],
    full_refresh=false,
    on_schema_change='append_new_columns',
    sa_metrics_hash=sa_metrics_config_hash(),
) }}
{#- What `<prefix>_metrics_daily` has computed: per selected segment and configured metric, the
    last event day computed (the day before the run date, or the window's end), the metric's
    definition hash and the membership basis it was computed under: the pairs the watermark planned
    (int_metric_coverage__watermarks, is_planned). Built after the daily table (so a failed build
    records nothing) and read back by the next build's watermark (source
    segment_analytics_state.metrics_daily_coverage) to resume each pair where it stopped, whether
    or not the segment had any events. It describes the daily table, which --full-refresh does not
    drop, so it is not dropped either (full_refresh=false): pairs of segments no longer selected
    keep their coverage, as their rows stay. -#}
{%- set window = sa_event_window() -%}
{%- set last_day = (modules.datetime.datetime.strptime(window['end_date'], '%Y-%m-%d')
                    - modules.datetime.timedelta(days=1)).strftime('%Y-%m-%d') -%}

{%- do sa_metrics_require_watermarks() -%}

-- depends_on: {{ ref('fct_segment_metrics_daily') }}
select
    cast(watermarks.segment_id as {{ sa_type_string() }}) as segment_id,
    cast(watermarks.metric_name as {{ sa_type_string() }}) as metric_name,
    cast(watermarks.metric_definition_hash as {{ sa_type_string() }}) as metric_definition_hash,
    {{ sa_date_literal(last_day) }} as covered_through_date,
    {{ sa_date_literal(sa_run_date()) }} as run_date,
    cast({{ sa_string_literal(sa_cfg()['membership_basis']) }} as {{ sa_type_string() }}) as membership_basis
from {{ ref('int_metric_coverage__watermarks') }} as watermarks
where watermarks.is_planned
