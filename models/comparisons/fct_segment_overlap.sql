{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='run_date',
    full_refresh=false,
    alias=sa_mart_alias('segment_overlap'),
) }}
{#- <prefix>_segment_overlap: per run date, the pairs of selected segments of one parent segment
    that share members, from the run date's membership (int_segment_members), in one query: the
    membership joined with itself on (parent segment, profile), each pair counted once
    (segment_a < segment_b), never a query per pair. Only the top `overlap.top_pairs_per_segment`
    pairs of each segment are kept (a pair stays when it is in the top of either of its segments),
    ranked by members_both (descending), then the smaller union (the higher jaccard), then the other
    segment's id, so the output is deterministic and at most top_pairs_per_segment × segments rows.
    Cost: the self-join emits, per profile, k × (k − 1) / 2 rows for the k selected segments it is
    in, before they are grouped per pair (1,000,000 profiles in 40 segments each: 780 million
    rows, hashed by (parent segment, profile)); the ranking then sorts only the pairs.
    Incremental on run_date (delete+insert): re-running a day replaces that day's rows;
    full_refresh=false, so --full-refresh never erases earlier days. -#}
{%- set top_pairs = sa_cfg()['overlap']['top_pairs_per_segment'] | int %}

with selected_segments as (
    select segment_id, segment_name, ps_id, ps_name
    from {{ ref('int_segments__selected') }}
    where is_selected
),

memberships as (
    select members.segment_id, members.ps_id, members.profile_id
    from {{ ref('int_segment_members') }} as members
    inner join selected_segments
        on selected_segments.segment_id = members.segment_id
),

segment_sizes as (
    select segment_id, count(*) as members
    from memberships
    group by segment_id
),

shared_members as (
    -- one row per pair of segments with at least one shared member
    select
        membership_a.ps_id,
        membership_a.segment_id as segment_a,
        membership_b.segment_id as segment_b,
        count(*) as members_both
    from memberships as membership_a
    inner join memberships as membership_b
        on membership_b.ps_id = membership_a.ps_id
        and membership_b.profile_id = membership_a.profile_id
        and membership_b.segment_id > membership_a.segment_id
    group by membership_a.ps_id, membership_a.segment_id, membership_b.segment_id
),

pair_sizes as (
    select
        shared_members.ps_id,
        shared_members.segment_a,
        shared_members.segment_b,
        size_a.members as members_a,
        size_b.members as members_b,
        shared_members.members_both,
        size_a.members + size_b.members - shared_members.members_both as members_either
    from shared_members
    inner join segment_sizes as size_a
        on size_a.segment_id = shared_members.segment_a
    inner join segment_sizes as size_b
        on size_b.segment_id = shared_members.segment_b
),

pair_sides as (
    -- each pair seen from each of its two segments (side 1: from segment_a), to rank it among that
    -- segment's pairs; a cross join, so the pairs are computed once on engines that inline CTEs
    select
        pair_sizes.*,
        sides.side,
        case when sides.side = 1 then pair_sizes.segment_a else pair_sizes.segment_b end as ranked_segment,
        case when sides.side = 1 then pair_sizes.segment_b else pair_sizes.segment_a end as other_segment
    from pair_sizes
    cross join (values (1), (2)) as sides (side)
),

pair_side_ranks as (
    select
        pair_sides.*,
        row_number() over (
            partition by pair_sides.ranked_segment
            order by pair_sides.members_both desc, pair_sides.members_either asc, pair_sides.other_segment asc
        ) as pair_rank
    from pair_sides
),

pair_ranks as (
    -- both ranks of a pair on each of its two rows
    select
        pair_side_ranks.*,
        max(case when pair_side_ranks.side = 1 then pair_side_ranks.pair_rank end) over (partition by pair_side_ranks.segment_a, pair_side_ranks.segment_b) as rank_in_a,
        max(case when pair_side_ranks.side = 2 then pair_side_ranks.pair_rank end) over (partition by pair_side_ranks.segment_a, pair_side_ranks.segment_b) as rank_in_b
    from pair_side_ranks
),

kept_pairs as (
    select ps_id, segment_a, segment_b, members_a, members_b, members_both, members_either, rank_in_a, rank_in_b
    from pair_ranks
    where side = 1
        and (rank_in_a <= {{ top_pairs }} or rank_in_b <= {{ top_pairs }})
)

select
    cast({{ sa_string_literal(sa_run_date()) }} as date) as run_date,
    kept_pairs.ps_id,
    segments_a.ps_name,
    kept_pairs.segment_a,
    segments_a.segment_name as segment_a_name,
    kept_pairs.segment_b,
    segments_b.segment_name as segment_b_name,
    cast(kept_pairs.members_a as {{ sa_type_bigint() }}) as members_a,
    cast(kept_pairs.members_b as {{ sa_type_bigint() }}) as members_b,
    cast(kept_pairs.members_both as {{ sa_type_bigint() }}) as members_both,
    cast(kept_pairs.members_both as {{ sa_type_double() }}) / kept_pairs.members_a as share_of_a_in_b,
    cast(kept_pairs.members_both as {{ sa_type_double() }}) / kept_pairs.members_b as share_of_b_in_a,
    cast(kept_pairs.members_both as {{ sa_type_double() }}) / kept_pairs.members_either as jaccard,
    cast(kept_pairs.rank_in_a as {{ sa_type_bigint() }}) as rank_in_a,
    cast(kept_pairs.rank_in_b as {{ sa_type_bigint() }}) as rank_in_b
from kept_pairs
inner join selected_segments as segments_a
    on segments_a.segment_id = kept_pairs.segment_a
inner join selected_segments as segments_b
    on segments_b.segment_id = kept_pairs.segment_b
