{#- How many folder levels int_folders__ancestors follows (a folder plus this many - 1 ancestors). -#}
{% macro sa_max_folder_depth() -%}{{ return(var('sa_max_folder_depth', 24) | int) }}{%- endmacro %}
