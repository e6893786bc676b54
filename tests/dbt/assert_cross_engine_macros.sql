-- The dispatched cross-engine macros give the same answers on every engine (runs with each build).
with values_under_test as (
    select 'a' as v union all select 'b' union all select 'a'
),

cases as (
    select 'epoch_to_date last second' as name,
           cast({{ sa_epoch_to_date('1773100799') }} as {{ sa_type_string() }}) as got, '2026-03-09' as want
    union all
    select 'epoch_to_date midnight', cast({{ sa_epoch_to_date('1773100800') }} as {{ sa_type_string() }}), '2026-03-10'
    union all
    select 'epoch_to_timestamp', cast(cast({{ sa_epoch_to_timestamp('1773104400') }} as date) as {{ sa_type_string() }}), '2026-03-10'
    union all
    select 'date_to_epoch', cast({{ sa_date_to_epoch("date '2026-03-10'") }} as {{ sa_type_string() }}), '1773100800'
    union all
    select 'date_string_to_epoch (jinja)', '{{ sa_date_string_to_epoch("2026-03-10") }}', '1773100800'
    union all
    select 'regex search anywhere', case when {{ sa_regex_search("'abc café'", sa_string_literal('é$')) }} then 'y' else 'n' end, 'y'
    union all
    select 'regex anchored', case when {{ sa_regex_search("'abc'", sa_string_literal('^b')) }} then 'y' else 'n' end, 'n'
    union all
    select 'regex with a quote', case when {{ sa_regex_search(sa_string_literal("o'brien"), sa_string_literal("'b")) }} then 'y' else 'n' end, 'y'
    union all
    select 'json scalar', {{ sa_json_extract_string(sa_string_literal('{"a": {"b": "x\'y"}}'), '$.a.b') }}, {{ sa_string_literal("x'y") }}
    union all
    select 'string split', cast(cardinality({{ sa_string_split("'a,b,c'", ',') }}) as {{ sa_type_string() }}), '3'
    union all
    select 'approx distinct', cast((select {{ sa_approx_distinct('v') }} from values_under_test) as {{ sa_type_string() }}), '2'
    union all
    select 'ordered listagg', (select {{ sa_ordered_listagg('v', 'v desc', '/') }} from values_under_test), 'b/a/a'
)

select name, got, want
from cases
where got is null or got <> want
