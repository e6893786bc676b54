{#- The distribution functions the A/B statistics need, as SQL expressions over columns (pass
    column names or simple expressions: each argument is repeated in the SQL).

      sa_normal_cdf(z)                          P(Z <= z), Z standard normal
      sa_regularized_incomplete_beta(a, b, x, y)
                                                I_x(a, b); y = 1 - x, given separately so a value
                                                of x near 1 keeps its precision
      sa_student_t_two_sided_p(t, df)           P(|T| >= |t|), T Student-t with df (any real > 0)
      sa_chi_square_sf(x, df, max_df)           P(X >= x), X chi-square with a whole df <= max_df

    Trino has the normal and beta CDFs built in (normal_cdf, beta_cdf). DuckDB has neither, so:
      normal CDF   erf from its series 2/sqrt(pi) e^(-u^2) sum 2^n u^(2n+1) / (1*3*...*(2n+1))
                   (positive terms, 60 of them) below u = 2, and erfc from its continued fraction
                   e^(-u^2)/sqrt(pi) / (u + 1/2 / (u + 1 / (u + 3/2 / ...))) (60 levels) from u = 2:
                   relative error below 1e-13 over the whole range, the far tails included;
      incomplete beta
                   the continued fraction of I_x(a, b) (the even/odd coefficients d_2m, d_2m+1),
                   evaluated by the modified Lentz method for a fixed 400 steps (a list_reduce: a
                   converged fraction multiplies by 1 from there on), with I_x(a, b) =
                   1 - I_(1-x)(b, a) beyond x = (a+1)/(a+b+2), where it converges fastest. For the
                   t-test (b = 1/2) it converges within 120 steps for every df up to 1e7 and any t;
                   the prefactor x^a (1-x)^b / (a B(a, b)) comes from lgamma, whose absolute error
                   grows with a. Measured against scipy, the two-sided t p-value's relative error is
                   below 1e-11 up to df = 1e4, 1e-9 up to 1e5, 3e-9 at 1e6 and 4e-8 at 1e7 (Welch's
                   df is about the arms' size: far below any difference that matters).
    The chi-square survival function of a whole df has a closed form on every engine (sums of
    e^(-h) h^j / j!, h = x/2, for an even df; 2 P(Z >= sqrt(x)) plus e^(-h) h^(j-1/2) / Gamma(j+1/2)
    for an odd one), exact to the precision of the normal CDF. Tested against scipy in
    tests/integration/experiments/test_ab_distributions.py. -#}

{% macro sa_normal_cdf(z) -%}
  {{ return(adapter.dispatch('sa_normal_cdf', 'segment_analytics')(z)) }}
{%- endmacro %}

{% macro default__sa_normal_cdf(z) -%}
  normal_cdf(0.0, 1.0, {{ z }})
{%- endmacro %}

{% macro duckdb__sa_normal_cdf(z) -%}
  {%- set u = '(abs(' ~ z ~ ') * 0.7071067811865476)' -%}
  cast(case
    when {{ z }} is null then null
    when {{ u }} < 2.0 then 0.5 + sign({{ z }}) * 0.5 * {{ sa_erf_series(u) }}
    when {{ z }} < 0 then 0.5 * {{ sa_erfc_continued_fraction(u) }}
    else 1.0 - 0.5 * {{ sa_erfc_continued_fraction(u) }}
  end as double)
{%- endmacro %}

{#- erf(u) for 0 <= u < 2: 2/sqrt(pi) e^(-u^2) u (1 + 2u^2/3 (1 + 2u^2/5 (1 + ...))), 60 terms. -#}
{% macro sa_erf_series(u) -%}
  {%- set inner = namespace(text='1.0') -%}
  {%- for n in range(60, 0, -1) -%}
    {%- set inner.text = '(1.0 + ' ~ (2.0 / (2 * n + 1)) ~ ' * ' ~ u ~ ' * ' ~ u ~ ' * ' ~ inner.text ~ ')' -%}
  {%- endfor -%}
  (1.1283791670955126 * exp(-{{ u }} * {{ u }}) * {{ u }} * {{ inner.text }})
{%- endmacro %}

{#- erfc(u) for u >= 2: e^(-u^2)/sqrt(pi) / (u + 1/2 / (u + 2/2 / (u + 3/2 / ...))), 60 levels. -#}
{% macro sa_erfc_continued_fraction(u) -%}
  {%- set inner = namespace(text=u) -%}
  {%- for k in range(60, 0, -1) -%}
    {%- set inner.text = '(' ~ u ~ ' + ' ~ (k / 2.0) ~ ' / ' ~ inner.text ~ ')' -%}
  {%- endfor -%}
  (0.5641895835477563 * exp(-{{ u }} * {{ u }}) / {{ inner.text }})
{%- endmacro %}


{% macro sa_regularized_incomplete_beta(a, b, x, y) -%}
  {{ return(adapter.dispatch('sa_regularized_incomplete_beta', 'segment_analytics')(a, b, x, y)) }}
{%- endmacro %}

{% macro default__sa_regularized_incomplete_beta(a, b, x, y) -%}
  beta_cdf({{ a }}, {{ b }}, {{ x }})
{%- endmacro %}

{% macro duckdb__sa_regularized_incomplete_beta(a, b, x, y) -%}
  cast(case
    when {{ x }} is null or {{ a }} is null or {{ b }} is null then null
    when {{ x }} <= 0 then 0.0
    when {{ y }} <= 0 then 1.0
    when {{ x }} < ({{ a }} + 1.0) / ({{ a }} + {{ b }} + 2.0) then {{ sa_incomplete_beta_fraction(a, b, x, y) }}
    else 1.0 - {{ sa_incomplete_beta_fraction(b, a, y, x) }}
  end as double)
{%- endmacro %}

{#- x^a y^b / (a B(a, b)) / (1 + d1 / (1 + d2 / (1 + ...))), y = 1 - x, by the modified Lentz method
    over a fixed number of steps (DuckDB: list_reduce over the step numbers, state {f, c, d}). -#}
{% macro sa_incomplete_beta_fraction(a, b, x, y, steps=400) -%}
  {%- set m_odd = '((j - 1) / 2.0)' -%}
  {%- set m_even = '(j / 2.0)' -%}
  {%- set coefficient -%}
    (case when j % 2 = 1
      then -({{ a }} + {{ m_odd }}) * ({{ a }} + {{ b }} + {{ m_odd }}) * {{ x }} / (({{ a }} + 2.0 * {{ m_odd }}) * ({{ a }} + 2.0 * {{ m_odd }} + 1.0))
      else {{ m_even }} * ({{ b }} - {{ m_even }}) * {{ x }} / (({{ a }} + 2.0 * {{ m_even }} - 1.0) * ({{ a }} + 2.0 * {{ m_even }}))
    end)
  {%- endset -%}
  (exp({{ a }} * ln({{ x }}) + {{ b }} * ln({{ y }}) - lgamma({{ a }}) - lgamma({{ b }}) + lgamma({{ a }} + {{ b }})) / {{ a }}
   / list_reduce(
        range(1, {{ steps + 1 }}),
        lambda s, j: {
            'f': s.f * (1.0 + {{ coefficient }} / s.c) / (1.0 + {{ coefficient }} * s.d),
            'c': 1.0 + {{ coefficient }} / s.c,
            'd': 1.0 / (1.0 + {{ coefficient }} * s.d)
        },
        {'f': 1.0::double, 'c': 1.0::double, 'd': 0.0::double}
     ).f)
{%- endmacro %}


{#- Two-sided p-value of Student's t: I_(df/(df+t^2))(df/2, 1/2). Columns or simple expressions. -#}
{% macro sa_student_t_two_sided_p(t, df) -%}
  {%- set x = '(' ~ df ~ ' / (' ~ df ~ ' + ' ~ t ~ ' * ' ~ t ~ '))' -%}
  {%- set y = '(' ~ t ~ ' * ' ~ t ~ ' / (' ~ df ~ ' + ' ~ t ~ ' * ' ~ t ~ '))' -%}
  {%- set a = '(' ~ df ~ ' / 2.0)' -%}
  cast(case when {{ t }} is null or {{ df }} is null or not ({{ df }} > 0) then null
        when {{ t }} = 0 then 1.0
        else {{ sa_regularized_incomplete_beta(a, '0.5', x, y) }} end as {{ sa_type_double() }})
{%- endmacro %}


{#- Survival function of chi-square with a whole number of degrees of freedom `df` (1 ..
    max_df, max_df known when the SQL is generated): closed form, the same on every engine. -#}
{% macro sa_chi_square_sf(x, df, max_df) -%}
  {%- set h = '(' ~ x ~ ' / 2.0)' -%}
  {%- set even_terms = [] -%}
  {%- set odd_terms = [] -%}
  {%- set state = namespace(factorial=1.0, half_gamma=0.886226925452758) -%}
  {%- for j in range(0, (max_df // 2) + 1) -%}
    {%- if j > 0 -%}{%- set state.factorial = state.factorial * j -%}{%- endif -%}
    {%- if 2 * j + 2 <= max_df -%}
      {%- do even_terms.append('case when ' ~ df ~ ' >= ' ~ (2 * j + 2) ~ ' then exp(-' ~ h ~ ' + ' ~ j ~ ' * ln(' ~ h ~ ') - ln(' ~ state.factorial ~ ')) else 0.0 end') -%}
    {%- endif -%}
  {%- endfor -%}
  {%- for j in range(1, ((max_df - 1) // 2) + 1) -%}
    {%- if j > 1 -%}{%- set state.half_gamma = state.half_gamma * (j - 0.5) -%}{%- endif -%}
    {%- do odd_terms.append('case when ' ~ df ~ ' >= ' ~ (2 * j + 1) ~ ' then exp(-' ~ h ~ ' + ' ~ (j - 0.5) ~ ' * ln(' ~ h ~ ') - ln(' ~ state.half_gamma ~ ')) else 0.0 end') -%}
  {%- endfor -%}
  cast(case
    when {{ x }} is null or {{ df }} is null or {{ df }} < 1 then null
    when {{ x }} <= 0 then 1.0
    when {{ df }} % 2 = 0 then {{ (even_terms | join(' + ')) if even_terms else 'null' }}
    else 2.0 * {{ sa_normal_cdf('(-sqrt(' ~ x ~ '))') }}{% for term in odd_terms %} + {{ term }}{% endfor %}
  end as {{ sa_type_double() }})
{%- endmacro %}


{#- run-operation helper for tests: `SA_DISTRIBUTIONS <json>`, per case [normal_cdf(z),
    t_two_sided_p(t, df), chi_square_sf(x, k)] as text, the exact doubles (args: {cases: [[z, t, df, x, k], ...]}). -#}
{% macro sa_print_distributions(cases) -%}
  {%- set rows = [] -%}
  {%- for c in cases -%}
    {%- do rows.append('select ' ~ loop.index0 ~ ' as i, cast(' ~ c[0] ~ ' as double) as z, cast(' ~ c[1]
                       ~ ' as double) as t, cast(' ~ c[2] ~ ' as double) as df, cast(' ~ c[3]
                       ~ ' as double) as x, ' ~ c[4] ~ ' as k') -%}
  {%- endfor -%}
  {%- set max_k = cases | map(attribute=4) | max -%}
  {%- set query -%}
    select i,
        cast({{ sa_normal_cdf('z') }} as {{ sa_type_string() }}),
        cast({{ sa_student_t_two_sided_p('t', 'df') }} as {{ sa_type_string() }}),
        cast({{ sa_chi_square_sf('x', 'k', max_k) }} as {{ sa_type_string() }})
    from ({{ rows | join(' union all ') }}) as cases
    order by i
  {%- endset -%}
  {%- set out = [] -%}
  {%- for row in run_query(query).rows -%}{%- do out.append([row[1], row[2], row[3]]) -%}{%- endfor -%}
  {%- do print('SA_DISTRIBUTIONS ' ~ tojson(out)) -%}
{%- endmacro %}
