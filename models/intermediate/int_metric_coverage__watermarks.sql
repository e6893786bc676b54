{{ config(alias=sa_relation_alias('int_metric_coverage__watermarks'), sa_metrics_hash=sa_metrics_config_hash()) }}
{#- The coverage watermark of the daily metrics, the step that decides what
    fct_segment_metrics_daily computes this run: per (segment, metric), what earlier builds
    computed (the coverage table as the previous build left it, read through the source
    segment_analytics_state) and the day this run resumes from.

    A planned pair (a selected segment × a configured metric) resumes from its last covered day
    (that day is recomputed, so events that arrived late for it count) when it is covered with the
    metric's current definition and the current `membership_basis` (a null basis, recorded before
    the basis was, counts as the current one), the daily table exists and is incremental
    (point_in_time) and the build is not --full-refresh. Otherwise it gets every day of the window
    (resume_from_date null): a new segment or metric, a changed definition, a switched basis, a
    first build, --full-refresh, or `current` (a table rebuilt every run). Coverage does not
    depend on activity: a segment with no events for a metric is not rescanned every run.
    A daily table written before the coverage table existed stands in for it with its last day
    with a row per pair, counted as computed with the current definitions.

    Pairs of the previous coverage that are not planned (segments no longer selected, metrics no
    longer configured) are kept, with is_planned false: the daily model's pre-delete reads which
    metrics changed definition over all of them, and its basis-switch guard which point_in_time
    history `current` would not recompute.

    A table (a few rows per segment), built before the daily table in the same invocation
    (sa_metrics_require_watermarks): the daily table's scan plan and pre-delete read it while
    they are compiled. -#}
{%- set cfg = sa_cfg() -%}
{%- set basis = cfg['membership_basis'] -%}
{%- set previous = sa_metrics_previous_state() -%}
{%- set resumable = previous['daily'] is not none and basis == 'point_in_time' and not flags.FULL_REFRESH -%}

with configured_metrics as (
    -- the metrics of this run, each with the hash of its current definition
    {%- if cfg['metrics'] %}
    select metric_name, metric_definition_hash
    from {{ sa_configured_metrics_values() }}
    {%- else %}
    select
        cast(null as {{ sa_type_string() }}) as metric_name,
        cast(null as {{ sa_type_string() }}) as metric_definition_hash
    from (select 1 as one) as no_metrics
    where 1 = 0
    {%- endif %}
),

planned_pairs as (
    -- what this run computes: every selected segment × configured metric
    select selected.segment_id, configured_metrics.metric_name
    from {{ ref('int_segments__selected') }} as selected
    cross join configured_metrics
    where selected.is_selected
),

previous_coverage as (
    {%- if previous['coverage'] is not none %}
    -- what earlier builds computed: the coverage table as the previous build left it
    select
        coverage.segment_id,
        coverage.metric_name,
        coverage.metric_definition_hash,
        coverage.covered_through_date,
        {{ 'coverage.membership_basis' if previous['coverage_has_basis'] else 'cast(null as ' ~ sa_type_string() ~ ')' }} as membership_basis
    from {{ previous['coverage'] }} as coverage
    {%- elif previous['daily'] is not none %}
    -- a daily table written before the coverage table existed: its last day with a row, counted
    -- as computed with the metric's current definition
    select
        daily.segment_id,
        daily.metric_name,
        configured_metrics.metric_definition_hash,
        max(daily.event_date) as covered_through_date,
        cast(null as {{ sa_type_string() }}) as membership_basis
    from {{ previous['daily'] }} as daily
    inner join configured_metrics
        on configured_metrics.metric_name = daily.metric_name
    group by daily.segment_id, daily.metric_name, configured_metrics.metric_definition_hash
    {%- else %}
    -- nothing computed yet (the first build)
    select
        cast(null as {{ sa_type_string() }}) as segment_id,
        cast(null as {{ sa_type_string() }}) as metric_name,
        cast(null as {{ sa_type_string() }}) as metric_definition_hash,
        cast(null as date) as covered_through_date,
        cast(null as {{ sa_type_string() }}) as membership_basis
    from (select 1 as one) as first_build
    where 1 = 0
    {%- endif %}
),

pairs as (
    -- planned pairs and previously covered pairs, one row each
    select
        coalesce(planned_pairs.segment_id, previous_coverage.segment_id) as segment_id,
        coalesce(planned_pairs.metric_name, previous_coverage.metric_name) as metric_name,
        planned_pairs.segment_id is not null as is_planned,
        previous_coverage.metric_definition_hash as previous_definition_hash,
        previous_coverage.covered_through_date as previous_covered_through_date,
        previous_coverage.membership_basis as previous_membership_basis
    from planned_pairs
    full outer join previous_coverage
        on previous_coverage.segment_id = planned_pairs.segment_id
        and previous_coverage.metric_name = planned_pairs.metric_name
)

select
    cast(pairs.segment_id as {{ sa_type_string() }}) as segment_id,
    cast(pairs.metric_name as {{ sa_type_string() }}) as metric_name,
    pairs.is_planned,
    cast(configured_metrics.metric_definition_hash as {{ sa_type_string() }}) as metric_definition_hash,
    cast(pairs.previous_definition_hash as {{ sa_type_string() }}) as previous_definition_hash,
    pairs.previous_covered_through_date,
    cast(pairs.previous_membership_basis as {{ sa_type_string() }}) as previous_membership_basis,
    coalesce(configured_metrics.metric_definition_hash <> pairs.previous_definition_hash, false) as definition_changed,
    case
        {%- if resumable %}
        when pairs.is_planned
            and pairs.previous_definition_hash = configured_metrics.metric_definition_hash
            and coalesce(pairs.previous_membership_basis, {{ sa_string_literal(basis) }}) = {{ sa_string_literal(basis) }}
            then pairs.previous_covered_through_date
        {%- else %}
        -- nothing resumes: {{ 'membership_basis current rebuilds the table' if basis != 'point_in_time'
                                else ('--full-refresh' if flags.FULL_REFRESH else 'no daily table yet') }}
        when 1 = 0 then pairs.previous_covered_through_date
        {%- endif %}
    end as resume_from_date
from pairs
left join configured_metrics
    on configured_metrics.metric_name = pairs.metric_name
