{#- Type names. dbt.type_float is a 4-byte REAL on DuckDB, so these are spelled out. -#}

{% macro sa_type_string() -%}{{ return(adapter.dispatch('sa_type_string', 'segment_analytics')()) }}{%- endmacro %}
{% macro default__sa_type_string() -%}varchar{%- endmacro %}

{% macro sa_type_double() -%}{{ return(adapter.dispatch('sa_type_double', 'segment_analytics')()) }}{%- endmacro %}
{% macro default__sa_type_double() -%}double{%- endmacro %}

{% macro sa_type_bigint() -%}{{ return(adapter.dispatch('sa_type_bigint', 'segment_analytics')()) }}{%- endmacro %}
{% macro default__sa_type_bigint() -%}bigint{%- endmacro %}

{% macro sa_type_boolean() -%}{{ return(adapter.dispatch('sa_type_boolean', 'segment_analytics')()) }}{%- endmacro %}
{% macro default__sa_type_boolean() -%}boolean{%- endmacro %}

{% macro sa_type_timestamp() -%}{{ return(adapter.dispatch('sa_type_timestamp', 'segment_analytics')()) }}{%- endmacro %}
{% macro default__sa_type_timestamp() -%}timestamp{%- endmacro %}
