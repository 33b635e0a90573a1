{#- Order-independent sums of doubles. DuckDB aggregates in parallel, and a float sum depends on
    the order its terms arrive in, so two runs on the same inputs could differ in the last bits
    (and so in a rounded digit of an effect). Summing as DECIMAL(38, 10) is exact, hence the same
    in any order; each term is first rounded to 10 decimals, far below any reported precision. -#}
{% macro exact_sum(expr) -%}
    cast(sum(cast({{ expr }} as decimal(38, 10))) as double)
{%- endmacro %}

{% macro exact_avg(expr) -%}
    ({{ exact_sum(expr) }} / nullif(count({{ expr }}), 0))
{%- endmacro %}
